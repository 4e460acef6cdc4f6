"""The fixed words of the outputs in the note's language (`channel_templates/_base/labels.yaml`).

Korean first: a note is `ko` unless its text is mostly Latin letters (`en`); `lang:` in its
front matter decides when set. Templates get the set as `labels`, never an if/else per language.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import yaml

from tasks.model import ParsedNote
from tasks.render.channel import SAFE_LOADER
from tasks.settings import CHANNELS_DIR

LABELS_FILE = CHANNELS_DIR / "_base" / "labels.yaml"
DEFAULT = "ko"
HANGUL_SHARE = 0.2
"""A note is Korean when at least this share of its letters are Hangul syllables (a syllable
carries about as much as 3-5 Latin letters: 13.01-osmu-system.md, half and half, is Korean;
the English notes of the example vault and fixtures are below 0.05)."""
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_LATIN = re.compile(r"[A-Za-z]")


@lru_cache(maxsize=1)
def _table() -> dict[str, dict[str, Any]]:
    data = yaml.load(LABELS_FILE.read_text(encoding="utf-8"), SAFE_LOADER)
    missing = {lang: set(data[DEFAULT]) - set(words) for lang, words in data.items()}
    if any(missing.values()):
        raise ValueError(f"{LABELS_FILE}: labels missing: {missing}")
    return {str(lang): dict(words) for lang, words in data.items()}


def text_language(text: str) -> str:
    """`ko` or `en` for a text (empty text: `ko`)."""
    hangul, latin = len(_HANGUL.findall(text)), len(_LATIN.findall(text))
    return "en" if latin and hangul < HANGUL_SHARE * (hangul + latin) else DEFAULT


def note_language(parsed: ParsedNote) -> str:
    """The note's language: its `lang:` front matter when labels exist for it, else detected from its text."""
    declared = str(parsed.note.meta.get("lang") or parsed.note.meta.get("language") or "").strip().lower()
    if declared in _table():
        return declared
    lines = parsed.note.text.split("\n")
    return text_language(parsed.title + "\n" + "\n".join(lines[parsed.note.body_line - 1 :]))


def labels(lang: str) -> dict[str, Any]:
    """The label set of `lang` (Korean for a language without one)."""
    table = _table()
    return table.get(lang, table[DEFAULT])
