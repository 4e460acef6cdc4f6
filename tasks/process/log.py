"""Process logs: a parsed note (or a set of daily notes) → dated `Entry`s of typed `EntryPart`s.

The format is the one in the shared spec (vault.md, "Process logs"): `## YYYY-MM-DD title`
entries whose bullets or lines start with a marker (`한 일:`/`Did:`, `왜:`/`Why:`,
`실패:`/`Failed:`, `피벗:`/`Pivot:`, `배운 점:`/`Learned:`, `다음:`/`Next:`), `[!failure]` and
`[!pivot]` callouts, and unmarked text (which counts as "did"). Daily notes named
`YYYY-MM-DD.md` carrying `#process/<project>` are gathered into one log per project
(`tasks/process_daily.py`).
Real logs are messy: out-of-order, duplicate and undated entries are warnings naming the
file and line; only a log with no dated entry at all is an error.

Pure functions over `ParsedNote`s: reading files is the read stage's job.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from tasks.model import Block, Diagnostic, Note, NoteError, ParsedNote

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
        _, day, title, line, blocks = current
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
                    entry.source,
                    entry.line,
                    f"duplicate entry date {entry.date} (also at {where})",
                    "process-duplicate",
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
