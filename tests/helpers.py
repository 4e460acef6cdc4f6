"""Small helpers to run the pure pipeline in tests (no Prefect)."""

from __future__ import annotations

from pathlib import Path

from tasks.insights import extract_insights
from tasks.links import NoteIndex
from tasks.model import Insight, NoteRoots, ParsedNote, RenderResult, RootIndex
from tasks.parse import parse_note
from tasks.read import list_vault, read_note, read_roots
from tasks.render import render_note
from tasks.roots import build_root_index, resolve_note_roots
from tasks.settings import Settings, load_settings


def settings_for(vault: Path, **extra: object) -> Settings:
    """Bundled settings pointed at `vault`."""
    return load_settings(None, {"vault": vault, **extra})


def pipeline(vault: Path, note: str) -> tuple[ParsedNote, NoteRoots, RootIndex, tuple[Insight, ...], Settings]:
    """read → parse → roots → insights for one note of `vault`."""
    settings = settings_for(vault)
    parsed = parse_note(read_note(vault, Path(note)), settings.navigation_sections)
    index = build_root_index(*read_roots(vault, settings.roots_folder), settings.root_aliases)
    note_roots = resolve_note_roots(parsed, index, NoteIndex.build(list_vault(vault)))
    return parsed, note_roots, index, extract_insights(parsed, note_roots, index), settings


def render(vault: Path, note: str, channels: tuple[str, ...] | None = None) -> RenderResult:
    """The whole pure pipeline up to rendering."""
    parsed, note_roots, index, insights, settings = pipeline(vault, note)
    return render_note(parsed, insights, note_roots, index, settings, channels)


GOLDEN_ROOT = Path(__file__).resolve().parent / "golden"


def compare_golden(result: RenderResult, root: Path = GOLDEN_ROOT) -> None:
    """Compare text outputs with `root/<slug>/`; with OSMU_REGEN_GOLDEN=1 rewrite them first."""
    import os

    folder = root / result.slug
    produced = {o.path: o.content for o in result.outputs if not o.path.endswith((".png", ".pptx"))}
    if os.environ.get("OSMU_REGEN_GOLDEN") == "1":
        for old in folder.rglob("*") if folder.exists() else ():
            if old.is_file():
                old.unlink()
        for rel, content in produced.items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_bytes(content)
    expected = {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert sorted(expected) == sorted(produced), "output files changed: run `make golden` and review"
    for rel, content in produced.items():
        assert content == expected[rel], f"{rel} differs from {folder}: run `make golden` and review the diff"
