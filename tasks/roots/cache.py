"""The root index, remembered between processes: profiling the root notes is most of a short run.

Building the index runs Kiwi over every root note (~1.4 s for the example vault's seven roots,
more than the note's own analysis), and every `osmu run`, `osmu insights` and flow run needs it.
The built index is kept in the user's cache folder (tasks/cache.py) under a key of everything
it is made of: each root note's path and content hash, the read diagnostics, the aliases,
osmu's code and the analyser's version. It holds only public root notes (private ones never
reach the index), and not the read stage's diagnostics, which may name a private root note.
"""

from __future__ import annotations

import contextlib
import pickle
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from tasks.cache import keep, key_of, recall
from tasks.model import Diagnostic, Note, RootIndex

KIND = "roots"
NEWEST = 8
"""Indexes kept (one per vault and version of its root notes)."""

BuildIndex = Callable[[Iterable[Note], Iterable[Diagnostic], Mapping[str, Sequence[str]] | None], RootIndex]


def _analyser() -> str:
    try:
        return version("kiwipiepy")
    except PackageNotFoundError:
        return "unknown"


def index_key(notes: Sequence[Note], diagnostics: Sequence[Diagnostic], aliases: Mapping[str, Sequence[str]]) -> str:
    """Hash of everything the index is built from."""
    return key_of(
        sys.version,
        _analyser(),
        {k: list(v) for k, v in sorted(aliases.items())},
        [[n.path, n.source_hash] for n in notes],
        [d.to_json() for d in diagnostics],
    )


def cached_root_index(
    notes: Iterable[Note],
    diagnostics: Iterable[Diagnostic],
    aliases: Mapping[str, Sequence[str]] | None,
    build: BuildIndex,
    folder: Path | None = None,
) -> RootIndex:
    """The index built by `build` from these root notes, from the cache when it was built before."""
    notes, diagnostics, aliases = tuple(notes), tuple(diagnostics), dict(aliases or {})
    key = index_key(notes, diagnostics, aliases)
    data = recall(KIND, key, folder)
    if data is not None:
        with contextlib.suppress(pickle.UnpicklingError, EOFError, AttributeError, TypeError, ValueError):
            found = pickle.loads(data)
            if isinstance(found, RootIndex):
                return RootIndex(found.roots, (*diagnostics, *found.diagnostics))
    index = build(notes, diagnostics, aliases)
    kept = RootIndex(index.roots, index.diagnostics[len(diagnostics) :])  # only what building added
    keep(KIND, key, pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL), NEWEST, folder)
    return index
