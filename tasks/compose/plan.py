"""The plan of one output: frozen slots (hook, ideas, takeaway, call to action…) and how they are chosen.

A channel's `plan()` (tasks/channels/<name>.py) fills slots from the note's outline with the
budgets of its channel.yaml; its templates render the slots; the manifest records which insight
fills which slot. An LLM polish may reword a slot's text; it never adds, drops or moves a slot.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tasks.compose.ideas import BACKREF, Figure, Idea, Point, bare, point_line, says_something
from tasks.compose.outline import CONNECTIVE, Chapter, Outline, idea_title
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


CASE = re.compile(r"^(사례|예시|예|저자가 든 예|case|example|for the)\b|사례:", re.I)
"""A name or section that announces a case (`사례: 옆 건물 화장품 팝업`, `For the cafe`)."""
FAILURE = re.compile(r"실패|망했|버린|fail|went wrong|mistake", re.I)
"""Words of a failure told as a story (`발효에 실패한 배치`, `the batch that went wrong`)."""
SELF_CHECK = re.compile(r"(는가|었는가|했는가|인가|나)\?$")
"""How the author's check question to herself ends (`…하나 정했는가?`)."""
THESIS_TYPES = frozenset({"claim", "definition", "question", "contrast"})
"""Idea types that can carry the note's thesis (a claim said in sentences)."""


def main_root(ideas: Sequence[Idea]) -> str:
    """The note's main root concept: the root most of its ideas carry (ties: the one they speak of
    most strongly); "" when no idea has a root."""
    count: Counter[str] = Counter(r for i in ideas for r in i.roots)
    strength: dict[str, float] = {}
    for idea in ideas:
        for root in idea.roots:
            strength[root] = strength.get(root, 0.0) + idea.root_strength
    if not count:
        return ""
    return max(count, key=lambda r: (count[r], strength[r]))


def premises(outline: Outline) -> dict[str, Idea]:
    """Insight id → the idea right before it in the note, for every idea that opens by pointing
    back (`그래서 …`, `이게 …`, `So …`) to that idea (a few sentences, no list, same section); one
    pass over the note."""
    out: dict[str, Idea] = {}
    for before, idea in zip(outline.ideas, outline.ideas[1:], strict=False):
        first = idea.sentences[0] if idea.sentences else ""
        if not first or not (CONNECTIVE.match(first) or BACKREF.match(first)):
            continue
        if before.section != idea.section or before.points or before.quote or not before.sentences:
            continue
        out[idea.id] = before
    return out


def premise_of(outline: Outline, idea: Idea) -> Idea | None:
    """The idea `idea` points back to (`premises`), or None."""
    return premises(outline).get(idea.id)


def _single_line(idea: Idea) -> bool:
    """A claim said in one line (no name, no list, one sentence): fills what is left."""
    return not idea.points and not idea.named and not idea.quote and len(idea.sentences) <= 1


def _case(idea: Idea) -> bool:
    """A case or a failure told as a story (`사례: …`, `The Seth Godin test` typed a case, `발효에
    실패한 배치를 …`)."""
    if idea.quote:
        return False
    named = idea.name if idea.named else ""
    return (
        idea.type == "case"
        or bool(CASE.search(named) or CASE.search(idea.section))
        or any(FAILURE.search(t) for t in idea.sentences)
    )


def _says(idea: Idea) -> bool:
    """Whether the idea says something whole: a finished sentence, or a list of them."""
    return any(says_something(t) for t in (*idea.sentences, *(p.text for p in idea.points)))


def _self_check(idea: Idea) -> bool:
    """A checklist the author addresses to herself (`… 정했는가?` items): fills last."""
    return len(idea.points) >= 2 and all(SELF_CHECK.search(p.text.strip()) for p in idea.points)


def _section(idea: Idea) -> tuple[str, ...]:
    """The `##` section an idea stands in (its deeper headings belong to it); () for the lines
    before the first heading, which are no section of their own."""
    return idea.path[:2] if idea.level >= 2 else ()


def core_order(outline: Outline, usable: Callable[[Idea], bool] = lambda i: True) -> tuple[Idea, ...]:
    """The usable ideas in the order a short channel fills its slots: the note's top framework,
    its thesis (the claim that carries the note's main root concept, after the premise it points
    back to), one case or failure, then ideas of several lines or a list, and only then one-line
    claims (each group strongest first). Every `##` section gets one slot before any section gets
    a second: an idea whose section already has one waits until every section has one (a one-line
    claim, a checklist the author addresses to herself or a line before the first heading never
    claims a section's slot: they fill what is left)."""
    ideas = [i for i in outline.ideas if usable(i)]
    strongest = sorted(ideas, key=lambda i: (-i.score, i.lines[0]))
    frameworks = [i for i in strongest if i.type == "framework" and i.points]
    root = main_root(ideas)
    cases = [i for i in strongest if _case(i)]
    theses = sorted(
        (i for i in ideas if root in i.roots and i.type in THESIS_TYPES and not i.quote and not _case(i) and _says(i)),
        key=lambda i: (-i.root_strength, -i.score, i.lines[0]),
    )
    order: list[Idea] = []
    added: set[str] = set()
    before = premises(outline)

    def add(idea: Idea) -> None:
        if idea.id in added:
            return
        premise = before.get(idea.id)
        if premise is not None and premise.id not in added and usable(premise):
            order.append(premise)
            added.add(premise.id)
        order.append(idea)
        added.add(idea.id)

    for group in (frameworks, theses, cases):  # the first of each not placed yet
        for idea in group[:1] if group is not cases else [next((c for c in cases if c.id not in added), None)]:
            if idea is not None:
                add(idea)
    for idea in sorted(strongest, key=lambda i: (_self_check(i), _single_line(i))):  # stable: strongest first
        add(idea)
    first: list[Idea] = []
    later: list[Idea] = []
    seen: set[tuple[str, ...]] = set()
    for idea in order:
        key = _section(idea)
        if not key or key in seen or _single_line(idea) or _self_check(idea):
            later.append(idea)  # a one-line claim or a check to herself never claims a section's slot
        else:
            first.append(idea)
            seen.add(key)
    # a premise stays right before the idea that points back to it
    before = premises(outline)
    follower = {p.id: i for i, p in ((i, before.get(i.id)) for i in order) if p is not None}
    out: list[Idea] = []
    placed: set[str] = set()
    for idea in [*first, *later]:
        if idea.id in placed:
            continue
        out.append(idea)
        placed.add(idea.id)
        after = follower.get(idea.id)
        if after is not None and after.id not in placed:
            out.append(after)
            placed.add(after.id)
    return tuple(out)
