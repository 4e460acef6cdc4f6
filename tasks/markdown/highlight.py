"""Obsidian highlights `==text==` → a `mark` token pair around the inner inline tokens."""

from __future__ import annotations

from markdown_it.rules_inline import StateInline


def highlight_rule(state: StateInline, silent: bool) -> bool:
    """Inline rule: `==…==` on one line, non-empty, not starting or ending with a space."""
    src, start = state.src, state.pos
    if not src.startswith("==", start):
        return False
    end = src.find("==", start + 2)
    inner = src[start + 2 : end] if end != -1 else ""
    if not inner or "\n" in inner or inner != inner.strip():
        return False
    if not silent:
        state.push("mark_open", "mark", 1)
        old_max = state.posMax
        state.pos, state.posMax = start + 2, end
        state.md.inline.tokenize(state)
        state.posMax = old_max
        state.push("mark_close", "mark", -1)
    state.pos = end + 2
    return True
