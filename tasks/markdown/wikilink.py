"""Obsidian wikilinks and embeds: `[[t]]`, `[[t|alias]]`, `[[t#h]]`, `[[t#^b]]`, `![[x.png|200]]`.

Emits one `wikilink` token whose `meta` holds target, anchor, alias and embed, and whose
`content` is the text a reader sees (alias, else the last path part of the target).
"""

from __future__ import annotations

import re

from markdown_it.rules_inline import StateInline

WIKILINK = re.compile(r"!?\[\[([^\[\]|#\n]*?)(#[^\[\]|\n]*?)?(?:\\?\|([^\[\]\n]*))?\]\]")
"""`[[target#anchor|alias]]`; inside a table the `|` is escaped (`[[target\\|alias]]`, as Obsidian
writes it), and the backslash belongs to neither the target nor the anchor."""


ROOT_STEM = re.compile(r"^root-\d+-", re.IGNORECASE)
DATED_STEM = re.compile(r"-+\d{8}$")


def readable(stem: str) -> str:
    """A file-name slug as a reader would write it: `root-07-아카이브-사고` → `아카이브 사고`,
    `인간적인-브랜드가-살아남는다---마크-W셰퍼-20220206` → `인간적인 브랜드가 살아남는다 — 마크 W셰퍼`.
    A name with spaces, or without hyphens, is already written for people and stays as it is."""
    if " " in stem or "-" not in stem:
        return stem
    text = DATED_STEM.sub("", ROOT_STEM.sub("", stem))
    return re.sub(r"\s+", " ", text.replace("---", " — ").replace("-", " ")).strip() or stem


def display_text(target: str, anchor: str, alias: str | None) -> str:
    """What a reader sees for a link: its alias, else the note's name made readable (never a
    `root-NN-` slug or a file name)."""
    if alias and not alias.isdigit():
        return alias.strip()
    if not target:
        return anchor.lstrip("^")
    shown = target.rstrip("/").rsplit("/", 1)[-1]
    if re.search(r"\.(png|jpe?g|gif|webp|svg|pdf|mp4|mov|mp3|canvas|excalidraw)$", shown, re.IGNORECASE):
        return shown  # an embedded file keeps its name (the insight cutter leaves such lines out)
    return readable(shown.removesuffix(".md"))


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
