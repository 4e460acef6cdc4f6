"""How osmu's flow runs read in Prefect's UI at a glance.

- Names: `<flow>/<note-slug>` (`repurpose-note/프로세스-이코노미`, `process-story/cafe-pairing`),
  `process-digest/<first day>..<last day>`, `vault-sweep/<vault folder>`, instead of Prefect's
  random `pretty-mandrill`. The `flow_run_name` callables below name a run from its parameters when
  it starts; the digest is renamed with its dates once it has chosen them.
- Tags: `osmu`, `channel:<name>` per channel rendered, and `trigger:manual` (the `osmu` commands,
  a flow called from Python), `trigger:schedule` (a scheduled deployment run) or
  `trigger:deployment` (`prefect deployment run`, on demand).
- A link artifact `<key>-preview` pointing at the preview page (`file://…/index.html`).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from prefect.artifacts import create_link_artifact
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import FlowRun
from prefect.context import FlowRunContext
from prefect.logging import get_run_logger
from prefect.runtime import flow_run

from tasks.pipeline import project_name
from tasks.render.context import source_slug
from tasks.settings import Settings

TRIGGERS = ("manual", "schedule", "deployment")


def _parameter(name: str) -> Any:
    return flow_run.parameters.get(name)


def note_run_name() -> str:
    """`repurpose-note/<note-slug>`: the slug of the note's output folder."""
    return f"{flow_run.flow_name}/{source_slug(str(_parameter('note') or 'note'))}"


def log_run_name() -> str:
    """`process-story/<log-slug>`: the log note's slug, or the project of `#process/<project>`."""
    log = str(_parameter("log") or "log")
    return f"{flow_run.flow_name}/{source_slug(project_name(log) or log)}"


def dates_name(flow: str, start: str | None, end: str | None) -> str:
    """`process-digest/2026-11-30..2026-12-06` (`latest` for a date not chosen yet)."""
    return f"{flow}/{start or 'latest'}..{end or 'latest'}"


def digest_run_name() -> str:
    """`process-digest/<since>..<until>` from the parameters (renamed with the dates chosen, `label_run`)."""
    return dates_name(str(flow_run.flow_name), _parameter("since"), _parameter("until"))


def sweep_run_name() -> str:
    """`vault-sweep/<vault folder name>`."""
    settings, vault = _parameter("settings"), _parameter("vault")
    if isinstance(settings, Settings):
        vault = settings.vault
    elif isinstance(settings, dict) and settings.get("vault"):  # a deployment's settings, as JSON
        vault = settings["vault"]
    return f"{flow_run.flow_name}/{Path(str(vault or 'vault')).name}"


def trigger(run: FlowRun) -> str:
    """What started the run: `schedule` (a deployment's schedule), `deployment` (run on demand), else `manual`."""
    if run.auto_scheduled:
        return "schedule"
    return "deployment" if run.deployment_id else "manual"


def label_run(channels: Iterable[str], name: str | None = None) -> None:
    """Tag the current flow run with its channels and trigger (and rename it when `name` is given)."""
    context = FlowRunContext.get()
    if context is None or context.flow_run is None:  # called as a plain function
        return
    run = context.flow_run
    tags = {*run.tags, "osmu", f"trigger:{trigger(run)}", *(f"channel:{c}" for c in channels)}
    try:
        with get_client(sync_client=True) as client:
            client.update_flow_run(run.id, name=name, tags=sorted(tags))
    except Exception as exc:  # a label is never worth a failed run
        get_run_logger().warning("could not name or tag the flow run: %s", exc)


def publish_preview_link(preview: str, text: str, key: str) -> None:
    """A link artifact `<key>-preview` to the preview page, when the run wrote one."""
    if FlowRunContext.get() is None or not preview:
        return
    create_link_artifact(
        link=Path(preview).resolve().as_uri(),
        link_text=text,
        key=f"{key}-preview",
        description="The preview page: every output side by side (open it in a browser).",
    )
