"""Process flows: `process-story` (one log → a Self → Us → Now story on every channel) and
`process-digest` (every process entry of a date range, across logs → one newsletter issue
and one carousel; schedulable weekly like the sweep).

A log is a note with dated entries, or `#process/<project>`: the daily notes carrying that
tag. Dates come from the entries, never the clock, so a re-run on unchanged notes writes
nothing new.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from prefect import flow, task

from flows.repurpose import VaultContext, prepare_vault, render_and_write
from tasks.model import Diagnostic, Insight, NoteError, NoteResult, NoteRoots, ParsedNote, RootTag
from tasks.parse import parse_note, parse_note_task
from tasks.privacy import private_reason, protect_task
from tasks.process_daily import daily_date, gather_daily, log_note, process_projects
from tasks.process_log import ProcessLog, read_log
from tasks.read import iter_note_paths, read_note, read_note_task
from tasks.render import source_slug
from tasks.roots import resolve_note_roots_task
from tasks.settings import Settings, load_settings
from tasks.story import default_range, log_insights_task, select
from tasks.write import note_folder, read_manifest

DIGEST_CHANNELS = ("newsletter", "instagram")
DIGEST_DAYS = 7
WEEKLY_CRON = "0 8 * * 1"
"""Monday 08:00: the digest of the week before."""


@task(name="read-process-notes", retries=2, retry_delay_seconds=0.2)
def read_process_notes_task(
    vault: Path, navigation: tuple[str, ...]
) -> tuple[tuple[ParsedNote, ...], tuple[Diagnostic, ...]]:
    """Every process-log note and `#process/…` daily note of the vault, parsed (one task, not one per note)."""
    found: list[ParsedNote] = []
    problems: list[Diagnostic] = []
    for path in iter_note_paths(vault):
        try:
            note = read_note(vault, path)
        except NoteError as exc:
            problems.append(exc.to_diagnostic())
            continue
        if note.kind == "process-log" or (daily_date(note.path) and process_projects(note)):
            found.append(parse_note(note, navigation))
    return tuple(found), tuple(problems)


def project_name(log: str) -> str:
    """`cafe-pairing` for `#process/cafe-pairing` or `process/cafe-pairing`; empty for a note path."""
    for prefix in ("#process/", "process/"):
        if log.startswith(prefix):
            return log[len(prefix) :]
    return ""


def _daily_log(notes: tuple[ParsedNote, ...], project: str) -> tuple[ProcessLog, ParsedNote]:
    log = gather_daily(notes, project)
    sources = [n for n in notes if n.note.path in {e.source for e in log.entries}]
    return log, log_note(log, sources)


def _roots(parsed: ParsedNote, vault: VaultContext) -> NoteRoots:
    # A gathered log has no file of its own: its links are checked in their daily notes.
    return resolve_note_roots_task(parsed, vault.roots, vault.notes if parsed.note.text else None)


def told_dates(settings: Settings, parsed: ParsedNote) -> tuple[str, ...]:
    """Entry dates the last story of this log told (from its manifest; empty when none)."""
    folder = note_folder(settings.out_dir, source_slug(parsed.note.path), parsed.note.path)
    return tuple(str(i["date"]) for i in read_manifest(folder).get("insights", []) if i.get("date"))


def _settings(vault: str | None, out: str | None, strict: bool, config: str | None) -> Settings:
    return load_settings(Path(config) if config else None, {"vault": vault, "out": out, "strict": strict or None})


@flow(name="process-story", log_prints=True)
def process_story(
    log: str,
    since: str | None = None,
    until: str | None = None,
    vault: str | None = None,
    out: str | None = None,
    channels: list[str] | None = None,
    strict: bool = False,
    force: bool = False,
    config: str | None = None,
) -> NoteResult:
    """Tell one process log (a note, or `#process/<project>` daily notes) as a story.

    Without `since`, the story starts after the last story written for this log.
    """
    settings = _settings(vault, out, strict, config)
    context = prepare_vault(settings)
    project = project_name(log)
    if project:
        notes, problems = read_process_notes_task(settings.vault, settings.navigation_sections)
        notes = tuple(n for n in notes if not private_reason(n.note, settings.private_folders))
        plog, parsed = _daily_log(notes, project)
        warnings = (*problems, *plog.diagnostics)
    else:
        note = read_note_task(settings.vault, Path(log))
        parsed = protect_task(parse_note_task(note, settings.navigation_sections), settings, context.notes)
        plog = read_log(parsed)
        warnings = (*note.diagnostics, *parsed.diagnostics)
    note_roots = _roots(parsed, context)
    insights = log_insights_task(plog, note_roots, context.roots)
    start, end = default_range([i.date for i in insights], told_dates(settings, parsed))
    start, end = since or start, until or end
    chosen = select(insights, start, end)
    if not chosen:
        raise NoteError(parsed.note.path, 0, f"no process entries between {start or '…'} and {end or '…'}")
    result = render_and_write(
        parsed,
        chosen,
        note_roots,
        (*warnings, *note_roots.diagnostics),
        settings,
        context,
        tuple(channels or settings.channels),
        force,
    )
    print(f"{result.source}: story {start} – {end}, {len(chosen)} insights → {result.out_dir}")
    return result


def digest_range(dates: list[str], since: str | None, until: str | None) -> tuple[str, str]:
    """[since, until]; by default the week ending at the newest entry (never the clock)."""
    end = until or max(dates, default="")
    start = since or ((date.fromisoformat(end) - timedelta(days=DIGEST_DAYS - 1)).isoformat() if end else "")
    return start, end


def _tagged(insights: tuple[Insight, ...], plog: ProcessLog) -> list[Insight]:
    """A log's insights named by their file and log, for a digest mixing several logs."""
    return [
        replace(
            i,
            source=i.source or plog.path,
            section=f"{i.date} {plog.title} · {i.section.removeprefix(i.date).strip()}".rstrip(" ·"),
        )
        for i in insights
    ]


@flow(name="process-digest", log_prints=True)
def process_digest(
    since: str | None = None,
    until: str | None = None,
    vault: str | None = None,
    out: str | None = None,
    channels: list[str] | None = None,
    strict: bool = False,
    force: bool = False,
    config: str | None = None,
) -> NoteResult:
    """Every process entry in [since, until] across all logs → one newsletter issue and one carousel."""
    settings = _settings(vault, out, strict, config)
    context = prepare_vault(settings)
    notes, problems = read_process_notes_task(settings.vault, settings.navigation_sections)
    notes = tuple(n for n in notes if not private_reason(n.note, settings.private_folders))
    warnings: list[Diagnostic] = list(problems)
    logs: list[tuple[ProcessLog, ParsedNote]] = []
    for parsed in notes:
        if parsed.note.kind == "process-log":
            try:
                logs.append((read_log(parsed), parsed))
            except NoteError as exc:
                warnings.append(exc.to_diagnostic())
    daily = tuple(n for n in notes if n.note.kind != "process-log")
    for project in sorted({p for n in daily for p in process_projects(n.note)}):
        logs.append(_daily_log(daily, project))
    every: list[Insight] = []
    tags: dict[tuple[str, str], RootTag] = {}
    for plog, parsed in logs:
        note_roots = _roots(parsed, context)
        tags.update({(t.slug, t.reason): t for t in note_roots.tags})
        warnings += [*plog.diagnostics, *note_roots.diagnostics]
        every += _tagged(log_insights_task(plog, note_roots, context.roots), plog)
    start, end = digest_range([i.date for i in every], since, until)
    chosen = tuple(sorted(select(every, start, end), key=lambda i: (i.date, i.source, i.lines[0])))
    if not chosen:
        raise NoteError("process-digest", 0, f"no process entries between {start or '…'} and {end or '…'}")
    told = [(plog, p) for plog, p in logs if any(start <= e.date <= end for e in plog.entries)]
    entries = sorted((e for plog, _ in told for e in plog.entries if start <= e.date <= end), key=lambda e: e.date)
    sources = [p for _, p in told]
    digest_note = log_note(
        ProcessLog("process-digest", "", "", "", tuple(entries)),
        sources,
        path=f"process-digest-{start}-{end}",
        title=f"제작 과정 모음 {start} – {end}",
    )
    result = render_and_write(
        digest_note,
        chosen,
        NoteRoots(tuple(tags.values())),
        tuple(warnings),
        settings,
        context,
        tuple(channels or DIGEST_CHANNELS),
        force,
    )
    print(f"process digest {start} – {end}: {len(chosen)} insights from {len(sources)} log(s) → {result.out_dir}")
    return result


def weekly_deployment(cron: str = WEEKLY_CRON, **parameters: Any) -> Any:
    """The weekly digest as a deployment (`serve(weekly_deployment())` runs it on a server)."""
    return process_digest.to_deployment(name="weekly-process-digest", cron=cron, parameters=parameters)


if __name__ == "__main__":  # python -m flows.digest: serve the weekly digest (needs a Prefect server)
    process_digest.serve(name="weekly-process-digest", cron=WEEKLY_CRON, pause_on_shutdown=False)
