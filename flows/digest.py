"""Process flows: `process-story` (one log → a Self → Us → Now story on every channel) and
`process-digest` (every process entry of a date range, across logs → one issue per digest
channel; schedulable weekly like the sweep).

A log is a note with dated entries, or `#process/<project>`: the daily notes carrying that
tag. Dates come from the entries, never the clock, so a re-run on unchanged notes writes
nothing new. The wiring is `tasks/pipeline.py`'s `run_story` and `run_digest`.
"""

from __future__ import annotations

from typing import Any

from prefect import flow
from prefect.schedules import Cron

from flows.repurpose import STAGES, settings_of
from flows.run_names import dates_name, digest_run_name, label_run, log_run_name, publish_preview_link
from tasks.model import NoteResult
from tasks.pipeline import open_vault, run_digest, run_story
from tasks.settings import Settings, system_timezone

WEEKLY_CRON = "0 8 * * 1"
"""Monday 08:00: the digest of the week before."""


@flow(name="process-story", log_prints=True, persist_result=False, flow_run_name=log_run_name)
def process_story(
    log: str,
    since: str | None = None,
    until: str | None = None,
    settings: Settings | None = None,
    channels: list[str] | None = None,
    force: bool = False,
    vault: str | None = None,
    out: str | None = None,
    config: str | None = None,
) -> NoteResult:
    """Tell one process log (a note, or `#process/<project>` daily notes) as a story.

    Without `since`, the story starts after the last story written for this log.
    """
    settings = settings_of(settings, vault, out, config)
    context = open_vault(settings, stages=STAGES)
    label_run(channels or settings.channels)
    result, told = run_story(settings, context, log, since, until, channels or (), force, STAGES)
    publish_preview_link(result.preview, f"preview: {result.source}", "story")
    print(f"{result.source}: story {told.start} – {told.end}, {len(told.cut.insights)} insights → {result.out_dir}")
    return result


@flow(name="process-digest", log_prints=True, persist_result=False, flow_run_name=digest_run_name)
def process_digest(
    since: str | None = None,
    until: str | None = None,
    settings: Settings | None = None,
    channels: list[str] | None = None,
    force: bool = False,
    vault: str | None = None,
    out: str | None = None,
    config: str | None = None,
) -> NoteResult:
    """Every process entry in [since, until] across all logs → one issue per digest channel."""
    settings = settings_of(settings, vault, out, config)
    context = open_vault(settings, stages=STAGES)
    result, start, end, count, logs = run_digest(settings, context, since, until, channels or (), force, STAGES)
    label_run(channels or settings.digest_channels, name=dates_name("process-digest", start, end))
    publish_preview_link(result.preview, f"preview: process digest {start}..{end}", "digest")
    print(f"process digest {start} – {end}: {count} insights from {logs} log(s) → {result.out_dir}")
    return result


def weekly_deployment(cron: str = WEEKLY_CRON, timezone: str | None = None, **parameters: Any) -> Any:
    """The weekly digest as a deployment (`serve(weekly_deployment())` runs it on a server).

    `timezone` (IANA) is the cron's; None: the system's (`sweep.timezone`'s default).
    """
    schedule = Cron(cron, timezone=timezone or system_timezone())
    return process_digest.to_deployment(
        name="weekly-process-digest", schedule=schedule, parameters=parameters, tags=["osmu"]
    )


if __name__ == "__main__":  # python -m flows.digest: serve the weekly digest (needs a Prefect server)
    process_digest.serve(
        name="weekly-process-digest", schedule=Cron(WEEKLY_CRON, timezone=system_timezone()), pause_on_shutdown=False
    )
