"""Daily notes as a process log: `YYYY-MM-DD.md` notes tagged `#process/<project>`, one log per project.

A daily note is one entry dated by its file name; its parts are read like a log entry's
(markers, callouts, unmarked text). `log_note` builds the `ParsedNote` that stands for a
log gathered from several files, so the usual render and write stages can take it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from tasks.model import Block, Note, NoteError, ParsedNote, Section
from tasks.process.log import (
    PROCESS_TAG,
    Entry,
    ProcessLog,
    entry_parts,
    order_warnings,
    parse_date,
    strip_process_tags,
)

GATHER_TAGS = frozenset({"process", "daily", "process-log"})
"""Tags that only say how a note was gathered: not carried to the story."""
TITLE_MAX = 40
"""Longest entry title taken from a daily note's first line."""
DAILY_NAME = re.compile(r"(?:^|/)(\d{4}-\d{2}-\d{2})\.md$")


def _front_matter_projects(note: Note) -> list[str]:
    raw = note.meta.get("tags") or []
    tags = [str(t).lstrip("#") for t in (raw if isinstance(raw, list) else str(raw).split(","))]
    return [t.strip()[len("process/") :].rstrip(".") for t in tags if t.strip().startswith("process/")]


def process_projects(note: Note) -> tuple[str, ...]:
    """Projects a note is tagged for: `process/<project>` in front matter tags or `#process/<project>` in the body."""
    found = _front_matter_projects(note)
    body = "\n".join(note.text.split("\n")[note.body_line - 1 :])
    found += PROCESS_TAG.findall(re.sub(r"```.*?```", "", body, flags=re.DOTALL))
    return tuple(dict.fromkeys(p.rstrip(".") for p in found if p.rstrip(".")))


def daily_date(path: str) -> str:
    """`2025-11-10` for a daily note `…/2025-11-10.md`, else empty."""
    match = DAILY_NAME.search(path)
    return match.group(1) if match else ""


def _whole_note(note: Note, project: str) -> bool:
    """True when the front matter tags the whole note for `project` (any project when empty)."""
    projects = _front_matter_projects(note)
    return bool(projects) if not project else project in projects


def _tagged(block: Block, project: str) -> bool:
    """True when `block` carries `#process/<project>` (any project when `project` is empty)."""
    found = [p.rstrip(".") for p in PROCESS_TAG.findall(block.text)]
    return bool(found) and (not project or project in found)


def tagged_blocks(parsed: ParsedNote, project: str = "") -> list[Block]:
    """The blocks of a daily note that belong to `#process/<project>` (shared spec vault.md: the rest
    of a daily note is her private life and never reaches a story).

    - a tagged list item, with the items nested under it;
    - a tagged paragraph (a line of its own, or a title line ending with the tag), with what
      follows it up to the next heading, rule or paragraph tagged for another project;
    - with the tag in the front matter, the whole note.
    """
    blocks = [b for s in parsed.sections if not s.navigation for b in s.blocks]
    if _whole_note(parsed.note, project):
        return blocks
    chosen: list[Block] = []
    item_depth: int | None = None  # inside a tagged item: its depth
    in_run = False  # inside a tagged paragraph's run
    for block in blocks:
        if item_depth is not None:
            if block.kind in ("item", "task") and block.depth > item_depth:
                chosen.append(block)
                continue
            item_depth = None
        if block.kind in ("heading", "hr") or (PROCESS_TAG.search(block.text) and not _tagged(block, project)):
            in_run = False
        if _tagged(block, project):
            chosen.append(block)
            if block.kind in ("item", "task"):
                item_depth, in_run = block.depth, False
            else:
                in_run = block.kind == "paragraph"
        elif in_run:
            chosen.append(block)
    return chosen


def daily_entry(parsed: ParsedNote, project: str = "") -> Entry | None:
    """A daily note's `#process/<project>` part as one entry (date from the file name); None when it
    is not a daily note or has no such part. Untagged lines are never part of it."""
    day = daily_date(parsed.note.path)
    if not day:
        return None
    blocks = tagged_blocks(parsed, project)
    title = ""
    h1 = next((s for s in parsed.sections if s.level == 1), None)
    if h1 is not None and _whole_note(parsed.note, project):  # else the heading is her day's, not the story's
        try:
            dated = parse_date(h1.title)
        except ValueError:
            dated = None
        title = dated[1] if dated else h1.title
    tagged = next((b for b in blocks if b.kind == "paragraph" and PROCESS_TAG.search(b.text)), None)
    if not title and tagged is not None and strip_process_tags(tagged.text):
        title = strip_process_tags(tagged.text).split("\n")[0]  # `Dessert pairing round 2 #process/x`
        blocks = [b for b in blocks if b is not tagged]
    parts = entry_parts(blocks)
    if not title and parts:
        first = re.split(r"(?<=[.!?])\s", parts[0].text.split("\n")[0].strip(), maxsplit=1)[0].rstrip(".")
        title = first if len(first) <= TITLE_MAX else first[: TITLE_MAX - 1].rstrip() + "…"
    line = h1.lines[0] if h1 is not None else parsed.note.body_line
    return Entry(day, title, parsed.note.path, line, parts) if parts else None


def gather_daily(notes: Sequence[ParsedNote], project: str) -> ProcessLog:
    """One log from the daily notes tagged `#process/<project>`; `NoteError` when there are none."""
    chosen = [n for n in notes if daily_date(n.note.path) and project in process_projects(n.note)]
    entries = [e for e in (daily_entry(n, project) for n in sorted(chosen, key=lambda n: n.note.path)) if e]
    if not entries:
        raise NoteError(f"#process/{project}", 0, f"no daily notes (YYYY-MM-DD.md) tagged #process/{project}")
    entries.sort(key=lambda e: (e.date, e.source))
    return ProcessLog(
        f"#process/{project}", f"{project} 과정 기록", project, "", tuple(entries), tuple(order_warnings(entries))
    )


def sections_of(log: ProcessLog) -> tuple[Section, ...]:
    """Empty-bodied sections naming each entry (for a `ParsedNote` standing for a gathered log)."""
    return tuple(Section(e.heading, 2, (e.line, e.line), (), False, (e.heading,)) for e in log.entries)


def log_note(log: ProcessLog, sources: Sequence[ParsedNote], path: str = "", title: str = "") -> ParsedNote:
    """A `ParsedNote` standing for a log gathered from several notes (daily notes, a digest).

    It carries what rendering and root tagging need: the title, dates, the sources' root
    concepts, links and tags, and a hash of the sources' hashes (so it changes when they do).
    """
    roots: list[str] = []
    for parsed in sources:
        raw = parsed.note.meta.get("root-concepts") or []
        roots += [str(r) for r in (raw if isinstance(raw, list) else str(raw).strip("[]").split(","))]
    digest = hashlib.sha256("\n".join(sorted(p.note.source_hash for p in sources)).encode()).hexdigest()
    first, last = log.entries[0].date, log.entries[-1].date
    note = Note(
        path=path or log.path,
        text="",
        meta={
            "title": title or log.title,
            "root-concepts": list(dict.fromkeys(r.strip() for r in roots if r.strip())),
            "created": first,
            "updated": last,
        },
        body_line=1,
        source_hash=f"sha256:{digest}",
        kind="process-log",
        modified=last,
    )
    return ParsedNote(
        note=note,
        title=title or log.title,
        sections=sections_of(log),
        links=tuple(link for p in sources for link in p.links),
        tags=tuple(dict.fromkeys(t for p in sources for t in p.tags if t.split("/")[0] not in GATHER_TAGS)),
    )
