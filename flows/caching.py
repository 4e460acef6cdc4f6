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


def llm_configured(settings: Settings) -> bool:
    """True when a model provider is set (in config or `OSMU_LLM_*`); a broken setting counts too."""
    from tasks.llm import resolve

    try:
        return resolve(settings.llm) is not None
    except Exception:
        return True


def content_key(context: TaskRunContext, parameters: dict[str, Any]) -> str | None:
    """Cache key of a pure stage: task name + inputs + templates/config/code.

    None (no caching) when an LLM provider is set: rendering then calls the model, which
    has its own response cache and a per-run budget and tally that a cached result would skip.
    """
    settings = parameters.get("settings")
    if isinstance(settings, Settings) and llm_configured(settings):
        return None
    digest = hashlib.sha256(context.task.name.encode())
    for name in sorted(parameters):
        digest.update(f"\x00{name}=".encode() + _stable(parameters[name]).encode())
    if isinstance(settings, Settings):
        channels = tuple(parameters.get("channels") or settings.channels)
        digest.update(context_key(settings, channels).encode())
    else:
        digest.update(code_digest().encode())
    return digest.hexdigest()
