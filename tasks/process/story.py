"""Making-of stories: process-log entries → typed insights → a Self → Us → Now arc.

The author's root 프로세스-공유 says: share the process, failures and pivots included, told
as **Self** (why I started, what I did, what failed), **Us** (what was learned, the problem
readers share) and **Now** (the pivot and the next step, as an invitation to join). Each
entry part becomes one `Insight` whose type is the part kind (`did`, `why`, `failure`,
`pivot`, `learned`, `next`) and whose `date` is the entry date, so every story part can
list the entry dates and insight ids it came from. A failure or pivot is the preferred
hook; a date range selects the entries a story tells.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from tasks.insight.extract import insight_id, short_title
from tasks.model import Insight, NoteRoots, ParsedNote, RootIndex, RootTag
from tasks.nlp import korean
from tasks.process.log import PART_KINDS, ProcessLog, read_log
from tasks.roots.index import match_text

PartKey = Literal["self", "us", "now"]
ARC: tuple[tuple[PartKey, str, str, tuple[str, ...]], ...] = (
    ("self", "Self", "나의 이야기: 왜 시작했고, 무엇을 했고, 어디서 넘어졌나", ("why", "did", "failure")),
    ("us", "Us", "우리의 이야기: 배운 것, 그리고 같은 고민", ("learned",)),
    ("now", "Now", "지금: 방향을 틀고, 다음으로. 같이 해요", ("pivot", "next")),
)
"""(key, label, heading, insight types) of each story part, in telling order."""
KIND_LABELS = {"did": "한 일", "why": "왜", "failure": "실패", "pivot": "피벗", "learned": "배운 점", "next": "다음"}
"""How each part kind is named to readers."""
HOOK_KINDS = ("failure", "pivot")
SHARED = re.compile(
    r"같은 고민|다들|모두|우리|여러분|사람들|누구나|수강생|손님|고객|독자"
    r"|everyone|\bwe\b|\bour\b|others|people|readers",
    re.IGNORECASE,
)
"""Words showing a `why` is a problem others have too (the Us part's opening question)."""


@dataclass(frozen=True, slots=True)
class StoryPart:
    """One of Self, Us, Now: the insights it tells and where they came from."""

    key: PartKey
    """`self`, `us` or `now`."""
    label: str
    """`Self`, `Us`, `Now`."""
    heading: str
    """What the part is about, for readers."""
    insights: tuple[Insight, ...]
    """Insights told in this part, in date order."""

    @property
    def dates(self) -> tuple[str, ...]:
        """Entry dates the part came from, sorted, unique."""
        return tuple(sorted({i.date for i in self.insights if i.date}))

    @property
    def ids(self) -> tuple[str, ...]:
        """Insight ids the part came from."""
        return tuple(i.id for i in self.insights)


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One entry on the story's timeline."""

    date: str
    """Entry date."""
    title: str
    """Entry heading after the date."""
    kinds: tuple[str, ...]
    """Part kinds the entry holds, in arc order (`why`, `did`, `failure`, …)."""
    ids: tuple[str, ...]
    """Insight ids of the entry."""


@dataclass(frozen=True, slots=True)
class Story:
    """A making-of story over a date range of one log (or of several, for a digest)."""

    title: str
    """Story title (the log title)."""
    start: str
    """First entry date told."""
    end: str
    """Last entry date told."""
    hook: Insight | None
    """The opening: a failure or pivot when there is one."""
    parts: tuple[StoryPart, ...]
    """Self, Us, Now (a part may be empty)."""
    timeline: tuple[TimelineEntry, ...]
    """Entries in date order."""
    shared_problem: Insight | None = None
    """The `why` readers are likely to share (told in Us, see `shared_problem`)."""
    invitation: Insight | None = None
    """The last `next`: what comes now, offered as an invitation (told in Now)."""

    @property
    def insights(self) -> tuple[Insight, ...]:
        """Every insight of the story, each once, in date order."""
        seen = {i.id: i for p in self.parts for i in p.insights}
        return tuple(sorted(seen.values(), key=_order))


def _order(insight: Insight) -> tuple[str, str, int]:
    return (insight.date, insight.source, insight.lines[0])


def _roots(text: str, line: int, note_roots: NoteRoots, index: RootIndex) -> tuple[RootTag, ...]:
    """Roots named in the text, then the note's own roots at half confidence."""
    found = match_text(text, index, line)
    slugs = {t.slug for t in found}
    inherited = tuple(RootTag(t.slug, t.reason, t.evidence, t.line, round(t.score * 0.5, 3)) for t in note_roots.tags)
    merged: dict[tuple[str, str], RootTag] = {}
    for tag in (*found, *(t for t in inherited if t.slug not in slugs)):
        merged.setdefault((tag.slug, tag.reason), tag)
    return tuple(merged.values())


def log_insights(log: ProcessLog, note_roots: NoteRoots, index: RootIndex) -> tuple[Insight, ...]:
    """One insight per entry part, typed by the part kind, dated by the entry, ids unique."""
    out: list[Insight] = []
    seen: set[str] = set()
    for entry in log.entries:
        for part in entry.parts:
            ident = insight_id(entry.source, f"{entry.date} {part.kind}: {part.text}")
            if ident in seen:
                ident = f"{ident}-{part.lines[0]}"
            seen.add(ident)
            roots = _roots(part.text, part.lines[0], note_roots, index)
            keywords = korean.nouns(part.text)
            tags = [korean.hashtag(t.slug) for t in roots] + [korean.hashtag(k) for k in keywords[:3]]
            out.append(
                Insight(
                    id=ident,
                    type=part.kind,
                    title=part.title or short_title(part.text),
                    text=part.text,
                    lines=part.lines,
                    section=entry.heading,
                    roots=roots,
                    keywords=keywords,
                    hashtags=tuple(dict.fromkeys(h for h in tags if h)),
                    date=entry.date,
                    source=entry.source if entry.source != log.path else "",
                )
            )
    return tuple(out)


def note_insights(parsed: ParsedNote, note_roots: NoteRoots, index: RootIndex) -> tuple[Insight, ...]:
    """The typed insights of a process-log note (`NoteError` when it has no dated entry)."""
    return log_insights(read_log(parsed), note_roots, index)


def select(insights: Sequence[Insight], start: str = "", end: str = "") -> tuple[Insight, ...]:
    """Insights whose entry date is within [start, end] (either bound may be empty)."""
    return tuple(i for i in insights if (not start or i.date >= start) and (not end or i.date <= end))


def default_range(dates: Sequence[str], told: Sequence[str]) -> tuple[str, str]:
    """The range of the next story: the entries after the last story (`told` = its dates).

    Nothing told yet → every entry. Nothing new since → the last story again, so a re-run
    on an unchanged log changes no output.
    """
    if not dates:
        return "", ""
    newest = max(dates)
    if not told:
        return min(dates), newest
    last = max(told)
    if newest > last:
        following = (date.fromisoformat(last) + timedelta(days=1)).isoformat()
        return min(d for d in dates if d >= following), newest
    return min(told), last


def hook_of(insights: Sequence[Insight]) -> Insight | None:
    """A failure or pivot, the most fully told first (a callout beats a one-line marker), then the earliest."""
    pool = [i for i in insights if i.type in HOOK_KINDS] or [i for i in insights if i.type == "learned"]
    pool = pool or list(insights)
    if not pool:
        return None
    return min(pool, key=lambda i: (-min(i.text.count("\n"), 3), _order(i)))


def _timeline(insights: Sequence[Insight]) -> tuple[TimelineEntry, ...]:
    entries: dict[tuple[str, str], list[Insight]] = {}
    for insight in sorted(insights, key=_order):
        entries.setdefault((insight.date, insight.section), []).append(insight)
    rank = {k: n for n, k in enumerate(("why", "did", "failure", "learned", "pivot", "next"))}
    out = []
    for (day, heading), items in entries.items():
        kinds = tuple(sorted({i.type for i in items}, key=lambda k: rank.get(k, 9)))
        title = heading.removeprefix(day).strip()
        out.append(TimelineEntry(day, title, kinds, tuple(i.id for i in items)))
    return tuple(out)


def shared_problem(whys: Sequence[Insight]) -> Insight | None:
    """The `why` readers are most likely to share: one that speaks of others, else the latest.

    The first `why` stays in Self (why I started); with a single `why` there is none.
    """
    shared = [i for i in whys if SHARED.search(i.text)]
    if shared:
        return shared[-1]
    return whys[-1] if len(whys) > 1 else None


def build_story(title: str, insights: Sequence[Insight]) -> Story:
    """Arrange process insights as Self → Us → Now, with a hook and a timeline."""
    ordered = sorted((i for i in insights if i.type in PART_KINDS), key=_order)
    nexts = [i for i in ordered if i.type == "next"]
    shared = shared_problem([i for i in ordered if i.type == "why"])
    parts = []
    for key, label, heading, kinds in ARC:
        chosen = [i for i in ordered if i.type in kinds and i is not shared]
        if key == "us" and shared is not None:
            chosen = sorted([shared, *chosen], key=_order)
        parts.append(StoryPart(key, label, heading, tuple(chosen)))
    dates = [i.date for i in ordered if i.date]
    return Story(
        title=title,
        start=min(dates, default=""),
        end=max(dates, default=""),
        hook=hook_of(ordered),
        parts=tuple(parts),
        timeline=_timeline(ordered),
        shared_problem=shared,
        invitation=nexts[-1] if nexts else None,
    )
