"""Prefect cache keys for the pure stages (parse, insights, render).

The key hashes the task's inputs *by value* (notes carry their content hash), the
templates and preparers of the channels, osmu's code and version: a re-run on an
unchanged note is a cache hit, a changed note, template or setting is not. Keys are
hex digests because Prefect uses them as file names.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from prefect.context import TaskRunContext

from flows.changes import code_digest, context_key
from tasks.settings import Settings

CACHE_EXPIRATION = timedelta(days=7)
"""Results older than this are recomputed (keeps the local result store small)."""


def _stable(value: Any) -> str:
    """A deterministic text form: sets are sorted (their repr order changes per process)."""
    if isinstance(value, frozenset | set):
        return "{" + ",".join(sorted(_stable(v) for v in value)) + "}"
    return repr(value)


def content_key(context: TaskRunContext, parameters: dict[str, Any]) -> str:
    """Cache key of a pure stage: task name + inputs + templates/config/code."""
    digest = hashlib.sha256(context.task.name.encode())
    for name in sorted(parameters):
        digest.update(f"\x00{name}=".encode() + _stable(parameters[name]).encode())
    settings = parameters.get("settings")
    if isinstance(settings, Settings):
        channels = tuple(parameters.get("channels") or settings.channels)
        digest.update(context_key(settings, channels).encode())
    else:
        digest.update(code_digest().encode())
    return digest.hexdigest()
