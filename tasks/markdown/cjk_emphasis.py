"""Emphasis (`*`, `_`) that closes before a Korean particle: `**과정(Process)**을`.

CommonMark's flanking rule refuses a closing `**` preceded by punctuation and followed by
a letter, which Korean writing does all the time (Obsidian renders it). This is
markdown-it-py's own emphasis tokenizer with one change, after the CJK-friendly
amendment (tats-u): a Hangul/CJK neighbour counts like whitespace for flanking.
"""

from __future__ import annotations

import re

from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, isWhiteSpace
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline.state_inline import Delimiter

_CJK = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af\u3040-\u30ff\u3400-\u9fff]")


def _is_cjk(ch: str) -> bool:
    return bool(_CJK.match(ch))


def scan_delims(state: StateInline, start: int, can_split_word: bool) -> tuple[bool, bool, int]:
    """(can_open, can_close, length) of the delimiter run at `start`."""
    pos, marker = start, state.src[start]
    last = state.src[start - 1] if start > 0 else " "
    while pos < state.posMax and state.src[pos] == marker:
        pos += 1
    nxt = state.src[pos] if pos < state.posMax else " "
    last_punct = isMdAsciiPunct(ord(last)) or isPunctChar(last)
    next_punct = isMdAsciiPunct(ord(nxt)) or isPunctChar(nxt)
    last_space, next_space = isWhiteSpace(ord(last)), isWhiteSpace(ord(nxt))
    last_cjk, next_cjk = _is_cjk(last), _is_cjk(nxt)
    left = not (next_space or (next_punct and not (last_space or last_punct or last_cjk)))
    right = not (last_space or (last_punct and not (next_space or next_punct or next_cjk)))
    can_open = left and (can_split_word or not right or last_punct)
    can_close = right and (can_split_word or not left or next_punct)
    return can_open, can_close, pos - start


def cjk_emphasis_rule(state: StateInline, silent: bool) -> bool:
    """Replacement for markdown-it-py's `emphasis` tokenizer (post-processing unchanged)."""
    marker = state.src[state.pos]
    if silent or marker not in ("_", "*"):
        return False
    can_open, can_close, length = scan_delims(state, state.pos, marker == "*")
    for _ in range(length):
        token = state.push("text", "", 0)
        token.content = marker
        state.delimiters.append(
            Delimiter(
                marker=ord(marker),
                length=length,
                token=len(state.tokens) - 1,
                end=-1,
                open=can_open,
                close=can_close,
            )
        )
    state.pos += length
    return True
