"""The root index, remembered between processes: profiling the root notes is most of a short run.

Building the index runs Kiwi over every root note (~1.4 s for the example vault's seven roots,
more than the note's own analysis), and every `osmu run`, `osmu insights` and flow run needs it.
The built index is kept in the user's cache folder (`OSMU_CACHE_DIR`, else `$XDG_CACHE_HOME/osmu`,
else `~/.cache/osmu`; mode 0700, never inside the vault), under a key of everything it is made
of: each root note's path and content hash, the read diagnostics, the aliases, osmu's code and
the analyser's version. A changed root note, alias or analyser is a new key; old entries are
pruned. It holds only public root notes (private ones never reach the index).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from tasks.changes import code_digest
from tasks.model import Diagnostic, Note, RootIndex
from tasks.write.outputs import atomic_write

KEEP = 8
"""Cached indexes kept (one per vault and version of its root notes, newest first)."""

BuildIndex = Callable[[Iterable[Note], Iterable[Diagnostic], Mapping[str, Sequence[str]] | None], RootIndex]


def cache_dir() -> Path:
    """The user's osmu cache folder (created on first use, mode 0700)."""
    if os.environ.get("OSMU_CACHE_DIR"):
        return Path(os.environ["OSMU_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "osmu"


def _analyser() -> str:
    try:
        return version("kiwipiepy")
    except PackageNotFoundError:
        return "unknown"


def index_key(notes: Sequence[Note], diagnostics: Sequence[Diagnostic], aliases: Mapping[str, Sequence[str]]) -> str:
    """Hash of everything the index is built from."""
    parts = {
        "code": code_digest(),
        "python": sys.version,
        "analyser": _analyser(),
        "aliases": {k: list(v) for k, v in sorted(aliases.items())},
        "notes": [[n.path, n.source_hash] for n in notes],
        "diagnostics": [d.to_json() for d in diagnostics],
    }
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def cached_root_index(
    notes: Iterable[Note],
    diagnostics: Iterable[Diagnostic],
    aliases: Mapping[str, Sequence[str]] | None,
    build: BuildIndex,
    folder: Path | None = None,
) -> RootIndex:
    """The index built by `build` from these root notes, from the cache when it was built before."""
    notes, diagnostics, aliases = tuple(notes), tuple(diagnostics), dict(aliases or {})
    folder = folder or cache_dir()
    path = folder / f"roots-{index_key(notes, diagnostics, aliases)}.pickle"
    with contextlib.suppress(OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError):
        found = pickle.loads(path.read_bytes())
        if isinstance(found, RootIndex):
            return RootIndex(found.roots, (*diagnostics, *found.diagnostics))
    index = build(notes, diagnostics, aliases)
    # The read stage's diagnostics are not kept (they may name a private root note): only what
    # building added, about the public root notes it indexed.
    kept = RootIndex(index.roots, index.diagnostics[len(diagnostics) :])
    with contextlib.suppress(OSError):  # a read-only home only costs the next run the build
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        atomic_write(path, pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL))
        _prune(folder)
    return index


def _prune(folder: Path) -> None:
    """Keep the newest `KEEP` cached indexes."""
    entries = sorted(folder.glob("roots-*.pickle"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in entries[KEEP:]:
        old.unlink(missing_ok=True)
