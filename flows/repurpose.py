"""The `repurpose-note` flow: one note or process log → every channel's outputs.

The flow body reads one line per phase, as in Prefect's own examples; the work is in
`tasks/`. `prepare_vault` and `repurpose` are shared with the sweep flow.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from prefect import flow

from tasks.insights import extract_insights_task
from tasks.links import NoteIndex
from tasks.model import NoteError, NoteResult, RootIndex
from tasks.parse import parse_note_task
from tasks.privacy import protect_task
from tasks.read import list_vault_task, read_note_task, read_roots_task
from tasks.render import render_note_task
from tasks.roots import build_root_index_task, resolve_note_roots_task
from tasks.settings import Settings, load_settings
from tasks.write import write_outputs_task


class LintFailed(Exception):
    """Strict mode: at least one output broke a channel rule."""


@dataclass(frozen=True, slots=True)
class VaultContext:
    """What every note of one vault shares: its roots and its list of notes."""

    roots: RootIndex
    """Root concepts of the vault."""
    notes: NoteIndex
    """Every note path, for link resolution."""


def prepare_vault(settings: Settings) -> VaultContext:
    """Read the vault's root concepts and note list (once per run)."""
    roots = build_root_index_task(*read_roots_task(settings.vault, settings.roots_folder), settings.root_aliases)
    return VaultContext(roots, NoteIndex.build(list_vault_task(settings.vault)))


def repurpose(
    note_path: Path, settings: Settings, vault: VaultContext, channels: tuple[str, ...], force: bool
) -> NoteResult:
    """read → parse → roots → insights → render → write for one note."""
    note = read_note_task(settings.vault, note_path)
    parsed = protect_task(parse_note_task(note, settings.navigation_sections), settings, vault.notes)
    note_roots = resolve_note_roots_task(parsed, vault.roots, vault.notes)
    insights = extract_insights_task(parsed, note_roots, vault.roots)
    rendered = render_note_task(parsed, insights, note_roots, vault.roots, settings, channels)
    warnings = (*note.diagnostics, *parsed.diagnostics, *note_roots.diagnostics, *rendered.diagnostics)
    failures = tuple(f"{o.path}: {r.rule}: {r.message}" for o in rendered.outputs for r in o.lint if not r.ok)
    if settings.strict and failures:
        raise LintFailed(f"{note.path}: {len(failures)} lint failure(s):\n  " + "\n  ".join(failures))
    report = write_outputs_task(rendered, note.source_hash, insights, warnings, settings.out_dir, force)
    return NoteResult(
        source=note.path,
        ok=True,
        insights=len(insights),
        roots=tuple(dict.fromkeys(s for o in rendered.outputs for s in o.root_concepts)),
        out_dir=report.out_dir,
        files=report.files,
        warnings=warnings,
        lint_failures=failures,
        llm=rendered.llm,
    )


@flow(name="repurpose-note", log_prints=True)
def repurpose_note(
    note: str,
    vault: str | None = None,
    out: str | None = None,
    channels: list[str] | None = None,
    strict: bool = False,
    force: bool = False,
    config: str | None = None,
) -> NoteResult:
    """Repurpose one note (path absolute or relative to the vault) into channel outputs."""
    settings = load_settings(Path(config) if config else None, {"vault": vault, "out": out, "strict": strict or None})
    context = prepare_vault(settings)
    result = repurpose(Path(note), settings, context, tuple(channels or settings.channels), force)
    print(f"{result.source}: {result.insights} insights, {len(result.files)} files → {result.out_dir}")
    return result


__all__ = ["LintFailed", "NoteError", "VaultContext", "prepare_vault", "repurpose", "repurpose_note"]
