"""The plan of one output: frozen slots (hook, ideas, takeaway, call to action…) and how they are chosen.

A channel's `plan()` (tasks/channels/<name>.py) fills slots from the note's outline with the
budgets of its channel.yaml; its templates render the slots; the manifest records which insight
fills which slot. An LLM polish may reword a slot's text; it never adds, drops or moves a slot.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tasks.compose.ideas import Figure, Idea, Point, bare, point_line
from tasks.compose.outline import Chapter, Outline, idea_title
from tasks.model import Block


class TooLittle(Exception):
    """A channel's shape cannot be filled from this note (a carousel needs four ideas): the channel
    writes nothing for the note, and the run says why in one line."""


@dataclass(frozen=True, slots=True)
class Slot:
    """One place in an output and what fills it."""

    role: str
    """What the slot is for: `cover`, `idea`, `cta`, `lead`, `section`, `quote`, `takeaway`, `closing`, …"""
    title: str = ""
    """Its heading or short name ("" when it has none)."""
    text: tuple[str, ...] = ()
    """Its paragraphs or sentences, whole, in order."""
    points: tuple[str, ...] = ()
    """List items shown under the text (numbered when `numbered`)."""
    insights: tuple[str, ...] = ()
    """Ids of the insights whose words fill it (empty for osmu's own words, such as a greeting)."""
    level: int = 0
    """Heading level for `section` slots; 0 otherwise."""
    numbered: bool = False
    """True when `points` are the author's numbered steps."""
    notes: tuple[str, ...] = ()
    """What is said but not shown (a workshop slide's talk track)."""
    sub: tuple[tuple[str, ...], ...] = ()
    """Nested items under each point (same order as `points`; empty when none has any)."""
    intro: str = ""
    """A lead-in line shown before `points` (`이유는`), without its colon."""
    coda: tuple[str, ...] = ()
    """Sentences shown after `points`."""
    quote: bool = False
    """True when the text is a quotation (shown as a blockquote)."""
    figures: tuple[Figure, ...] = ()
    """Code, tables, images and math shown with the text (`after`: sentences of `text`, or of `coda`, before each)."""

    def to_json(self) -> dict[str, Any]:
        """The manifest form: role, title and the insights that fill the slot."""
        return {"role": self.role, "title": self.title, "insights": list(self.insights)}


@dataclass(frozen=True, slots=True)
class Plan:
    """The plan of one output of one channel."""

    channel: str
    """Channel name."""
    output: str
    """Which output of the channel (`post`, `carousel-1`, `letter`, `deck`)."""
    slots: tuple[Slot, ...]
    """The slots in reading order."""
    alternatives: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())
    """Other candidates per slot role (`("subject", (…, …))`), best first, for the author to choose."""

    @property
    def insights(self) -> tuple[str, ...]:
        """Every insight id the plan uses, in order of first use."""
        return tuple(dict.fromkeys(i for s in self.slots for i in s.insights))

    def role(self, name: str) -> tuple[Slot, ...]:
        """The slots of one role, in order."""
        return tuple(s for s in self.slots if s.role == name)

    def to_json(self) -> dict[str, Any]:
        """The manifest form (`plans` in manifest.json)."""
        out: dict[str, Any] = {"channel": self.channel, "output": self.output}
        out["slots"] = [s.to_json() for s in self.slots]
        if self.alternatives:
            out["alternatives"] = {role: list(texts) for role, texts in self.alternatives}
        return out


def fit(sentences: Sequence[str], budget: int) -> tuple[str, ...]:
    """The leading whole sentences whose total length stays within `budget` (never a cut sentence)."""
    out: list[str] = []
    used = 0
    for sentence in sentences:
        if used + len(sentence) > budget:
            break
        out.append(sentence)
        used += len(sentence) + 1
    return tuple(out)


def pick(
    outline: Outline,
    count: int,
    usable: Callable[[Idea], bool] = lambda i: True,
    exclude: Sequence[str] = (),
) -> tuple[Idea, ...]:
    """`count` ideas: the best of each chapter first (so the argument is covered), then the
    best of the rest; returned in the note's order."""
    chapters = [[i for i in c.ideas if usable(i) and i.id not in exclude] for c in outline.chapters]
    chapters = [c for c in chapters if c]
    chosen: list[Idea] = []
    firsts = sorted((max(c, key=lambda i: i.score) for c in chapters), key=lambda i: -i.score)
    chosen += firsts[:count]
    rest = sorted((i for c in chapters for i in c if i not in chosen), key=lambda i: (-i.score, i.lines[0]))
    chosen += rest[: max(0, count - len(chosen))]
    return tuple(sorted(chosen, key=lambda i: i.lines[0]))


def chapter_of(outline: Outline, idea: Idea, where: Mapping[str, Chapter] | None = None) -> Chapter | None:
    """The chapter an idea belongs to (`where`: insight id → chapter, when the caller asks often)."""
    if where is not None:
        return where.get(idea.id)
    return next((c for c in outline.chapters if any(i.id == idea.id for i in c.ideas)), None)


def title_of(idea: Idea, outline: Outline, where: Mapping[str, Chapter] | None = None) -> str:
    """The slot title of an idea: its own short name, else its chapter's title ("" for a quotation:
    it speaks for itself, and a title borrowed from its neighbours would misname it)."""
    if idea.quote:
        return ""
    own = idea_title(idea)
    if own:
        return own
    chapter = chapter_of(outline, idea, where)
    return chapter.title if chapter else ""


def idea_slot(
    idea: Idea,
    role: str,
    title: str,
    budget: int,
    max_points: int = 6,
    point_chars: int = 0,
    shows: Callable[[Block], bool] | None = None,
) -> Slot | None:
    """An idea in a slot of `budget` characters: whole sentences and whole points that fit, or None.

    Sentences that repeat the title are left out; a point longer than `point_chars` (when given)
    is left out rather than cut. The idea's code, tables, images and math that `shows` accepts go
    with the sentences they follow (those after the list, at the end); none when `shows` is None.
    """
    every = idea.body if title == idea.name else idea.sentences
    sentences = [s for s in every if bare(s) != bare(title)]
    if title and not sentences and not idea.points and every:  # the title would be the whole text: say it once
        title, sentences = "", list(every)
    text = list(fit(sentences, budget))
    used = sum(len(s) for s in text)
    chosen: list[Point] = []
    if len(text) == len(sentences):
        for point in idea.points[:max_points]:
            line = point_line(point)
            if (point_chars and len(line) > point_chars) or used + len(line) > budget:
                continue
            chosen.append(point)
            used += len(line)
        if idea.intro and chosen and not text:
            text = [idea.intro if idea.intro.endswith((":", "：")) else f"{idea.intro}:"]
    numbered = bool(chosen) and [p.number for p in chosen] == list(range(1, len(chosen) + 1))
    points = [p.text if numbered else point_line(p) for p in chosen]
    if not text and not points:
        return None
    if title and text and bare(text[0]).startswith(bare(title)):  # the first line says the title whole
        title = ""
    figures: list[Figure] = []
    whole = len(text) == len(sentences)
    for figure in idea.figures:
        if shows is None or not shows(figure.block):
            continue
        before = len(text) if figure.coda else sum(1 for t in idea.sentences[: figure.after] if t in sentences)
        if before < len(text) or (before == len(text) and (whole or not figure.coda)):
            figures.append(Figure(figure.block, min(before, len(text))))
    return Slot(role, title, tuple(text), tuple(points), (idea.id,), numbered=numbered, figures=tuple(figures))
