"""Work remembered between processes, in the user's cache folder: results, never decisions.

What a short run spends most on can be kept under a key of everything it is made of: the
root index (tasks/roots/cache.py) and carousel slides (tasks/builders/carousel.py). Entries
live in `OSMU_CACHE_DIR`, else `$XDG_CACHE_HOME/osmu`, else `~/.cache/osmu` (mode 0700,
never inside the vault), one folder per kind, each pruned to its newest entries. A missing,
unreadable or read-only cache only costs the work again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from tasks.changes import code_digest


def cache_dir() -> Path:
    """The user's osmu cache folder."""
    if os.environ.get("OSMU_CACHE_DIR"):
        return Path(os.environ["OSMU_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "osmu"


def key_of(*parts: Any) -> str:
    """A key of JSON-able parts and osmu's code (a changed module is a new key)."""
    text = json.dumps([code_digest(), *parts], ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def recall(kind: str, key: str, folder: Path | None = None) -> bytes | None:
    """The bytes kept under `key`, or None."""
    with contextlib.suppress(OSError):
        return ((folder or cache_dir()) / kind / key).read_bytes()
    return None


def keep(kind: str, key: str, data: bytes, newest: int, folder: Path | None = None) -> None:
    """Keep `data` under `key` (0600 in a 0700 folder), at most about `newest` entries of `kind`.

    Written to a temporary file and renamed (a reader never sees half an entry), not fsynced:
    an entry lost to a crash is only work done again.
    """
    where = (folder or cache_dir()) / kind
    with contextlib.suppress(OSError):  # a read-only home only costs the next run the work
        where.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=where)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, where / key)
        entries = list(where.iterdir())
        if len(entries) > newest + newest // 4:  # prune now and then, not on every entry
            entries.sort(key=lambda p: p.stat().st_mtime_ns, reverse=True)
            for old in entries[newest:]:
                old.unlink(missing_ok=True)


def folder_of(kind: str, version: str, newest: int) -> Path | None:
    """A folder `<cache>/<kind>/<version>` for a tool that keeps its own files (Jinja's bytecode),
    with only the `newest` versions of `kind` kept; None when the cache cannot be written."""
    where = cache_dir() / kind
    try:
        (where / version).mkdir(mode=0o700, parents=True, exist_ok=True)
        os.utime(where / version)  # the version in use is the newest
        versions = sorted(where.iterdir(), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in versions[newest:]:
            shutil.rmtree(old, ignore_errors=True)
    except OSError:
        return None
    return where / version
