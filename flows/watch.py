"""`osmu watch`: re-render a note right after it is saved.

watchfiles reports a burst of writes (editors save several times, or write a temp file and
rename it) as one batch after a quiet period. Each changed note is checked against the
output folder's state file: a save that did not change the content is ignored, a real
change runs the `repurpose-note` flow. The output folder and hidden folders are ignored.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from watchfiles import Change, watch

from tasks import changes
from tasks.settings import Settings
from tasks.vault.links import NoteIndex
from tasks.vault.read import IGNORED_DIRS

QUIET_MS = 300
"""A note is handled once no write to it happened for this long (editors write in bursts)."""
MAX_WAIT_MS = 1600
"""Longest a burst of writes is grouped before it is handled anyway."""


def note_filter(vault: Path, out_dir: Path) -> Callable[[Change, str], bool]:
    """watchfiles filter: markdown notes of the vault, outside the output and hidden folders."""
    root = os.path.realpath(vault)
    out = os.path.realpath(out_dir)

    def keep(change: Change, path: str) -> bool:
        if not path.endswith(".md") or change == Change.deleted:
            return False
        real = os.path.realpath(path)
        if real == out or real.startswith(out + os.sep):
            return False
        parts = os.path.relpath(real, root).split(os.sep)
        return not any(p in IGNORED_DIRS or p.startswith(".") for p in parts)

    return keep


def needs_render(settings: Settings, channels: tuple[str, ...], paths: Iterable[Path]) -> list[Path]:
    """The notes among `paths` whose dependency key differs from the last recorded one."""
    state = changes.SweepState.load(settings.out_dir)
    context = changes.context_key(settings, channels)
    index = NoteIndex.build(s.rel for s in changes.scan_vault(settings.vault, skip=[settings.out_dir]))
    sha_of = changes.file_sha_of(settings.vault)
    todo: list[Path] = []
    for stat in changes.scan_files(settings.vault, paths):
        old = state.notes.get(stat.rel)
        if not changes.is_done(old, changes.candidate_now(stat, old, context, index, sha_of).key):
            todo.append(stat.path)
    return todo


def batches_of_changes(
    settings: Settings,
    stop: threading.Event | None = None,
    force_polling: bool | None = None,
    on_ready: Callable[[], None] = lambda: None,
) -> Iterator[list[Path]]:
    """Yield sorted lists of changed note paths, one list per burst of writes.

    `on_ready()` is called once the file watcher is watching (its first report, at the latest
    after one quiet second): a save from then on is seen, none is missed before it.
    """
    ready = False
    for batch in watch(
        settings.vault,
        watch_filter=note_filter(settings.vault, settings.out_dir),
        debounce=MAX_WAIT_MS,
        step=QUIET_MS,
        stop_event=stop,
        rust_timeout=1000,
        yield_on_timeout=True,
        force_polling=force_polling,
        raise_interrupt=False,
    ):
        if not ready:
            ready = True
            on_ready()
        if batch:
            yield sorted({Path(p) for _, p in batch})


def watch_vault(
    settings: Settings,
    channels: tuple[str, ...],
    run: Callable[[Path], None],
    stop: threading.Event | None = None,
    force_polling: bool | None = None,
    on_ready: Callable[[], None] = lambda: None,
) -> None:
    """Call `run(note_path)` for every note whose content (or dependencies) changed, until stopped."""
    for paths in batches_of_changes(settings, stop, force_polling, on_ready):
        for path in needs_render(settings, channels, paths):
            run(path)
