"""The `vault-sweep` flow: render every note that changed since the last sweep.

Changes are found by content hash (see `tasks.changes`): of the note, of the templates,
settings, root notes and code it depends on, and of where its links point. The no-change
path stats files and runs no per-note task. Notes to render are cut into a few batches,
each one Prefect task running the stages as plain functions (a task call costs ~20 ms), so
a 10k-note sweep makes tens of task runs, not tens of thousands. One bad note is reported
and skipped; the rest go on.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

from prefect import flow, get_run_logger
from prefect.futures import as_completed
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from flows import pool, progress
from flows.report import publish_note_artifacts, write_sweep_preview
from flows.repurpose import settings_of
from flows.run_names import label_run, publish_preview_link, sweep_run_name
from flows.stages import stage_task
from tasks import changes
from tasks.model import NoteError, NoteResult, one_line
from tasks.nlp.korean import warm_up
from tasks.pipeline import LintFailed, Outcome, VaultContext, open_vault, run_note
from tasks.render.context import source_slug
from tasks.settings import Settings
from tasks.vault.privacy import PrivateNote
from tasks.write.preview import PAGE

T = TypeVar("T")


def _quoted(value: T) -> T:
    """Pass `value` to a task without Prefect walking it for futures (costly for 10k-note collections)."""
    return cast(T, quote(value))


@dataclass(frozen=True, slots=True)
class SweepReport:
    """What one sweep did."""

    out_dir: str
    """Output folder."""
    rendered: tuple[NoteResult, ...]
    """Notes rendered in this sweep."""
    failed: tuple[NoteResult, ...]
    """Notes that could not be rendered (`error` says why), including unchanged ones that failed before."""
    skipped: tuple[str, ...]
    """Notes unchanged since the last sweep (nothing done)."""
    removed: tuple[str, ...]
    """Notes gone from the vault since the last sweep (their outputs are kept)."""
    seconds: float
    """Wall time of the sweep."""
    private: tuple[str, ...] = ()
    """Private notes (`publish: false`, `private: true`, private folders): never rendered."""
    preview: str = ""
    """The preview page listing every note (`<out>/index.html`)."""
    empty: tuple[str, ...] = ()
    """Notes with nothing to say (no insights): read, no posts written."""

    def summary(self) -> str:
        """One line: counts and time."""
        private = f", {len(self.private)} private (skipped)" if self.private else ""
        empty = f", {len(self.empty)} with nothing to say (skipped)" if self.empty else ""
        return (
            f"{len(self.rendered)} rendered, {len(self.skipped)} unchanged (skipped){private}{empty}, "
            f"{len(self.failed)} failed, {len(self.removed)} removed in {self.seconds:.1f} s → {self.out_dir}"
            + (f" (preview: {self.preview})" if self.preview else "")
        )


def failure(rel: str, exc: BaseException) -> NoteResult:
    """A failed note's result; the error names the file (and line, when known)."""
    message = (
        str(exc) if isinstance(exc, NoteError | LintFailed) else f"{rel}:0: {type(exc).__name__}: {one_line(str(exc))}"
    )
    return NoteResult(source=rel, ok=False, error=message)


def render_one(
    candidate: changes.Candidate, settings: Settings, vault: VaultContext, channels: tuple[str, ...], force: bool
) -> Outcome:
    """Render one note, turning any error into a failed result (one bad note must not stop a sweep)."""
    try:
        outcome = run_note(settings, vault, candidate.stat.path, channels, force)
    except PrivateNote as exc:
        why = f"{candidate.stat.rel}:0: private ({exc.reason}): skipped"
        outcome = Outcome(NoteResult(source=candidate.stat.rel, ok=False, error=why), (), skipped=why)
    except Exception as exc:
        outcome = Outcome(failure(candidate.stat.rel, exc), ())
    if progress.listening():  # batches on threads report each note as soon as it is done
        progress.note_done(outcome.result)
    return outcome


@stage_task("find-changes")
def find_changes(settings: Settings, channels: tuple[str, ...], state: changes.SweepState, full: bool) -> changes.Plan:
    """Stat (and hash only what changed) every note of the vault; compare with the last sweep."""
    return changes.plan(settings, channels, state, full)


@stage_task("render-batch")
def render_batch(
    batch: tuple[changes.Candidate, ...],
    settings: Settings,
    vault: VaultContext,
    channels: tuple[str, ...],
    force: bool,
) -> tuple[Outcome, ...]:
    """Render a batch of notes (plain functions inside one task run)."""
    outcomes = tuple(render_one(c, settings, vault, channels, force) for c in batch)
    _warn_failed(outcomes)
    return outcomes


def _warn_failed(outcomes: Sequence[Outcome]) -> None:
    """One warning in the task's log per note that failed."""
    logger = get_run_logger()
    for outcome in outcomes:
        if not outcome.result.ok:
            logger.warning("skipped: %s", outcome.result.error)


Finished = list[tuple[tuple[changes.Candidate, ...], tuple[Outcome, ...]]]


def render_in_tasks(
    parts: Sequence[tuple[changes.Candidate, ...]],
    settings: Settings,
    context: VaultContext,
    chosen: tuple[str, ...],
    force: bool,
) -> Iterator[tuple[tuple[changes.Candidate, ...], tuple[Outcome, ...]]]:
    """One `render-batch` task run per batch on the flow's task runner; batches as they end."""
    submit = render_batch.submit
    futures = {submit(_quoted(part), settings, _quoted(context), chosen, force): part for part in parts}
    for future in as_completed(list(futures)):  # batches run in other processes report when they end
        yield futures[future], future.result()


@stage_task("render-in-processes")
def render_in_processes(
    parts: Sequence[tuple[changes.Candidate, ...]],
    settings: Settings,
    context: VaultContext,
    chosen: tuple[str, ...],
    force: bool,
    workers: int,
) -> Finished:
    """Every batch in `workers` worker processes (`flows.pool`: many notes, spare cores)."""
    finished: Finished = []
    for part, done in pool.render_batches(parts, settings, context, chosen, force, workers):
        for outcome in done:  # worker processes cannot report progress; report each batch as it ends
            progress.note_done(outcome.result)
        _warn_failed(done)
        finished.append((part, done))
    return finished


@stage_task("save-state", retries=2, retry_delay_seconds=0.5)
def save_state(state: changes.SweepState) -> None:
    """Write the state file atomically."""
    state.save()


def batches(items: Sequence[changes.Candidate], size: int) -> list[tuple[changes.Candidate, ...]]:
    """Cut `items` into batches; `size=0` picks ~16 batches of at least 10 notes.

    Notes with the same output slug (same file name in two folders) stay in one batch: the
    write stage gives the second one a `<slug>-<hash>` folder, which needs them one after
    the other, not in two threads at once.
    """
    if size <= 0:
        size = max(10, math.ceil(len(items) / 16))
    groups: dict[str, list[changes.Candidate]] = {}
    for item in items:
        groups.setdefault(source_slug(item.stat.rel), []).append(item)
    out: list[tuple[changes.Candidate, ...]] = []
    current: list[changes.Candidate] = []
    for group in groups.values():
        if current and len(current) + len(group) > size:
            out.append(tuple(current))
            current = []
        current.extend(group)
    if current:
        out.append(tuple(current))
    return out


THREADS: TaskRunner[Any] = ThreadPoolTaskRunner(max_workers=2)
"""Default runner: two threads (2-core machines gain nothing from more; see README "Scale out")."""


@flow(name="vault-sweep", log_prints=True, persist_result=False, task_runner=THREADS, flow_run_name=sweep_run_name)
def vault_sweep(
    settings: Settings | None = None,
    channels: list[str] | None = None,
    force: bool = False,
    full: bool = False,
    batch_size: int = 0,
    vault: str | None = None,
    out: str | None = None,
    config: str | None = None,
) -> SweepReport:
    """Render the notes of the vault that changed since the last sweep (`full=True`: all).

    `settings` is the run's settings (`osmu sweep`, `osmu serve`); a deployment run from outside
    may name the vault, output folder or settings file instead.
    """
    started = time.perf_counter()
    settings = settings_of(settings, vault, out, config)
    chosen = tuple(channels or settings.channels)
    label_run(chosen)
    state = changes.SweepState.load(settings.out_dir)
    plan = find_changes(settings, chosen, _quoted(state), full)  # quote: Prefect need not walk 10k entries
    print(f"{len(plan.todo)} notes to render, {len(plan.unchanged)} unchanged, {len(plan.failed_before)} failed before")
    progress.planned(len(plan.todo))
    outcomes: list[tuple[changes.Candidate, Outcome]] = []
    if plan.todo:
        warm_up()
        context = open_vault(settings, plan.index)
        parts = batches(plan.todo, batch_size)
        workers = pool.use_processes(settings, len(plan.todo))
        finished: Iterable[tuple[tuple[changes.Candidate, ...], tuple[Outcome, ...]]]
        if workers:
            finished = render_in_processes(_quoted(parts), settings, _quoted(context), chosen, force, workers)
        else:
            finished = render_in_tasks(parts, settings, context, chosen, force)
        for part, done in finished:
            for outcome in done:  # at most once per note: batches on threads reported theirs already
                progress.note_done(outcome.result)
            outcomes.extend(zip(part, done, strict=True))
        order = {c.stat.rel: i for i, c in enumerate(plan.todo)}
        outcomes.sort(key=lambda pair: order[pair[0].stat.rel])
    for candidate, outcome in outcomes:
        result = outcome.result
        manifest = f"{result.out_dir}/manifest.json" if result.ok and result.out_dir else ""
        error = "" if outcome.skipped else result.error
        changes.record(state, candidate, outcome.links, plan.index, plan.sha_of, manifest, error, outcome.skipped)
    for rel in plan.removed:
        state.notes.pop(rel, None)
    if outcomes or plan.removed or not state.path.exists():
        save_state(state)
    page = settings.out_dir / PAGE
    if outcomes or plan.removed or not page.exists():  # a no-change sweep only stats it
        page = Path(write_sweep_preview(settings.out_dir, state.notes, force))
    rendered = tuple(o.result for _, o in outcomes if o.result.ok and not o.result.skipped)
    empty = tuple(sorted(o.result.source for _, o in outcomes if o.result.ok and o.result.skipped))
    failed = tuple(o.result for _, o in outcomes if not o.result.ok and not o.skipped) + tuple(
        NoteResult(source=c.stat.rel, ok=False, error=error) for c, error in plan.failed_before
    )
    private = tuple(c.stat.rel for c, o in outcomes if o.skipped) + tuple(c.stat.rel for c in plan.private)
    report = SweepReport(
        out_dir=str(settings.out_dir),
        rendered=rendered,
        failed=failed,
        skipped=tuple(c.stat.rel for c in plan.unchanged),
        removed=plan.removed,
        seconds=round(time.perf_counter() - started, 3),
        private=tuple(sorted(private)),
        preview=str(page),
        empty=empty,
    )
    skipped_rows = [{"note": rel, "status": "unchanged"} for rel in report.skipped]
    skipped_rows += [{"note": rel, "status": "private (skipped)"} for rel in report.private]
    skipped_rows += [{"note": rel, "status": "nothing to say (skipped)"} for rel in report.empty]
    title = "osmu vault sweep"
    publish_note_artifacts((*failed, *rendered), title, "sweep", summary=report.summary(), extra_rows=skipped_rows)
    publish_preview_link(report.preview, "preview: every note of the vault", "sweep")
    print(report.summary())
    return report


def sweep_with_runner(runner: str) -> Any:
    """`vault_sweep` with a task runner: threads (default), serial, processes, or dask (needs prefect-dask)."""
    if runner == "threads":
        return vault_sweep
    if runner == "serial":
        one: TaskRunner[Any] = ThreadPoolTaskRunner(max_workers=1)
        return vault_sweep.with_options(task_runner=one)
    if runner in ("processes", "dask"):
        from prefect.settings import PREFECT_API_URL

        if not PREFECT_API_URL.value():  # each worker process would start its own temporary server
            raise ValueError(
                f"--runner {runner} needs a Prefect server: set PREFECT_API_URL (scripts/prefect-server.sh)"
            )
    if runner == "processes":
        from prefect.task_runners import ProcessPoolTaskRunner

        processes: TaskRunner[Any] = ProcessPoolTaskRunner(max_workers=os.cpu_count() or 2)
        return vault_sweep.with_options(task_runner=processes)
    if runner == "dask":
        try:
            from prefect_dask import DaskTaskRunner
        except ImportError as exc:
            raise ValueError("--runner dask needs prefect-dask: pip install prefect-dask") from exc
        cluster = {"n_workers": os.cpu_count() or 2, "threads_per_worker": 1, "dashboard_address": None}
        return vault_sweep.with_options(task_runner=DaskTaskRunner(cluster_kwargs=cluster))
    raise ValueError(f"unknown runner '{runner}' (threads, serial, processes, dask)")
