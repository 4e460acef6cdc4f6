"""What every channel's templates see: the note, its insights and roots, labels, settings."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from tasks import __version__
from tasks.model import Insight, NoteRoots, ParsedNote, RootIndex
from tasks.render.labels import labels, note_language
from tasks.settings import Settings
from tasks.slug import safe_slug

DATE_KEYS_CREATED = ("date", "created")
DATE_KEYS_UPDATED = ("updated", "modified", "lastmod", "date", "created")


def _meta_date(meta: Mapping[str, Any], keys: Sequence[str]) -> str:
    for key in keys:
        value = meta.get(key)
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2}", value):
            return value[:10]
    return ""


def note_dates(parsed: ParsedNote) -> tuple[str, str]:
    """(date, lastmod) from the note's front matter, else from its file time (never the clock)."""
    meta, fallback = parsed.note.meta, parsed.note.modified or "1970-01-01"
    return (_meta_date(meta, DATE_KEYS_CREATED) or fallback, _meta_date(meta, DATE_KEYS_UPDATED) or fallback)


def note_dated(parsed: ParsedNote) -> bool:
    """True when the note's front matter gives a date (`date`, `created`, `updated`…), not only its file time."""
    return bool(_meta_date(parsed.note.meta, DATE_KEYS_UPDATED))


def source_slug(path: str) -> str:
    """Output folder name of a source note: its file stem, made safe."""
    return safe_slug(path.rsplit("/", 1)[-1].removesuffix(".md"), fallback=path)


def base_context(
    parsed: ParsedNote,
    insights: Sequence[Insight],
    note_roots: NoteRoots,
    index: RootIndex,
    settings: Settings,
) -> dict[str, Any]:
    """What every channel's templates see (channels add to it in their preparer)."""
    created, updated = note_dates(parsed)
    slugs = list(dict.fromkeys([t.slug for t in note_roots.tags] + [s for i in insights for s in i.root_slugs]))
    roots = [r for r in (index.get(s) for s in slugs) if r is not None]
    lang = note_language(parsed)
    return {
        "note": {
            "lang": lang,
            "title": parsed.title,
            "path": parsed.note.path,
            "slug": source_slug(parsed.note.path),
            "kind": parsed.note.kind,
            "date": created,
            "lastmod": updated,
            "dated": note_dated(parsed),
            "tags": list(parsed.tags),
            "source_hash": parsed.note.source_hash,
        },
        "insights": list(insights),
        "footnotes": [{"label": b.get("label"), "text": b.text} for b in parsed.footnotes],
        "roots": roots,
        "root_slugs": [r.slug for r in roots],
        "labels": labels(lang),  # fixed words in the note's language (tasks/labels.py)
        "settings": settings,
        "osmu_version": __version__,
    }


def header(ctx: Mapping[str, Any], channel: str, insight_ids: Sequence[str], roots: Sequence[str]) -> dict[str, Any]:
    """The common header block every output carries."""
    return {
        "source": ctx["note"]["path"],
        "source_hash": ctx["note"]["source_hash"],
        "root_concepts": list(roots),
        "insights": list(insight_ids),
        "channel": channel,
        "generated_at": ctx["note"]["lastmod"],
        "osmu_version": ctx["osmu_version"],
    }
