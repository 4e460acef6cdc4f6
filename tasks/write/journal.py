"""Crash and concurrency safety for the write stage: a per-note lock and a write-ahead journal.

The manifest is written last, so it is the commit point of a run. A run killed between
writing an output and writing the manifest leaves files the manifest does not know yet;
without more information the next run would take them for hand edits. So, before the first
output changes, the run records in `.osmu-journal.json` the hashes it is about to write;
the next run treats those as osmu's own too, and removes the journal once its manifest
accounts for every file. Temp files left by a killed `atomic_write` are removed under the
lock. The lock (an OS lock on the note's output folder, released when the process dies)
makes two runs on the same note (watch + schedule) take turns.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

JOURNAL = ".osmu-journal.json"
LOCK = ".osmu.lock"
MANIFEST = "manifest.json"
_TEMP = re.compile(r"^\..+\.[A-Za-z0-9_]{6,}\.tmp$")
"""Names `tempfile.mkstemp(prefix=".<name>.", suffix=".tmp")` makes (see `write.atomic_write`)."""


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@contextmanager
def note_lock(folder: Path) -> Iterator[None]:
    """Hold the exclusive lock of one note's output folder (blocks until it is free).

    POSIX: `flock` on the folder itself, so no lock file shows up among the outputs.
    Windows, which cannot lock a folder: a hidden `.osmu.lock` file in it.
    """
    folder.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            msvcrt.locking(fd, msvcrt.LK_LOCK, 1)  # type: ignore[attr-defined,unused-ignore]
            yield
        finally:
            os.close(fd)
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock; so does the death of the process


def folder_owner(folder: Path) -> str | None:
    """The source note that owns `folder` (from its manifest, else an unfinished run's journal)."""
    owner = _read_json(folder / MANIFEST).get("source") or _read_json(folder / JOURNAL).get("source")
    return str(owner) if owner else None


def known_hashes(folder: Path) -> dict[str, tuple[str, ...]]:
    """Output path → every hash osmu wrote there: the manifest's first, then the journal's."""
    known: dict[str, list[str]] = {}
    manifest = _read_json(folder / MANIFEST)
    preview = manifest.get("preview")  # the note's preview page, recorded beside the outputs
    for entry in [*manifest.get("outputs", []), *([preview] if isinstance(preview, dict) else [])]:
        if isinstance(entry, dict) and isinstance(entry.get("path"), str) and isinstance(entry.get("sha256"), str):
            known.setdefault(entry["path"], []).append(entry["sha256"])
    pending = _read_json(folder / JOURNAL).get("pending", {})
    for path, hashes in pending.items() if isinstance(pending, dict) else ():
        for h in hashes if isinstance(hashes, list) else ():
            if isinstance(h, str) and h not in known.setdefault(str(path), []):
                known[str(path)].append(h)
    return {path: tuple(hashes) for path, hashes in known.items()}


def journal_bytes(folder: Path, source: str, pending: Mapping[str, str]) -> bytes:
    """The journal recording the hashes about to be written, keeping earlier unfinished runs'."""
    old = _read_json(folder / JOURNAL).get("pending", {})
    merged: dict[str, list[str]] = {str(k): list(v) for k, v in old.items()} if isinstance(old, dict) else {}
    for path, digest in pending.items():
        if digest not in merged.setdefault(path, []):
            merged[path].append(digest)
    return (json.dumps({"source": source, "pending": merged}, ensure_ascii=False, sort_keys=True) + "\n").encode()


def clear_journal(folder: Path) -> None:
    """Drop the journal once the manifest accounts for every file."""
    (folder / JOURNAL).unlink(missing_ok=True)


def remove_stale_temps(folder: Path) -> tuple[Path, ...]:
    """Delete temp files a killed run left behind (only osmu's own hidden `.tmp` names)."""
    stale = tuple(p for p in folder.rglob(".*.tmp") if _TEMP.match(p.name) and p.is_file())
    for path in stale:
        path.unlink(missing_ok=True)
    return stale
