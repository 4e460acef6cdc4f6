"""Safe, Hangul-preserving slugs: never empty, never a path, never `..`.

`slugify(allow_unicode=True)` keeps Hangul and NFC-normalises; on top of it we drop
characters illegal on Windows, cap the length on a character boundary, and fall back to a
short hash when nothing is left. A slug is always a single safe path component.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from slugify import slugify

MAX_LEN = 80
_ILLEGAL = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
)


def short_hash(text: str, n: int = 8) -> str:
    """First `n` hex digits of the SHA-256 of `text`."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:n]


def safe_slug(text: str, fallback: str = "") -> str:
    """A slug for `text`: Hangul kept, lowercase Latin, hyphens; `note-<hash>` when empty."""
    slug = slugify(unicodedata.normalize("NFC", text), allow_unicode=True)
    slug = _ILLEGAL.sub("", slug).replace("..", "-").strip(".-")
    if len(slug) > MAX_LEN:
        slug = slug[:MAX_LEN].rstrip("-")
    if not slug or slug in _RESERVED:
        slug = "note-" + short_hash(fallback or text or "empty")
    return slug


def is_safe_component(name: str) -> bool:
    """True when `name` is one harmless path component."""
    return bool(name) and name not in (".", "..") and not _ILLEGAL.search(name) and ".." not in name
