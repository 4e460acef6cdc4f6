"""The one pipeline: every way osmu runs (flows, CLI, tests, bench, the insight eval) calls these functions.

    read → parse → privacy → roots → insights → compose → render → polish → lint → write

`run_note` takes the settings (a value), the vault's shared context and one note, and returns
the note's result. `run_story` and `run_digest` differ only in their front: their insights come
from process-log entries of a date range; `finish` is the common back (render → write).

Each stage is a plain function (`PLAIN`). A caller that wants the stages as Prefect tasks passes
a `Stages` of its own (flows/stages.py); the wiring stays here, in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from tasks.compose.stage import compose_note
from tasks.insight.extract import extract_insights
from tasks.lint.checks import lint_note
from tasks.llm.stage import polish_note
from tasks.markdown.parse import parse_note
from tasks.model import (
    Diagnostic,
    Insight,
    NoteError,
    NoteResult,
    NoteRoots,
    ParsedNote,
    RenderResult,
    RootIndex,
    RootTag,
)
from tasks.process.daily import daily_date, gather_daily, log_note, process_projects
from tasks.process.log import ProcessLog, read_log
from tasks.process.story import default_range, log_insights, select
from tasks.render.context import source_slug
from tasks.render.templating import render_note
from tasks.roots.cache import cached_root_index
from tasks.roots.index import build_root_index, resolve_note_roots
from tasks.settings import Settings
from tasks.vault.links import NoteIndex
from tasks.vault.privacy import is_daily, private_by_meta, private_reason, protect_note
from tasks.vault.read import iter_note_paths, list_vault, read_note, read_roots
from tasks.vault.source import read_source
from tasks.write.outputs import note_folder, read_manifest, write_outputs

DIGEST_DAYS = 7
NOTHING_TO_SAY = "nothing to say (no insights): no posts written"
"""Why a note without insights (empty, only front matter, only links) produced nothing."""
"""A digest covers the week ending at its newest entry."""


class LintFailed(Exception):
    """Strict mode: at least one output broke a channel rule."""


@dataclass(frozen=True, slots=True)
class VaultContext:
    """What every note of one vault shares: its roots and its list of notes."""

    roots: RootIndex
    """Root concepts of the vault."""
    notes: NoteIndex
    """Every note path, for link resolution."""


@dataclass(frozen=True, slots=True)
class Stages:
    """The stage functions, in pipeline order, then the vault-wide reads."""

    read: Callable[..., Any]
    """`read_source(vault, path, notes, private_folders) -> Note`."""
    parse: Callable[..., Any]
    """`parse_note(note, navigation_titles) -> ParsedNote`."""
    protect: Callable[..., Any]
    """`protect_note(parsed, settings, notes) -> ParsedNote`: refuse a private note, hide private links."""
    roots: Callable[..., Any]
    """`resolve_note_roots(parsed, index, notes) -> NoteRoots`."""
    insights: Callable[..., Any]
    """`extract_insights(parsed, note_roots, index) -> tuple[Insight, ...]`."""
    compose: Callable[..., Any]
    """`compose_note(parsed, insights, settings, channels) -> Composition`: one plan per output."""
    render: Callable[..., Any]
    """`render_note(parsed, insights, note_roots, index, settings, channels, composition) -> Drafts` (templating)."""
    polish: Callable[..., Any]
    """`polish_note(drafts, index, settings) -> Drafts` (LLM, a no-op when none is configured)."""
    lint: Callable[..., Any]
    """`lint_note(drafts) -> RenderResult`."""
    write: Callable[..., Any]
    """`write_outputs(rendered, source_hash, insights, warnings, out_root, force) -> WriteReport`."""
    log_insights: Callable[..., Any]
    """`log_insights(log, note_roots, index) -> tuple[Insight, ...]` (process-log entries)."""
    list_vault: Callable[..., Any]
    """`list_vault(vault) -> tuple[str, ...]`."""
    read_roots: Callable[..., Any]
    """`read_roots(vault, folder) -> (notes, diagnostics)`."""
    root_index: Callable[..., Any]
    """`build_root_index(notes, diagnostics, aliases) -> RootIndex`."""


PLAIN = Stages(
    read=read_source,
    parse=parse_note,
    protect=protect_note,
    roots=resolve_note_roots,
    insights=extract_insights,
    compose=compose_note,
    render=render_note,
    polish=polish_note,
    lint=lint_note,
    write=write_outputs,
    log_insights=log_insights,
    list_vault=list_vault,
    read_roots=read_roots,
    root_index=build_root_index,
)
"""Every stage as a plain function."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """A note's result plus the wikilink targets it was parsed with (for change tracking)."""

    result: NoteResult
    """What the note produced."""
    links: tuple[str, ...]
    """Wikilink targets of the note, in order of appearance, de-duplicated."""
    skipped: str = ""
    """Why a sweep left the note out on purpose (a private note), else ""."""


def open_vault(settings: Settings, notes: NoteIndex | None = None, stages: Stages = PLAIN) -> VaultContext:
    """Read the vault's root concepts (their index from the cache when unchanged) and note list (`notes`: given)."""
    found, problems = stages.read_roots(settings.vault, settings.roots_folder)
    roots = cached_root_index(found, problems, settings.root_aliases, stages.root_index)
    return VaultContext(roots, notes if notes is not None else NoteIndex.build(stages.list_vault(settings.vault)))


@dataclass(frozen=True, slots=True)
class Cut:
    """A note up to its insights: the front half of the pipeline (what `osmu insights` shows)."""

    parsed: ParsedNote
    """The note, parsed, private links hidden."""
    roots: NoteRoots
    """The note's root concepts."""
    insights: tuple[Insight, ...]
    """Its atomic insights."""
    warnings: tuple[Diagnostic, ...]
    """What reading, parsing and root tagging found."""


def cut_insights(settings: Settings, vault: VaultContext, note_path: Path, stages: Stages = PLAIN) -> Cut:
    """read → parse → privacy → roots → insights for one note."""
    note = stages.read(settings.vault, note_path, vault.notes, settings.hidden_folders)
    parsed = stages.parse(note, settings.navigation_sections)
    parsed = stages.protect(parsed, settings, vault.notes)
    note_roots = stages.roots(parsed, vault.roots, vault.notes)
    insights = stages.insights(parsed, note_roots, vault.roots)
    return Cut(parsed, note_roots, insights, (*note.diagnostics, *parsed.diagnostics, *note_roots.diagnostics))


def run_note(
    settings: Settings,
    vault: VaultContext,
    note_path: Path,
    channels: Sequence[str] = (),
    force: bool = False,
    stages: Stages = PLAIN,
) -> Outcome:
    """One note (or process log) through every stage; `channels` empty: those of the settings."""
    cut = cut_insights(settings, vault, note_path, stages)
    result = finish(cut.parsed, cut.insights, cut.roots, cut.warnings, settings, vault, channels, force, stages)
    return Outcome(result, tuple(dict.fromkeys(link.target for link in cut.parsed.links)))


def render_insights(
    parsed: ParsedNote,
    insights: tuple[Insight, ...],
    note_roots: NoteRoots,
    settings: Settings,
    vault: VaultContext,
    channels: Sequence[str] = (),
    stages: Stages = PLAIN,
) -> RenderResult:
    """compose → render → polish → lint: every chosen channel's files, checked, not yet written."""
    chosen = tuple(channels) or None
    composition = stages.compose(parsed, insights, settings, chosen)
    drafts = stages.render(parsed, insights, note_roots, vault.roots, settings, chosen, composition)
    drafts = stages.polish(drafts, vault.roots, settings)
    return stages.lint(drafts)  # type: ignore[no-any-return]


def finish(
    parsed: ParsedNote,
    insights: tuple[Insight, ...],
    note_roots: NoteRoots,
    warnings: tuple[Diagnostic, ...],
    settings: Settings,
    vault: VaultContext,
    channels: Sequence[str],
    force: bool,
    stages: Stages = PLAIN,
) -> NoteResult:
    """compose → render → polish → lint (strict: fail) → write, and the note's result: the back of every
    pipeline. A note with no insights writes nothing: its result says it was skipped."""
    if not insights:
        return NoteResult(source=parsed.note.path, ok=True, warnings=warnings, skipped=NOTHING_TO_SAY)
    rendered = render_insights(parsed, insights, note_roots, settings, vault, channels, stages)
    warnings = (*warnings, *rendered.diagnostics)
    failures = tuple(f"{o.path}: {r.rule}: {r.message}" for o in rendered.outputs for r in o.lint if not r.ok)
    if settings.strict and failures:
        raise LintFailed(f"{parsed.note.path}: {len(failures)} lint failure(s):\n  " + "\n  ".join(failures))
    writes = [
        stages.write(part, parsed.note.source_hash, insights, warnings, root, force)
        for part, root in _write_roots(rendered, settings)
    ]
    report = writes[-1]
    files = tuple(f for w in writes for f in w.files)
    return NoteResult(
        source=parsed.note.path,
        ok=True,
        insights=len(insights),
        roots=tuple(dict.fromkeys(s for o in rendered.outputs for s in o.root_concepts)),
        out_dir=report.out_dir,
        files=files,
        warnings=warnings,
        lint_failures=failures,
        preview=report.preview,
        llm=rendered.llm,
    )


INSIGHT_CHANNEL = "atoms"
"""The channel of the insight notes (`insight_notes: true` writes it into `<vault>/_osmu`)."""


def _write_roots(rendered: RenderResult, settings: Settings) -> list[tuple[RenderResult, Path]]:
    """Which outputs go where: everything to the output folder; with `insight_notes`, the insight
    notes to `<vault>/_osmu` instead (their own manifest and preview page there). The output folder
    comes last: its folder and preview page are the note's result."""
    channels = rendered.channels or tuple(dict.fromkeys(o.channel for o in rendered.outputs))
    if settings.insight_dir is None or INSIGHT_CHANNEL not in channels:
        return [(rendered, settings.out_dir)]
    had_notes = (settings.insight_dir / rendered.slug).is_dir()  # notes no longer produced are removed there
    if not had_notes and not any(o.channel == INSIGHT_CHANNEL for o in rendered.outputs):
        return [(rendered, settings.out_dir)]
    notes = replace(
        rendered,
        outputs=tuple(o for o in rendered.outputs if o.channel == INSIGHT_CHANNEL),
        channels=(INSIGHT_CHANNEL,),
    )
    rest = tuple(c for c in channels if c != INSIGHT_CHANNEL)
    if not rest:
        return [(notes, settings.insight_dir)]
    main = replace(rendered, outputs=tuple(o for o in rendered.outputs if o.channel != INSIGHT_CHANNEL), channels=rest)
    return [(notes, settings.insight_dir), (main, settings.out_dir)]


# Process logs: a story of one log, and the weekly digest across logs.


def project_name(log: str) -> str:
    """`cafe-pairing` for `#process/cafe-pairing` or `process/cafe-pairing`; empty for a note path."""
    for prefix in ("#process/", "process/"):
        if log.startswith(prefix):
            return log[len(prefix) :]
    return ""


def read_process_notes(
    settings: Settings, stages: Stages = PLAIN
) -> tuple[tuple[ParsedNote, ...], tuple[Diagnostic, ...]]:
    """Every public process-log note and `#process/…` daily note of the vault, parsed."""
    found: list[ParsedNote] = []
    problems: list[Diagnostic] = []
    for path in iter_note_paths(settings.vault):
        try:
            note = read_note(settings.vault, path)
        except NoteError as exc:
            problems.append(exc.to_diagnostic())
            continue
        daily = is_daily(note.path, settings.daily_folder)
        if private_by_meta(note.meta) or (not daily and private_reason(note, settings.private_folders)):
            continue  # a daily note feeds stories only with its tagged lines, even in a private folder
        if note.kind == "process-log" or (daily_date(note.path) and process_projects(note)):
            found.append(stages.parse(note, settings.navigation_sections))
    return tuple(found), tuple(problems)


def _daily_log(notes: tuple[ParsedNote, ...], project: str) -> tuple[ProcessLog, ParsedNote]:
    log = gather_daily(notes, project)
    sources = [n for n in notes if n.note.path in {e.source for e in log.entries}]
    return log, log_note(log, sources)


def _log_roots(parsed: ParsedNote, vault: VaultContext, stages: Stages) -> NoteRoots:
    # A gathered log has no file of its own: its links are checked in their daily notes.
    return stages.roots(parsed, vault.roots, vault.notes if parsed.note.text else None)  # type: ignore[no-any-return]


def told_dates(settings: Settings, parsed: ParsedNote) -> tuple[str, ...]:
    """Entry dates the last story of this log told (from its manifest; empty when none)."""
    folder = note_folder(settings.out_dir, source_slug(parsed.note.path), parsed.note.path)
    return tuple(str(i["date"]) for i in read_manifest(folder).get("insights", []) if i.get("date"))


@dataclass(frozen=True, slots=True)
class StoryCut:
    """A process log up to the insights of the entries it tells: the front half of a story."""

    cut: Cut
    """The log (a note, or daily notes gathered as one), its roots and the chosen entries' insights."""
    start: str
    """First entry date told."""
    end: str
    """Last entry date told."""


def story_insights(
    settings: Settings,
    vault: VaultContext,
    log: str,
    since: str | None = None,
    until: str | None = None,
    stages: Stages = PLAIN,
) -> StoryCut:
    """read → parse → privacy → roots → insights for one process log, then the entries of the range.

    `log` is a note path or `#process/<project>` (daily notes). Without `since`, the story starts
    after the last story written for this log.
    """
    project = project_name(log)
    if project:
        notes, problems = read_process_notes(settings, stages)
        plog, parsed = _daily_log(notes, project)
        warnings: tuple[Diagnostic, ...] = (*problems, *plog.diagnostics)
    else:
        note = stages.read(settings.vault, Path(log), vault.notes, settings.hidden_folders)
        parsed = stages.protect(stages.parse(note, settings.navigation_sections), settings, vault.notes)
        plog = read_log(parsed)
        warnings = (*note.diagnostics, *parsed.diagnostics)
    note_roots = _log_roots(parsed, vault, stages)
    insights = stages.log_insights(plog, note_roots, vault.roots)
    start, end = default_range([i.date for i in insights], told_dates(settings, parsed))
    start, end = since or start, until or end
    chosen = select(insights, start, end)
    if not chosen:
        raise NoteError(parsed.note.path, 0, f"no process entries between {start or '…'} and {end or '…'}")
    return StoryCut(Cut(parsed, note_roots, chosen, (*warnings, *note_roots.diagnostics)), start, end)


def run_story(
    settings: Settings,
    vault: VaultContext,
    log: str,
    since: str | None = None,
    until: str | None = None,
    channels: Sequence[str] = (),
    force: bool = False,
    stages: Stages = PLAIN,
) -> tuple[NoteResult, StoryCut]:
    """One process log told as a story on every channel; the result and what was told."""
    story = story_insights(settings, vault, log, since, until, stages)
    cut = story.cut
    return finish(cut.parsed, cut.insights, cut.roots, cut.warnings, settings, vault, channels, force, stages), story


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


def run_digest(
    settings: Settings,
    vault: VaultContext,
    since: str | None = None,
    until: str | None = None,
    channels: Sequence[str] = (),
    force: bool = False,
    stages: Stages = PLAIN,
) -> tuple[NoteResult, str, str, int, int]:
    """Every process entry in [since, until] across all logs → one issue per digest channel.

    `channels` empty: `settings.digest_channels`. Returns the result, the range, the number of
    insights and of logs used.
    """
    notes, problems = read_process_notes(settings, stages)
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
        note_roots = _log_roots(parsed, vault, stages)
        tags.update({(t.slug, t.reason): t for t in note_roots.tags})
        warnings += [*plog.diagnostics, *note_roots.diagnostics]
        every += _tagged(stages.log_insights(plog, note_roots, vault.roots), plog)
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
    picked = tuple(channels) or settings.digest_channels
    roots = NoteRoots(tuple(tags.values()))
    result = finish(digest_note, chosen, roots, tuple(warnings), settings, vault, picked, force, stages)
    return result, start, end, len(chosen), len(sources)
