"""Obsidian wikilinks and embeds: `[[t]]`, `[[t|alias]]`, `[[t#h]]`, `[[t#^b]]`, `![[x.png|200]]`.

Emits one `wikilink` token whose `meta` holds target, anchor, alias and embed, and whose
`content` is the text a reader sees (alias, else the last path part of the target).
"""

from __future__ import annotations

import re

from markdown_it.rules_inline import StateInline

WIKILINK = re.compile(r"!?\[\[([^\[\]|#\n]*)(#[^\[\]|\n]*)?(?:\|([^\[\]\n]*))?\]\]")


def display_text(target: str, anchor: str, alias: str | None) -> str:
    """What a reader sees for a link."""
    if alias and not alias.isdigit():
        return alias.strip()
    shown = target.rstrip("/").rsplit("/", 1)[-1] if target else anchor.lstrip("^")
    return shown.removesuffix(".md")


def wikilink_rule(state: StateInline, silent: bool) -> bool:
    """Inline rule: match a wikilink at the current position."""
    if state.src[state.pos] not in "[!":
        return False
    match = WIKILINK.match(state.src, state.pos)
    if not match:
        return False
    if not silent:
        target = match.group(1).strip()
        anchor = (match.group(2) or "")[1:].strip()
        alias = match.group(3)
        token = state.push("wikilink", "", 0)
        token.meta = {
            "target": target,
            "anchor": anchor,
            "alias": alias,
            "embed": match.group(0).startswith("!"),
            "offset": match.start(),
        }
        token.content = display_text(target, anchor, alias)
    state.pos = match.end()
    return True
