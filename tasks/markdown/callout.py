"""Obsidian callouts: a blockquote whose first line is `[!type]` (± fold marker, title).

Core rule: retags `blockquote_open` as `callout_open` with `meta = {type, title, fold}` and
drops the `[!type] title` line from the first paragraph.
"""

from __future__ import annotations

import re

from markdown_it.rules_core import StateCore

CALLOUT = re.compile(r"^\[!([\w-]+)\]([+-]?)[ \t]*([^\n]*)\n?")


def callout_rule(state: StateCore) -> None:
    """Core rule, run before inline parsing (works on raw `inline.content`)."""
    tokens = state.tokens
    for i, token in enumerate(tokens):
        if token.type != "blockquote_open" or i + 2 >= len(tokens):
            continue
        inline = tokens[i + 2]
        if tokens[i + 1].type != "paragraph_open" or inline.type != "inline":
            continue
        match = CALLOUT.match(inline.content)
        if not match:
            continue
        token.type = "callout_open"
        token.meta = {
            "type": match.group(1).lower(),
            "fold": match.group(2),
            "title": match.group(3).strip(),
        }
        inline.content = inline.content[match.end() :]
        depth = 0
        for close in tokens[i:]:
            depth += close.nesting if close.type.startswith(("blockquote", "callout")) else 0
            if close.type == "blockquote_close" and depth == 0:
                close.type = "callout_close"
                break
