"""Rendering a sweep's batches in worker processes, when there are enough notes to pay.

A note is ~60 ms of pure Python and Kiwi work, so threads share one core (the GIL); two
processes use both cores of a 2-core machine. Each worker is a fresh interpreter (spawn:
Kiwi's own threads do not survive a fork) that imports osmu and loads its own Korean
analyser (~3 s and ~330 MB once), so a pool pays only past a few hundred notes
(`sweep.processes_min_notes`), and most with idle cores: on the shared 2-core build machine
bench/run measured the cold 1k-note sweep at 37.8 s with two workers vs 61.2 s without at
load ~1, 78 s vs 72 s at load ~4. `sweep.processes: auto` (the default) starts one worker
per CPU core. Workers get the run's settings and vault context once, then batches of notes.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed

from tasks import changes
from tasks.nlp.korean import warm_up
from tasks.pipeline import Outcome, VaultContext
from tasks.settings import Settings

_JOB: dict[str, object] = {}
"""The run a worker process serves (set once by `_start`)."""


def _start(settings: Settings, vault: VaultContext, channels: tuple[str, ...], force: bool) -> None:
    _JOB.update(settings=settings, vault=vault, channels=channels, force=force)
    warm_up()  # load Kiwi while the parent is still cutting batches


def _render(batch: tuple[changes.Candidate, ...]) -> tuple[Outcome, ...]:
    from flows.sweep import render_one

    settings, vault = _JOB["settings"], _JOB["vault"]
    channels, force = _JOB["channels"], _JOB["force"]
    assert isinstance(settings, Settings) and isinstance(vault, VaultContext)
    assert isinstance(channels, tuple) and isinstance(force, bool)
    return tuple(render_one(c, settings, vault, channels, force) for c in batch)


def use_processes(settings: Settings, notes: int) -> int:
    """How many worker processes a sweep of `notes` notes uses (0: render in this process)."""
    wanted = settings.sweep.processes
    if wanted == "auto":
        wanted = os.cpu_count() or 1
    return wanted if wanted > 1 and notes >= settings.sweep.processes_min_notes else 0


def render_batches(
    parts: Sequence[tuple[changes.Candidate, ...]],
    settings: Settings,
    vault: VaultContext,
    channels: tuple[str, ...],
    force: bool,
    workers: int,
) -> Iterator[tuple[tuple[changes.Candidate, ...], tuple[Outcome, ...]]]:
    """Each batch with its outcomes, as the workers finish them."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, context, initializer=_start, initargs=(settings, vault, channels, force)) as pool:
        futures: dict[Future[tuple[Outcome, ...]], tuple[changes.Candidate, ...]] = {
            pool.submit(_render, part): part for part in parts
        }
        for future in as_completed(futures):
            yield futures[future], future.result()
