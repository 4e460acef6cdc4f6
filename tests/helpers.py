"""Helpers to run the production pipeline in tests (plain functions, no Prefect, no writing)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from tasks.model import Insight, NoteRoots, ParsedNote, RenderResult, RootIndex
from tasks.pipeline import VaultContext, cut_insights, open_vault, render_insights
from tasks.settings import Settings, load_settings
from tasks.vault.links import NoteIndex


def settings_for(vault: Path, **extra: object) -> Settings:
    """Bundled settings pointed at `vault`."""
    return load_settings(None, {"vault": vault, **extra})


def pipeline(vault: Path, note: str) -> tuple[ParsedNote, NoteRoots, RootIndex, tuple[Insight, ...], Settings]:
    """read → parse → privacy → roots → insights for one note of `vault` (tasks/pipeline.py)."""
    settings = settings_for(vault)
    context = open_vault(settings)
    cut = cut_insights(settings, context, Path(note))
    return cut.parsed, cut.roots, context.roots, cut.insights, settings


def render(vault: Path, note: str, channels: tuple[str, ...] | None = None, **extra: object) -> RenderResult:
    """The production pipeline up to lint (compose → render → polish → lint), without writing;
    `extra`: settings (`options={...}`)."""
    settings = settings_for(vault, **extra)
    context = open_vault(settings)
    cut = cut_insights(settings, context, Path(note))
    return render_insights(cut.parsed, cut.insights, cut.roots, settings, context, channels or ())


def rendered(
    parsed: ParsedNote,
    insights: Sequence[Insight],
    note_roots: NoteRoots,
    index: RootIndex,
    settings: Settings,
    channels: Sequence[str] | None = None,
) -> RenderResult:
    """render → polish → lint (tasks/pipeline.py's `render_insights`) for values a test made itself."""
    vault = VaultContext(index, NoteIndex.build(()))  # rendering resolves no link: the note list is not needed
    return render_insights(parsed, tuple(insights), note_roots, settings, vault, channels or ())


GOLDEN_ROOT = Path(__file__).resolve().parent / "golden"


def output_text(result: RenderResult, suffix: str, channel: str) -> str:
    """The text of the one output of `channel` whose path ends with `suffix`."""
    return next(o.content.decode() for o in result.outputs if o.path.endswith(suffix) and o.channel == channel)


def compare_golden(result: RenderResult, root: Path = GOLDEN_ROOT) -> None:
    """Compare text outputs with `root/<slug>/`; with OSMU_REGEN_GOLDEN=1 rewrite them first."""
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
