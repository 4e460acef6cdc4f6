"""What makes a one-shot command (`osmu run`) quick once Prefect is imported.

No flow-run heartbeat thread (`one_shot`):

A sync flow joins its heartbeat thread on exit, and that thread sleeps in whole seconds, so
every sync flow run ends on the next full second after its start: up to ~1 s of waiting per
note (prefect 3.9 `flow_engine._send_heartbeats`; notes/prefect.md measured the ~1 s floor).
Heartbeats (every 180 s by default) only let a server mark long runs as crashed; a
one-note run ends long before its second heartbeat. PREFECT_FLOWS_HEARTBEAT_FREQUENCY cannot
switch them off (it must be ≥ 30, and the environment cannot set None), so the settings
context does. Long-lived flows (`osmu serve`, deployments) keep their heartbeats.

No garbage-collector passes over the imported modules (`settle_imports`): Prefect, pydantic
and the stages leave ~130k objects that each full collection walks again, and the interpreter's
shutdown collects repeatedly: from the last atexit handler to the process end took ~0.45 s,
~0.1 s with the imports frozen (2-core build machine, idle).

The Korean analyser is not warmed up in the background: Kiwi holds the GIL while it loads, so
it would overlap nothing.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from prefect.context import SettingsContext, get_settings_context


@contextmanager
def one_shot() -> Iterator[None]:
    """Inside: flow runs started from this thread send no heartbeats."""
    current = get_settings_context()
    flows = current.settings.flows.model_copy(update={"heartbeat_frequency": None})
    settings = current.settings.model_copy(update={"flows": flows})
    with SettingsContext(profile=current.profile, settings=settings):
        yield


def settle_imports() -> None:
    """Move every object alive now (imported modules) out of the garbage collector's sight.

    They live until the process ends; the collector would only walk them again and again.
    """
    gc.freeze()
