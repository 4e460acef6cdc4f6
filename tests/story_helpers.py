"""Run the pure story pipeline for a log gathered from daily notes (no Prefect)."""

from __future__ import annotations

from pathlib import Path

from tasks.model import Insight, RenderResult
from tasks.parse import parse_note
from tasks.process_daily import gather_daily, log_note
from tasks.read import iter_note_paths, read_note, read_roots
from tasks.render import render_note
from tasks.roots import build_root_index, resolve_note_roots
from tasks.story import log_insights
from tests.helpers import settings_for

EXAMPLE_LOG = "10-projects/13-imi-work/13.01-osmu-system/osmu-제작기.md"


def render_daily(vault: Path, project: str) -> tuple[RenderResult, tuple[Insight, ...]]:
    """read → gather `#process/<project>` daily notes → insights → render."""
    settings = settings_for(vault)
    notes = [parse_note(read_note(vault, p)) for p in iter_note_paths(vault)]
    log = gather_daily(notes, project)
    parsed = log_note(log, [n for n in notes if n.note.path in {e.source for e in log.entries}])
    index = build_root_index(*read_roots(vault, settings.roots_folder))
    note_roots = resolve_note_roots(parsed, index)
    insights = log_insights(log, note_roots, index)
    return render_note(parsed, insights, note_roots, index, settings), insights
