"""The `repurpose-note` flow: one note or process log → every channel's outputs.

The flow body reads one line per phase, as in Prefect's own examples; the work is in
`tasks/`. `prepare_vault` and `run_pipeline` are shared with the sweep flow, which runs
the same stages as plain functions inside batch tasks (a task call costs ~20 ms).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prefect import flow
from prefect.utilities.annotations import quote

from flows import changes
from flows.caching import CACHE_EXPIRATION, content_key
from flows.report import publish_note_artifacts
from tasks.insights import extract_insights, extract_insights_task
from tasks.links import NoteIndex
from tasks.model import Diagnostic, Insight, NoteError, NoteResult, NoteRoots, ParsedNote, RootIndex
from tasks.parse import parse_note, parse_note_task
from tasks.privacy import private_reason, protect_task
from tasks.read import list_vault_task, read_note, read_note_task, read_roots_task
from tasks.render import render_note, render_note_task
from tasks.roots import build_root_index_task, resolve_note_roots, resolve_note_roots_task
from tasks.settings import Settings, load_settings
from tasks.write import write_outputs, write_outputs_task


class LintFailed(Exception):
    """Strict mode: at least one output broke a channel rule."""


class PrivateNote(NoteError):
    """A private note met by a sweep: never published, skipped without counting as a failure."""


def protect_or_skip(parsed: ParsedNote, settings: Settings, index: NoteIndex) -> ParsedNote:
    """The privacy stage for sweeps: a private note is skipped, a public one has private links hidden."""
    reason = private_reason(parsed.note, settings.private_folders)
    if reason:
        raise PrivateNote(parsed.note.path, 0, f"private ({reason}): skipped")
    return protect_task.fn(parsed, settings, index)


@dataclass(frozen=True, slots=True)
class VaultContext:
    """What every note of one vault shares: its roots and its list of notes."""

    roots: RootIndex
    """Root concepts of the vault."""
    notes: NoteIndex
    """Every note path, for link resolution."""


@dataclass(frozen=True, slots=True)
class Stages:
    """The six stage functions: Prefect tasks (one note) or plain functions (batches)."""

    read: Callable[..., Any]
    """read_note."""
    parse: Callable[..., Any]
    """parse_note."""
    protect: Callable[..., Any]
    """Refuse a private note, hide private links of a public one."""
    roots: Callable[..., Any]
    """resolve_note_roots."""
    insights: Callable[..., Any]
    """extract_insights."""
    render: Callable[..., Any]
    """render_note."""
    write: Callable[..., Any]
    """write_outputs."""


def _quoting(task: Callable[..., Any]) -> Callable[..., Any]:
    """The task, called with the vault-wide inputs quoted.

    Prefect walks every argument twice per task call looking for futures (`visit_collection`);
    the root index and the note index of a 1k-note vault took ~50 ms a call to walk, for
    nothing: they are plain values. Cache keys still see the values (quotes are removed first).
    """

    def call(*args: Any, **kwargs: Any) -> Any:
        return task(*(quote(a) if isinstance(a, RootIndex | NoteIndex | Settings) else a for a in args), **kwargs)

    return call


_cached = {"cache_key_fn": content_key, "cache_expiration": CACHE_EXPIRATION, "persist_result": True}
TASKS = Stages(
    read_note_task,
    parse_note_task.with_options(**_cached),  # type: ignore[arg-type]
    _quoting(protect_task),
    _quoting(resolve_note_roots_task),
    _quoting(extract_insights_task.with_options(**_cached)),  # type: ignore[arg-type]
    _quoting(render_note_task.with_options(**_cached)),  # type: ignore[arg-type]
    write_outputs_task,
)
ROOT_INDEX = build_root_index_task.with_options(**_cached)  # type: ignore[arg-type]
"""The root index, cached on the root notes' content: profiling roots runs Kiwi over every root note."""
PLAIN = Stages(read_note, parse_note, protect_or_skip, resolve_note_roots, extract_insights, render_note, write_outputs)


@dataclass(frozen=True, slots=True)
class Outcome:
    """A note's result plus the wikilink targets it was parsed with (for change tracking)."""

    result: NoteResult
    """What the note produced."""
    links: tuple[str, ...]
    """Wikilink targets of the note, in order of appearance, de-duplicated."""
    skipped: str = ""
    """Why a sweep left the note out on purpose (a private note), else ""."""


def warm_up() -> None:
    """Build the Korean analyser now (~2 s), not inside the first note: long-running commands
    feel instant, and threads share one analyser (safe to share once built, not to build twice)."""
    from tasks.korean import kiwi

    kiwi().tokenize("")


def prepare_vault(settings: Settings, notes: NoteIndex | None = None) -> VaultContext:
    """Read the vault's root concepts and note list (once per run)."""
    roots = ROOT_INDEX(*read_roots_task(settings.vault, settings.roots_folder), settings.root_aliases)
    return VaultContext(roots, notes if notes is not None else NoteIndex.build(list_vault_task(settings.vault)))


def run_pipeline(
    note_path: Path,
    settings: Settings,
    vault: VaultContext,
    channels: tuple[str, ...],
    force: bool,
    stages: Stages = TASKS,
) -> Outcome:
    """read → parse → roots → insights → render → write for one note."""
    note = stages.read(settings.vault, note_path)
    parsed = stages.protect(stages.parse(note, settings.navigation_sections), settings, vault.notes)
    note_roots = stages.roots(parsed, vault.roots, vault.notes)
    insights = stages.insights(parsed, note_roots, vault.roots)
    warnings = (*note.diagnostics, *parsed.diagnostics, *note_roots.diagnostics)
    result = render_and_write(parsed, insights, note_roots, warnings, settings, vault, channels, force, stages)
    return Outcome(result, tuple(dict.fromkeys(link.target for link in parsed.links)))


def render_and_write(
    parsed: ParsedNote,
    insights: tuple[Insight, ...],
    note_roots: NoteRoots,
    warnings: tuple[Diagnostic, ...],
    settings: Settings,
    vault: VaultContext,
    channels: tuple[str, ...],
    force: bool,
    stages: Stages = TASKS,
) -> NoteResult:
    """render → lint (strict: fail) → write → the note's result; the last phases of every flow."""
    rendered = stages.render(parsed, insights, note_roots, vault.roots, settings, channels)
    warnings = (*warnings, *rendered.diagnostics)
    failures = tuple(f"{o.path}: {r.rule}: {r.message}" for o in rendered.outputs for r in o.lint if not r.ok)
    if settings.strict and failures:
        raise LintFailed(f"{parsed.note.path}: {len(failures)} lint failure(s):\n  " + "\n  ".join(failures))
    report = stages.write(rendered, parsed.note.source_hash, insights, warnings, settings.out_dir, force)
    return NoteResult(
        source=parsed.note.path,
        ok=True,
        insights=len(insights),
        roots=tuple(dict.fromkeys(s for o in rendered.outputs for s in o.root_concepts)),
        out_dir=report.out_dir,
        files=report.files,
        warnings=warnings,
        lint_failures=failures,
        preview=report.preview,
        llm=rendered.llm,
    )


def repurpose(
    note_path: Path, settings: Settings, vault: VaultContext, channels: tuple[str, ...], force: bool
) -> NoteResult:
    """read → parse → roots → insights → render → write for one note (Prefect tasks)."""
    return run_pipeline(note_path, settings, vault, channels, force).result


def _remember(settings: Settings, channels: tuple[str, ...], path: Path, index: NoteIndex, **done: Any) -> None:
    """Record the note in the output folder's state so sweeps and `osmu watch` skip it while unchanged."""
    stat = next(changes.scan_files(settings.vault, [path]), None)
    if stat is None:
        return
    state = changes.SweepState.load(settings.out_dir)
    context = changes.context_key(settings, channels)
    candidate = changes.Candidate(stat, changes.file_sha(stat.path), "", context)
    changes.record(state, candidate, index=index, sha_of=changes.file_sha_of(settings.vault), **done)
    state.save()


@flow(name="repurpose-note", log_prints=True)
def repurpose_note(
    note: str,
    vault: str | None = None,
    out: str | None = None,
    channels: list[str] | None = None,
    strict: bool = False,
    force: bool = False,
    config: str | None = None,
    remember: bool = False,
) -> NoteResult:
    """Repurpose one note (path absolute or relative to the vault) into channel outputs.

    `remember=True` (what `osmu watch` passes) records the note in `<out>/.osmu-state.json`, so a
    save that changes nothing and the next sweep both skip it.
    """
    settings = load_settings(Path(config) if config else None, {"vault": vault, "out": out, "strict": strict or None})
    context = prepare_vault(settings)
    chosen = tuple(channels or settings.channels)
    path = Path(note) if Path(note).is_absolute() else settings.vault / note
    try:
        outcome = run_pipeline(path, settings, context, chosen, force)
    except (NoteError, LintFailed) as exc:
        if remember:
            _remember(settings, chosen, path, context.notes, links=(), error=str(exc))
        raise
    result = outcome.result
    if remember:
        manifest = f"{result.out_dir}/manifest.json"
        _remember(settings, chosen, path, context.notes, links=outcome.links, manifest=manifest)
    publish_note_artifacts([result], title=f"osmu: {result.source}", key_prefix="repurpose")
    print(f"{result.source}: {result.insights} insights, {len(result.files)} files → {result.out_dir}")
    print(f"preview: {result.preview}")
    return result


__all__ = [
    "PLAIN",
    "TASKS",
    "LintFailed",
    "NoteError",
    "Outcome",
    "PrivateNote",
    "Stages",
    "VaultContext",
    "prepare_vault",
    "render_and_write",
    "repurpose",
    "repurpose_note",
    "run_pipeline",
    "warm_up",
]
