"""Process logs: a parsed note (or a set of daily notes) → dated `Entry`s of typed `EntryPart`s.

The format is the one in the shared spec (vault.md, "Process logs"): `## YYYY-MM-DD title`
entries whose bullets or lines start with a marker (`한 일:`/`Did:`, `왜:`/`Why:`,
`실패:`/`Failed:`, `피벗:`/`Pivot:`, `배운 점:`/`Learned:`, `다음:`/`Next:`), `[!failure]` and
`[!pivot]` callouts, and unmarked text (which counts as "did"). Daily notes named
`YYYY-MM-DD.md` carrying `#process/<project>` are gathered into one log per project.
Real logs are messy: out-of-order, duplicate and undated entries are warnings naming the
file and line; only a log with no dated entry at all is an error.

Pure functions over `ParsedNote`s: reading files is the read stage's job.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from tasks.model import Block, Diagnostic, Note, NoteError, ParsedNote, Section

PartKind = Literal["did", "why", "failure", "pivot", "learned", "next"]
PART_KINDS: tuple[PartKind, ...] = ("did", "why", "failure", "pivot", "learned", "next")

_MARKERS: dict[str, PartKind] = {
    "한일": "did", "did": "did", "done": "did", "한것": "did",
    "왜": "why", "이유": "why", "why": "why",
    "실패": "failure", "failed": "failure", "failure": "failure", "fail": "failure",
    "피벗": "pivot", "pivot": "pivot", "pivoted": "pivot",
    "배운점": "learned", "배운것": "learned", "learned": "learned", "lesson": "learned", "lessons": "learned",
    "다음": "next", "next": "next", "todo": "next",
}  # fmt: skip
"""Marker words (spaces removed, lower-cased) → part kind."""
MARKER = re.compile(r"^\s*(?:[-*+]\s+)?\**\s*([가-힣A-Za-z ]{1,10}?)\s*\**\s*[:：]\s*\**\s*", re.IGNORECASE)
CALLOUT_KINDS: dict[str, PartKind] = {
    "failure": "failure", "fail": "failure", "bug": "failure", "error": "failure", "실패": "failure",
    "pivot": "pivot", "피벗": "pivot",
    "learned": "learned", "lesson": "learned", "next": "next", "why": "why",
}  # fmt: skip
"""Callout types that carry a part kind; other callouts are unmarked text."""
DATE = re.compile(r"^(\d{4})[-./](\d{1,2})[-./](\d{1,2})(?![\d])\.?\s*(.*)$")
WEEKDAY = re.compile(r"^\(\s*[^()\s]{1,9}\s*\)\s*")
"""A parenthesised weekday right after the date: `(월)`, `(Mon)`, `(목요일)`."""
PROCESS_TAG = re.compile(r"(?<![\w#&/])#process/([^\s#,;:!?()\[\]{}\"'`]+)")
"""`#process/<project>` in the body of a daily note."""
GATHER_TAGS = frozenset({"process", "daily", "process-log"})
"""Tags that only say how a note was gathered: not carried to the story."""
TITLE_MAX = 40
"""Longest entry title taken from a daily note's first line."""
DAILY_NAME = re.compile(r"(?:^|/)(\d{4}-\d{2}-\d{2})\.md$")


@dataclass(frozen=True, slots=True)
class EntryPart:
    """One typed piece of an entry: what was done, why, what failed, the pivot…"""

    kind: PartKind
    """`did`, `why`, `failure`, `pivot`, `learned` or `next`."""
    text: str
    """The author's words, marker removed."""
    lines: tuple[int, int]
    """1-based inclusive line span in the entry's file."""
    marked: bool = True
    """False when the text had no marker (it then counts as `did`)."""
    title: str = ""
    """The callout title, for `[!failure]`/`[!pivot]` callouts."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One dated entry of a process log."""

    date: str
    """ISO date `YYYY-MM-DD`."""
    title: str
    """Heading text after the date (may be empty)."""
    source: str
    """Vault path of the file holding the entry."""
    line: int
    """1-based line of the entry heading (of the note, for daily notes)."""
    parts: tuple[EntryPart, ...]
    """Typed parts in document order."""

    @property
    def heading(self) -> str:
        """`2025-11-03 자막 추출 자동화` (the date alone when untitled)."""
        return f"{self.date} {self.title}".strip()


@dataclass(frozen=True, slots=True)
class ProcessLog:
    """A process log: one note with dated entries, or the daily notes of one project."""

    path: str
    """Vault path of the log note, or `#process/<project>` for gathered daily notes."""
    title: str
    """Log title."""
    project: str
    """Project name (front matter `project:` or the `#process/<project>` tag)."""
    intro: str
    """Text before the first entry (the log's purpose), may be empty."""
    entries: tuple[Entry, ...]
    """Entries sorted by date (stable: same-date entries keep file order)."""
    diagnostics: tuple[Diagnostic, ...] = ()
    """Out-of-order, duplicate and undated entries."""


def parse_date(text: str) -> tuple[str, str] | None:
    """`2025-11-03 (월) 제목` → (`2025-11-03`, `제목`); None when `text` does not start with a date.

    Raises ValueError when it looks like a date but is not a real day (`2025-13-40`).
    """
    match = DATE.match(text.strip())
    if not match:
        return None
    year, month, day, rest = match.groups()
    iso = date(int(year), int(month), int(day)).isoformat()
    return iso, WEEKDAY.sub("", rest.strip(), count=1).strip(" -–—:·|")


def split_marker(text: str) -> tuple[PartKind | None, str]:
    """(`failure`, `rest`) for `실패: rest` / `Failed: rest`; (None, text) when unmarked."""
    match = MARKER.match(text)
    if match:
        kind = _MARKERS.get(re.sub(r"\s+", "", match.group(1)).lower())
        if kind is not None:
            return kind, text[match.end() :].strip().strip("*").strip()
    return None, text.strip()


def strip_process_tags(text: str) -> str:
    """Text without its `#process/<project>` tags."""
    return re.sub(r"[ \t]{2,}", " ", PROCESS_TAG.sub("", text)).strip()


def _block_parts(block: Block) -> list[EntryPart]:
    """Parts of one block: a marked line starts a part, following unmarked lines continue it."""
    if block.kind in ("code", "hr", "html"):
        return []
    if block.kind == "callout":
        meta = dict(block.meta)
        kind = CALLOUT_KINDS.get(meta.get("type", ""))
        if kind is not None:
            title = meta.get("title", "")
            text = "\n".join(t for t in (title, block.text) if t)
            return [EntryPart(kind, text, block.lines, True, title)]
    text = strip_process_tags(block.text)
    if not text:
        return []
    lines = text.split("\n")
    exact = block.lines[1] - block.lines[0] + 1 == len(lines)
    parts: list[tuple[PartKind | None, list[str], int]] = []
    for offset, line in enumerate(lines):
        kind, rest = split_marker(line)
        if kind is not None or not parts:
            parts.append((kind, [rest], offset))
        else:
            parts[-1][1].append(line.strip())
    out: list[EntryPart] = []
    for i, (kind, texts, offset) in enumerate(parts):
        end = parts[i + 1][2] - 1 if i + 1 < len(parts) else len(lines) - 1
        span = (block.lines[0] + offset, block.lines[0] + end) if exact else block.lines
        out.append(EntryPart(kind or "did", "\n".join(t for t in texts if t), span, kind is not None))
    return [p for p in out if p.text]


def entry_parts(blocks: Iterable[Block]) -> tuple[EntryPart, ...]:
    """Typed parts of an entry's blocks; nested bullets continue the part above them."""
    parts: list[EntryPart] = []
    for block in blocks:
        if block.kind in ("item", "task") and block.depth > 0 and parts:
            last = parts[-1]
            text = strip_process_tags(block.text)
            if text:
                span = (last.lines[0], max(last.lines[1], block.lines[1]))
                parts[-1] = EntryPart(last.kind, f"{last.text}\n{text}", span, last.marked, last.title)
            continue
        parts.extend(_block_parts(block))
    return tuple(parts)


def _scan(parsed: ParsedNote) -> tuple[list[Entry], str, list[Diagnostic]]:
    """Entries in file order, the intro text, and undated/invalid-date warnings."""
    path = parsed.note.path
    entries: list[Entry] = []
    intro: list[str] = []
    problems: list[Diagnostic] = []
    current: tuple[int, str, str, int, list[Block]] | None = None  # level, date, title, line, blocks

    def close() -> None:
        if current is None:
            return
        level, day, title, line, blocks = current
        parts = entry_parts(blocks)
        if parts:
            entries.append(Entry(day, title, path, line, parts))
        else:
            problems.append(Diagnostic(path, line, f"entry {day} has no content; skipped", "process-empty-entry"))

    for section in parsed.sections:
        if current is not None and section.level > current[0]:
            current[4].extend(section.blocks)  # a sub-heading inside an entry
            continue
        bad = False
        try:
            dated = parse_date(section.title) if section.level >= 2 else None
        except ValueError:
            dated, bad = None, True
            problems.append(
                Diagnostic(path, section.lines[0], f"'{section.title}' is not a real date", "process-bad-date")
            )
        if dated is not None:
            close()
            current = (section.level, dated[0], dated[1], section.lines[0], list(section.blocks))
            continue
        if current is not None or (entries and not section.navigation):
            close()
            current = None
            if not bad and not section.navigation and entry_parts(section.blocks):
                problems.append(
                    Diagnostic(
                        path,
                        section.lines[0],
                        f"entry '{section.title}' has no date (write '## YYYY-MM-DD …'); skipped",
                        "process-undated",
                    )
                )
        elif not section.navigation:
            intro.extend(strip_process_tags(b.text) for b in section.blocks if b.kind in ("paragraph", "quote"))
    close()
    return entries, "\n".join(t for t in intro if t), problems


def order_warnings(entries: Sequence[Entry]) -> list[Diagnostic]:
    """Warnings for entries dated before the one above them, and for repeated dates."""
    problems: list[Diagnostic] = []
    seen: dict[str, Entry] = {}
    latest: Entry | None = None
    for entry in entries:
        if entry.date in seen:
            first = seen[entry.date]
            where = f"line {first.line}" if first.source == entry.source else f"{first.source}:{first.line}"
            problems.append(
                Diagnostic(
                    entry.source, entry.line, f"duplicate entry date {entry.date} (also at {where})", "process-duplicate"
                )
            )
        elif latest is not None and entry.date < latest.date:
            problems.append(
                Diagnostic(
                    entry.source,
                    entry.line,
                    f"entry {entry.date} comes after {latest.date} (out of order); stories sort entries by date",
                    "process-order",
                )
            )
        seen.setdefault(entry.date, entry)
        if latest is None or entry.date > latest.date:
            latest = entry
    return problems


def log_warnings(parsed: ParsedNote) -> tuple[Diagnostic, ...]:
    """Every warning about a process-log note's entries (never raises)."""
    entries, _, problems = _scan(parsed)
    return tuple(problems + order_warnings(entries))


def project_of(note: Note) -> str:
    """The log's project: front matter `project:`, else the file stem."""
    value = note.meta.get("project")
    return str(value).strip() if value else note.path.rsplit("/", 1)[-1].removesuffix(".md")


def read_log(parsed: ParsedNote) -> ProcessLog:
    """The process log of a note; `NoteError` when it has no dated entry."""
    entries, intro, problems = _scan(parsed)
    if not entries:
        raise NoteError(
            parsed.note.path,
            parsed.note.body_line,
            "process log has no dated entries: start each entry with a heading '## YYYY-MM-DD …'",
        )
    problems += order_warnings(entries)
    ordered = tuple(sorted(entries, key=lambda e: e.date))
    return ProcessLog(parsed.note.path, parsed.title, project_of(parsed.note), intro, ordered, tuple(problems))


def process_projects(note: Note) -> tuple[str, ...]:
    """Projects a note is tagged for: `process/<project>` in front matter tags or `#process/<project>` in the body."""
    raw = note.meta.get("tags") or []
    tags = [str(t).lstrip("#") for t in (raw if isinstance(raw, list) else str(raw).split(","))]
    found = [t.strip()[len("process/") :] for t in tags if t.strip().startswith("process/")]
    body = "\n".join(note.text.split("\n")[note.body_line - 1 :])
    found += PROCESS_TAG.findall(re.sub(r"```.*?```", "", body, flags=re.DOTALL))
    return tuple(dict.fromkeys(p.rstrip(".") for p in found if p.rstrip(".")))


def daily_date(path: str) -> str:
    """`2025-11-10` for a daily note `…/2025-11-10.md`, else empty."""
    match = DAILY_NAME.search(path)
    return match.group(1) if match else ""


def daily_entry(parsed: ParsedNote) -> Entry | None:
    """A whole daily note as one entry (date from the file name); None when it is not one."""
    day = daily_date(parsed.note.path)
    if not day:
        return None
    blocks = [b for s in parsed.sections if not s.navigation for b in s.blocks]
    title = ""
    h1 = next((s for s in parsed.sections if s.level == 1), None)
    if h1 is not None:
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
    entries = [e for e in (daily_entry(n) for n in sorted(chosen, key=lambda n: n.note.path)) if e is not None]
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
        meta={"title": title or log.title, "root-concepts": list(dict.fromkeys(r.strip() for r in roots if r.strip())),
              "created": first, "updated": last},
        body_line=1,
        source_hash=f"sha256:{digest}",
        kind="process-log",
        modified=last,
    )  # fmt: skip
    return ParsedNote(
        note=note,
        title=title or log.title,
        sections=sections_of(log),
        links=tuple(link for p in sources for link in p.links),
        tags=tuple(dict.fromkeys(t for p in sources for t in p.tags if t.split("/")[0] not in GATHER_TAGS)),
    )
