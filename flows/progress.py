"""Progress hooks for sweeps run in this process (the CLI's progress bar).

A separate module on purpose: Prefect pickles a flow's function by value for process-pool
task runners, with the globals it names. Flow code calls these functions through the
module, so the registered hooks (closures over a rich progress bar, which holds locks)
are never pickled.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from tasks.model import NoteResult

_note_hooks: list[Callable[[NoteResult], None]] = []
_plan_hooks: list[Callable[[int], None]] = []
_reported: set[str] = set()
"""Notes already reported in this sweep (batches on threads report each note as it is done)."""
_lock = threading.Lock()


@contextmanager
def on_note_done(hook: Callable[[NoteResult], None]) -> Iterator[None]:
    """Call `hook(result)` once per note of sweeps run in this process."""
    _note_hooks.append(hook)
    try:
        yield
    finally:
        _note_hooks.remove(hook)


@contextmanager
def on_plan(hook: Callable[[int], None]) -> Iterator[None]:
    """Call `hook(number_of_notes_to_render)` once the sweep knows it."""
    _plan_hooks.append(hook)
    try:
        yield
    finally:
        _plan_hooks.remove(hook)


def listening() -> bool:
    """True when someone in this process wants per-note progress."""
    return bool(_note_hooks)


def planned(total: int) -> None:
    """Report how many notes the sweep will render (and start a new sweep's count)."""
    with _lock:
        _reported.clear()
    for hook in list(_plan_hooks):
        hook(total)


def note_done(result: NoteResult) -> None:
    """Report one finished note (at most once per note and sweep)."""
    with _lock:
        if result.source in _reported:
            return
        _reported.add(result.source)
    for hook in list(_note_hooks):
        hook(result)
