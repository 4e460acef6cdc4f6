"""`osmu serve`: the three deployments, served from one long-running process.

- `vault-sweep/scheduled`: the sweep on the cron from config (`sweep.cron`, default hourly);
- `repurpose-note/on-demand`: no schedule; run it with
  `prefect deployment run 'repurpose-note/on-demand' --param note=…`;
- `process-digest/weekly-process-digest`: the week's process entries, Monday 08:00.

Schedules and `prefect deployment run` need a real Prefect server (`prefect server start`,
or scripts/prefect-server.sh) with PREFECT_API_URL pointing at it: an embedded temporary
server cannot schedule. `pause_on_shutdown=False` keeps the schedule active while serve
is down (runs wait as Late and start when it is back).
"""

from __future__ import annotations

import os
from typing import Any

from prefect import serve
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron

from flows.digest import weekly_deployment
from flows.repurpose import repurpose_note
from flows.sweep import vault_sweep
from tasks.settings import Settings

SCHEDULED = "scheduled"
ON_DEMAND = "on-demand"


class NoServer(RuntimeError):
    """`osmu serve` was started without a Prefect server to register with."""


def deployments(settings: Settings) -> list[RunnerDeployment]:
    """The served deployments; all run with `osmu serve`'s settings (vault, output folder, channels…)."""
    defaults: dict[str, Any] = {"settings": settings.model_dump(mode="json")}
    made: list[Any] = [
        vault_sweep.to_deployment(
            name=SCHEDULED,
            schedule=Cron(settings.sweep.cron, timezone=settings.sweep.timezone),
            parameters=defaults,
            description="Render every note of the vault that changed since the last sweep.",
            tags=["osmu"],
        ),
        repurpose_note.to_deployment(
            name=ON_DEMAND,
            parameters=defaults,
            description="Repurpose one note: prefect deployment run 'repurpose-note/on-demand' --param note=PATH",
            tags=["osmu"],
        ),
        weekly_deployment(timezone=settings.sweep.timezone, **defaults),
    ]
    return [d for d in made if isinstance(d, RunnerDeployment)]


def serve_all(settings: Settings) -> None:
    """Register the deployments and run their flow runs until interrupted (Ctrl-C / SIGTERM)."""
    if not os.environ.get("PREFECT_API_URL"):
        from prefect.settings import PREFECT_API_URL

        if not PREFECT_API_URL.value():
            raise NoServer(
                "osmu serve needs a Prefect server: run `osmu server start` (or `scripts/prefect-server.sh "
                "start`) and the `export PREFECT_API_URL=…` line it prints"
            )
    serve(*deployments(settings), pause_on_shutdown=False)
