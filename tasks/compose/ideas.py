"""Insights → ideas: the author's words regrouped into complete, nameable ideas.

An insight records lines; an idea says how a reader meets them: an optional short `name` (a
label such as `Self Us Now`, a small section's heading, a lead-in such as `아웃풋 이코노미에서
중요한건`), whole `sentences`, a list of `points` (each with its nested examples), and a `coda`
(lines after the list). Nothing is cut: a text that does not fit a slot is split at sentence
boundaries or left out by the channel, never clipped with `…`.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from tasks.compose.logistics import set_aside
from tasks.model import Block, Insight, ParsedNote
from tasks.nlp import korean

NAME_MAX = 32
"""A name is a short line: at most this many characters."""
NUMBER = re.compile(r"^\s*(\d{1,2})[.)]\s+")
BACKREF = re.compile(
    r"^(이게|이것이|이것은|이건|이는|그들은|즉|요컨대|그렇기 때문에|this|that|these|it)(?=[\s,.]|$)", re.I
)
TAG_LINE = re.compile(r"^(#[^\s#]+\s*)+$")
QUOTE_KINDS = frozenset({"quote", "heading", "callout"})
QUOTE_MARKED = re.compile(r"^[\"“「『'‘].+[\"”」』'’][.!?]?(\s*[-–—―].{1,40})?$")
"""A line wholly in quotation marks (maybe with its speaker after a dash): marked as a quotation."""
SKIPPED = frozenset({"hr", "html", "code", "table", "image", "math", "footnote"})
ASIDE_CALLOUTS = frozenset({"info", "tip", "note", "cite", "abstract", "summary", "todo", "example"})
"""Callouts that set a note's context or give a reference: never a post's lead or hook."""
CONTEXT_CALLOUTS = frozenset({"info", "note", "cite", "abstract", "summary"})
"""Callouts that only say where the note comes from or what it is about: never a letter's takeaway."""
TYPE_WEIGHT = {
    "framework": 3.0,
    "contrast": 2.6,
    "case": 2.2,
    "checklist": 2.0,
    "definition": 1.9,
    "quote": 1.8,
    "claim": 1.6,
    "question": 1.4,
}


@dataclass(frozen=True, slots=True)
class Point:
    """One item of an idea's list."""

    text: str
    """The item as written, its list number removed."""
    number: int = 0
    """Its number (`1.`, `2)`) when the author numbered it; 0 otherwise."""
    children: tuple[str, ...] = ()
    """Nested items under it (examples, details), in order."""


@dataclass(frozen=True, slots=True)
class Figure:
    """A code, table, image or math block of an idea, and where it stands among the idea's words."""

    block: Block
    """The block (kind `code`, `table`, `image` or `math`)."""
    after: int
    """How many of the idea's sentences (or, when `coda`, of its coda sentences) come before it."""
    coda: bool = False
    """True when it comes after the idea's list (among the coda)."""


@dataclass(frozen=True, slots=True)
class Idea:
    """One complete idea of the note, ready to be placed in a slot."""

    id: str
    """Id of the insight it comes from."""
    type: str
    """The insight's type (`claim`, `framework`, `quote`, …)."""
    name: str
    """A short name of the idea (label, heading, lead-in, or its first sentence when short); may be ""."""
    named: bool
    """True when `name` is a line of its own (label, heading, lead-in), not the first sentence."""
    sentences: tuple[str, ...]
    """Body sentences in order, whole (the first may equal `name` when `named` is False)."""
    intro: str
    """A lead-in line that introduces `points` (`이유는`), when it is not the name; "" otherwise."""
    points: tuple[Point, ...]
    """The idea's list, when it has one."""
    coda: tuple[str, ...]
    """Sentences after the list."""
    quote: bool
    """True for a quotation or highlighted passage (`####` line, `>` quote)."""
    item: bool
    """True when the idea is one list item of the note (no name, no list of its own): a run of them
    reads as the author's list."""
    section: str
    """Title of the note section it comes from."""
    path: tuple[str, ...]
    """Titles of the enclosing sections, outermost first."""
    level: int
    """Heading level of that section (0: the preamble)."""
    lines: tuple[int, int]
    """1-based inclusive line span in the source note."""
    roots: tuple[str, ...]
    """Root slugs of the insight."""
    root_strength: float
    """How strongly the idea itself speaks of its roots (text and link evidence; 0 when none)."""
    score: float
    """How much the idea deserves a slot (type, completeness, roots); higher is better."""
    figures: tuple[Figure, ...] = ()
    """The code, tables, images and math the idea carries (its insight's `blocks`), in order."""
    callout: str = ""
    """The callout type (`info`, `tip`, `note`, `cite`, `warning`…) when the idea is one callout; "" otherwise."""
    cited: bool = False
    """True when the note marks the text as someone else's words: a `>` quote or quote callout, or a
    highlighted line in quotation marks. A `####` line of the author's own is a pull-quote, not cited."""

    @property
    def body(self) -> tuple[str, ...]:
        """The sentences a slot shows under `name` (the first sentence left out when it is the name)."""
        if self.name and not self.named and self.sentences and bare(self.sentences[0]) == bare(self.name):
            return self.sentences[1:]
        return self.sentences

    @property
    def text(self) -> str:
        """Everything the idea says, one line per sentence or point (for length budgets and notes)."""
        parts = [*(() if not self.named else (self.name,)), *self.sentences, self.intro]
        parts += [p.text for p in self.points] + list(self.coda)
        return "\n".join(p for p in parts if p)

    @property
    def size(self) -> int:
        """Characters of everything the idea says."""
        return len(self.text)


def bare(text: str) -> str:
    """The text on one line without its closing punctuation (to compare a title with a sentence)."""
    return re.sub(r"[\s.!?。]+$", "", plain(text))


def plain(text: str) -> str:
    """One line: whitespace runs as one space; inline `#tags` lose their `#`."""
    text = re.sub(r"(?<![\w#&])#(?=[^\s#\d])", "", text)
    return re.sub(r"\s+", " ", text).strip()


JOINS_NEXT = re.compile(r"(→|->|=>|[:=+&/-])$")
"""A sentence ending in an arrow or a colon points at what follows it (`… 공개한다 → OSMU 제작기`)."""


def split_sentences(text: str) -> tuple[str, ...]:
    """Whole sentences of a line of the note (the analyser's boundaries; a part ending in an arrow
    or a colon stays with what follows it)."""
    out: list[str] = []
    for sentence in (plain(s) for s in korean.sentences(plain(text))):
        if not sentence:
            continue
        if out and JOINS_NEXT.search(out[-1]):
            out[-1] = f"{out[-1]} {sentence}"
        else:
            out.append(sentence)
    return tuple(out)


def _number(block: Block) -> tuple[int, str]:
    match = NUMBER.match(block.text)
    if match and (block.ordered or block.kind == "item"):
        return int(match.group(1)), block.text[match.end() :].strip()
    return 0, block.text.strip()


def says_something(sentence: str) -> bool:
    """A whole statement: a finished sentence or question, or a note-style line ending in a noun
    that is long enough to say something (`… 실습 과제로 공유 예정`), never a lead-in or a label."""
    end = korean.ending(sentence)
    return end in ("sentence", "question") or (end == "fragment" and len(plain(sentence)) >= 20)


def is_lead_in(text: str) -> bool:
    """A line that only announces what follows (`이유는`, `…에서 중요한건`, `Reasons:`)."""
    return korean.ending(text) == "lead"


def is_label(text: str) -> bool:
    """A short title-like line: no sentence ending, at most `NAME_MAX` characters."""
    line = plain(text)
    if not line or len(line) > NAME_MAX or "\n" in text.strip():
        return False
    if re.search(r"[.!?。…]$", line):
        return False
    return korean.ending(line) in ("fragment", "lead")


@dataclass(frozen=True, slots=True)
class NoteBlocks:
    """The note's content blocks in line order, and its sections, looked up by line (once per note:
    a 2 MB note has thousands of insights, and scanning every section for each was quadratic)."""

    starts: tuple[int, ...]
    """First line of each block, ascending."""
    blocks: tuple[Block, ...]
    """The blocks of the non-navigation sections, in the same order."""
    sections: tuple[tuple[int, int, str, tuple[str, ...]], ...]
    """(first line, last line, title, path) of every section, in document order."""

    @classmethod
    def of(cls, parsed: ParsedNote) -> NoteBlocks:
        """Index one parsed note."""
        found = sorted(
            dict.fromkeys(
                b
                for section in parsed.sections
                if not section.navigation
                for b in section.blocks
                if b.kind not in SKIPPED and b.text.strip()
            ),
            key=lambda b: b.lines,
        )
        spans = tuple((s.lines[0], s.lines[1], s.title, s.path) for s in parsed.sections)
        return cls(tuple(b.lines[0] for b in found), tuple(found), spans)

    def within(self, start: int, end: int) -> list[Block]:
        """The blocks that lie within lines `start`–`end`."""
        first = bisect.bisect_left(self.starts, start)
        last = bisect.bisect_right(self.starts, end)
        return [b for b in self.blocks[first:last] if b.lines[1] <= end]

    def path(self, insight: Insight) -> tuple[str, ...]:
        """Titles of the sections enclosing the insight's section."""
        line = insight.lines[0]
        for start, end, title, path in self.sections:
            if start <= line <= end and title == insight.section:
                return path
        return (insight.section,)


def _groups(blocks: Sequence[Block]) -> list[tuple[Block, list[Block]]]:
    """Top-level blocks, each with the nested items under it."""
    groups: list[tuple[Block, list[Block]]] = []
    for block in blocks:
        if block.depth > 0 and block.kind in ("item", "task") and groups:
            groups[-1][1].append(block)
        else:
            groups.append((block, []))
    return groups


def _strength(insight: Insight) -> float:
    evidence = [t.score for t in insight.roots if t.reason in ("text", "link")]
    return min(1.5, sum(evidence))


def _score(idea: Idea, insight: Insight) -> float:
    score = TYPE_WEIGHT.get(insight.type, 1.0)
    complete = any(says_something(s) for s in idea.sentences) or idea.quote
    if not complete and len(idea.points) < 2:
        score -= 1.2  # a fragment: a label or phrase with nothing complete to say
    if idea.named and len(idea.points) >= 2:
        score += 0.5
    if idea.sentences and BACKREF.match(idea.sentences[0]):
        score -= 0.8
    if idea.size < 14:
        score -= 0.8
    return round(score + 0.6 * idea.root_strength, 4)


SENTENCE_STOP = re.compile(r"[.!?。！？…]['\"’”』」)\]]*\s*$")
"""A line that ends as a sentence does (its full stop, maybe inside closing quotes or brackets)."""


def _runs_on(text: str, first: bool) -> bool:
    """Whether a bullet without a full stop would run into the next one as prose: any such bullet
    after the first; the first only when it is a statement (`… 없다`), not a heading-like line that
    names the idea (`열정적으로 공감하게 하라`)."""
    if SENTENCE_STOP.search(text):
        return False
    return not first or len(text) > NAME_MAX or text.rstrip().endswith("다")


def make_idea(insight: Insight, section_level: dict[str, int], note: NoteBlocks) -> Idea | None:
    """The idea of one insight; None when it says nothing a reader could use (a line of tags)."""
    groups = _groups(note.within(*insight.lines))
    if not groups:
        return None
    name, named = "", False
    first = groups[0][0]
    whole_section = first.lines[0] > insight.lines[0]  # the span starts at the section's heading
    if whole_section:
        name, named = NUMBER.sub("", insight.section).strip(), True
    quote = not whole_section and first.kind in QUOTE_KINDS and (first.kind != "callout" or insight.type == "quote")
    sentences: list[str] = []
    intro = ""
    points: list[Point] = []
    coda: list[str] = []
    lead_name = grouped = False
    # Bullets side by side (`- 바쁜 아침에는 그 3분이 없다` / `- 빈 노트가 … 쓰게 된다`) stay a list: run
    # together as sentences, bullets without a full stop read as one sentence that never ends.
    # Only plain bullets, and only when one of them has no full stop (bullets of whole sentences read
    # as prose); a numbered one or a lead-in (`이유는`) shapes the idea as the rules below say.
    bullets = (
        len(groups) > 1
        and all(
            b.kind in ("item", "task") and not _number(b)[0] and not is_lead_in(_number(b)[1]) and not is_label(b.text)
            for b, _ in groups
        )
        and any(_runs_on(plain(b.text), first=i == 0) for i, (b, _) in enumerate(groups[:-1]))
    )
    marks: list[tuple[int, int, bool, int]] = []  # (first line, sentences, points started, coda) before each group
    for index, (block, children) in enumerate(groups):
        marks.append((block.lines[0], len(sentences), bool(points), len(coda)))
        number, text = _number(block)
        if TAG_LINE.match(text.strip()):
            continue
        head = index == 0
        if not head and points and not quote and is_lead_in(text) and index + 1 < len(groups):
            # a second lead-in (`❌ …:` then `✅ …:`): each lead-in heads its own list
            if not grouped:
                label = name if lead_name else intro
                if label:
                    points = [Point(label, 0, tuple(point_line(p) for p in points))]
                    name, named, intro = ("", False, intro) if lead_name else (name, named, "")
                grouped = True
            points.append(Point(plain(text).rstrip(":：").strip()))
            continue
        if grouped and block.kind in ("item", "task"):
            last = points[-1]
            points[-1] = Point(last.text, last.number, (*last.children, point_line(Point(plain(text), number))))
            continue
        if head and not named and not quote and (is_label(text) or is_lead_in(text)) and (len(groups) > 1 or children):
            said = split_sentences(text)
            if len(plain(text)) <= NAME_MAX or len(said) < 2:
                name, named = plain(text).rstrip(":：").strip(), True
                lead_name = is_lead_in(text)
            else:  # sentences ending in a lead-in (`… 느낍니다. 특히 AI 시대에는:`): say them, introduce the list
                sentences += said[:-1]
                intro = said[-1].rstrip(":：").strip()
            points += [Point(plain(c.text)) for c in children]
            continue
        if (
            head
            and not named
            and not quote
            and not number
            and index + 1 < len(groups)
            and _number(groups[index + 1][0])[0] == 1
            and korean.ending(plain(text)) == "fragment"
        ):  # an unfinished line right before a list numbered from 1 announces it (`… rests on three habits`)
            intro = plain(text)
            continue
        listed = number > 0 or named or bool(intro) or bool(points)
        if not head and not listed and is_lead_in(text) and (index + 1 < len(groups) or children):
            intro = plain(text).rstrip(":：").strip()
            points += [Point(plain(_number(c)[1]), _number(c)[0]) for c in children]
            continue
        if block.kind == "task" or (block.kind == "item" and (number > 0 or bullets or (not head and listed))):
            points.append(Point(plain(text), number, tuple(plain(c.text) for c in children)))
            continue
        said = split_sentences(text)
        if points:
            coda += said
        else:
            sentences += said
        points += [Point(plain(_number(c)[1]), _number(c)[0]) for c in children]
    if not name and not quote and sentences and len(sentences[0]) <= NAME_MAX and (len(sentences) > 1 or points):
        name = bare(sentences[0])
        if first.kind in ("item", "task") and len(groups) > 1 and not SENTENCE_STOP.search(plain(sentences[0])):
            # a heading-like bullet without a full stop (`열정적으로 공감하게 하라`) names what follows;
            # said as prose it would run into the next sentence
            named, sentences = True, sentences[1:]
    marks.append((insight.lines[1] + 10**9, len(sentences), bool(points), len(coda)))
    figures = tuple(_figure(b, marks) for b in insight.blocks)
    idea = Idea(
        id=insight.id,
        type=insight.type,
        name=name,
        named=named,
        sentences=tuple(sentences),
        intro=intro,
        points=tuple(points),
        coda=tuple(coda),
        quote=quote,
        item=first.kind in ("item", "task") and not named and not points and len(groups) == 1,
        section=insight.section,
        path=note.path(insight),
        level=section_level.get(insight.section, 0),
        lines=insight.lines,
        roots=insight.root_slugs,
        root_strength=_strength(insight),
        score=0.0,
        figures=figures,
        callout=first.get("type") if first.kind == "callout" and len(groups) == 1 else "",
        cited=quote and (first.kind != "heading" or bool(QUOTE_MARKED.match(first.text.strip()))),
    )
    if not idea.text.strip() and not figures:
        return None
    return replace(idea, score=_score(idea, insight))


def _figure(block: Block, marks: Sequence[tuple[int, int, bool, int]]) -> Figure:
    """Where a block stands: before the first group of the idea that starts after it."""
    _, said, listed, coda = next((m for m in marks if m[0] > block.lines[0]), marks[-1])
    return Figure(block, coda if listed else said, listed)


def point_line(point: Point) -> str:
    """A point as one line (its number kept when the author numbered it)."""
    return f"{point.number}. {point.text}" if point.number else point.text


def ideas_of(parsed: ParsedNote, insights: Sequence[Insight], keep_logistics: bool = False) -> tuple[Idea, ...]:
    """Every idea of the note a reader could use, in the note's order: the author's own logistics (the
    date of her talk, her equipment, rules for her own slides, to-dos addressed to herself; see
    `tasks.compose.logistics`) are left out of every channel unless `keep_logistics`."""
    if keep_logistics:
        return _made(parsed, insights)
    return ideas_and_logistics(parsed, insights)[0]


def ideas_and_logistics(parsed: ParsedNote, insights: Sequence[Insight]) -> tuple[tuple[Idea, ...], tuple[Idea, ...]]:
    """(the ideas a reader could use, the author's logistics left out of every channel), in the note's
    order (see `ideas_of`)."""
    levels = {s.title: s.level for s in parsed.sections}  # by title: an insight names its section
    return set_aside(_made(parsed, insights), levels)


def _made(parsed: ParsedNote, insights: Sequence[Insight]) -> tuple[Idea, ...]:
    levels = {s.title: s.level for s in parsed.sections}  # by title: an insight names its section
    note = NoteBlocks.of(parsed)
    return tuple(i for i in (make_idea(i, levels, note) for i in insights) if i is not None)
