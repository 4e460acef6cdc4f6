"""The stages as Prefect tasks: one thin `@task` wrapper per stage, and nothing else.

The work and the wiring are in `tasks/` (`tasks/pipeline.py`); a flow passes `TASKS` to the
pipeline so each stage of a one-note run shows as a task run in the UI, with retries where
a disk may hiccup. Sweeps run the plain functions inside batch tasks instead (a task call
costs ~20 ms). No result persistence and no cache keys: change detection is the state file
of `tasks/changes.py` alone, and private text never lands in Prefect's result storage. Every
task says so itself (`persist_result=False`, `NO_CACHE`), so a Prefect profile that persists
results by default (`PREFECT_RESULTS_PERSIST_BY_DEFAULT=true`) still stores no pickled note
(raw text, `%%` comments, refused private notes) in `PREFECT_HOME/storage`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from prefect import Task, task
from prefect.blocks.system import Secret
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.utilities.annotations import quote

from tasks import pipeline
from tasks.compose.stage import compose_note
from tasks.insight.extract import extract_insights
from tasks.lint.checks import lint_note
from tasks.llm import client as llm
from tasks.llm.stage import polish_note
from tasks.markdown.parse import parse_note
from tasks.model import Diagnostic, Note, NoteError
from tasks.process.story import log_insights
from tasks.render.templating import render_note
from tasks.roots.index import build_root_index, resolve_note_roots
from tasks.vault.links import NoteIndex
from tasks.vault.privacy import protect_note
from tasks.vault.read import list_vault, read_roots
from tasks.vault.source import read_source
from tasks.write.outputs import write_outputs


def _transient(task: Any, task_run: Any, state: Any) -> bool:
    """Retry only errors that may pass (I/O), never a note that is simply bad."""
    try:
        state.result()
    except NoteError:
        return False
    except Exception:
        return True
    return False


P = ParamSpec("P")
R = TypeVar("R")


def stage_task(name: str, **retries: Any) -> Callable[[Callable[P, R]], Task[P, R]]:
    """`@task(name=…)` that never persists its result nor keys a cache (the module docstring says
    why); `retries`: Prefect's retry options for stages a disk may fail."""
    return task(name=name, persist_result=False, cache_policy=NO_CACHE, **retries)


RETRIED = {"retries": 2, "retry_delay_seconds": 0.2}
"""Reads that a synced disk may fail once (with `retry_condition_fn=_transient`)."""


@stage_task("read-note", **RETRIED, retry_condition_fn=_transient)
def read_task(vault: Path, path: Path, notes: NoteIndex, private_folders: tuple[str, ...]) -> Note:
    """Read one note and the front matter of the notes it links (retried: synced disks hiccup)."""
    return read_source(vault, path, notes, private_folders)


@stage_task("list-vault", **RETRIED, retry_condition_fn=_transient)
def list_vault_task(vault: Path) -> tuple[str, ...]:
    """The vault's note paths."""
    return list_vault(vault)


@stage_task("read-roots", **RETRIED, retry_condition_fn=_transient)
def read_roots_task(vault: Path, folder: str) -> tuple[tuple[Note, ...], tuple[Diagnostic, ...]]:
    """The vault's root-concept notes."""
    return read_roots(vault, folder)


TASKS = pipeline.Stages(
    read=read_task,
    parse=stage_task("parse-note")(parse_note),
    protect=stage_task("protect-private")(protect_note),
    roots=stage_task("resolve-roots")(resolve_note_roots),
    insights=stage_task("extract-insights")(extract_insights),
    compose=stage_task("compose-plans")(compose_note),
    render=stage_task("render-channels")(render_note),
    polish=stage_task("polish")(polish_note),
    lint=stage_task("lint")(lint_note),
    write=stage_task("write-outputs", retries=2, retry_delay_seconds=0.5)(write_outputs),
    log_insights=stage_task("process-insights")(log_insights),
    list_vault=list_vault_task,
    read_roots=read_roots_task,
    root_index=stage_task("load-roots")(build_root_index),
)
"""Every stage as a Prefect task (one-note flows: repurpose, story, digest)."""


def quoted(stages: pipeline.Stages) -> pipeline.Stages:
    """`stages` whose arguments are passed quoted: Prefect does not walk them looking for futures.

    The stages only ever get values (each call returns before the next one starts), and walking
    them is not free: twice per task call Prefect visits every element of every argument, the
    root and note indexes of a 1k-note vault (~50 ms a call) and a note's rendered drafts with
    their PNG and PPTX bytes included.
    """

    def wrap(fn: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            return fn(*(quote(a) for a in args), **{k: quote(v) for k, v in kwargs.items()})

        return call

    return pipeline.Stages(*(wrap(getattr(stages, f)) for f in pipeline.Stages.__slots__))


def _secret(name: str) -> str:
    """The value of a Prefect Secret block (the LLM API key, when `llm.api_key_secret` names one)."""
    block: Any = Secret.load(name)  # sync in a sync context
    return str(block.get())


def _run_id() -> str:
    """The current flow run's id: the LLM budget and tally are per run."""
    ctx = FlowRunContext.get()
    return str(ctx.flow_run.id) if ctx is not None and ctx.flow_run is not None else "local"


llm.use_prefect(secret=_secret, run_id=_run_id)
