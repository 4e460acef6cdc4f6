"""Stage 5, insights: a parsed note (+ its roots) → atomic `Insight`s.

Cutting follows how the author writes (see `tasks.insight.cut`): a lead-in takes the
points that complete it, a short label heads what follows, nested bullets stay with their
parent, `####` lines between bullets are quotes, a small `###` sub-section of a structured
note (a principle, a case) is one insight, task items form a checklist, and navigation
sections give no insights. Types come from the shape and words of the cut
(`insight_kind`), roots from `tasks.roots.tags` (each with a reason and a score).
Ids hash the note path and the normalised text, so an insight keeps its id when others move.

Process logs (dated entries of did/why/failure/pivot/learned/next) are cut by their own
module; `extract_insights` hands them over before any of this runs.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Sequence
from dataclasses import replace

from tasks.insight.cut import Cut, cut_section
from tasks.insight.kind import insight_type
from tasks.model import Block, Insight, NoteRoots, ParsedNote, RootIndex
from tasks.nlp import korean
from tasks.roots.tags import link_context, tag_insight
from tasks.vault.read import nfc

RICH_KINDS = frozenset({"code", "table", "image", "math"})
"""Blocks that are content but not sentences: each goes with the insight next to it."""
NOT_WORDS = re.compile(r"`+[^`\n]*`+|https?://\S+|www\.\S+|\$[^$\n]+\$|#[0-9a-fA-F]{3,8}\b")
"""Inline code, URLs, math and CSS colours: never keywords or hashtags."""
TITLE_MAX = 40
HASHTAGS_MAX = 6
"""Hashtag candidates per insight (roots first, then noun phrases and nouns)."""


def attach_blocks(parsed: ParsedNote, insights: Sequence[Insight]) -> tuple[Insight, ...]:
    """Every code, table, image and math block of a non-navigation section, given to one insight: the
    last insight of its section that starts before it, else the section's first, else the last
    insight before it in the note, else the first after it. None is dropped while the note has an insight.

    Linear in the note (insights looked up by section title, then by line): a 2 MB note has thousands."""
    if not insights:
        return tuple(insights)
    given: dict[int, list[Block]] = {}
    starts = [i.lines[0] for i in insights]
    by_title: dict[str, list[int]] = {}
    for n, insight in enumerate(insights):
        by_title.setdefault(insight.section, []).append(n)
    for section in parsed.sections:
        rich = [b for b in section.blocks if b.kind in RICH_KINDS and (b.kind == "image" or b.text.strip())]
        if section.navigation or not rich:
            continue
        first, last = section.lines
        own = [n for n in by_title.get(section.title, ()) if first <= starts[n] <= last]
        own_starts = [starts[n] for n in own]
        for block in rich:
            line = block.lines[0]
            at = bisect.bisect_right(own_starts, line)
            if at:
                target = own[at - 1]
            elif own:
                target = own[0]
            else:
                target = max(0, bisect.bisect_right(starts, line) - 1)
            given.setdefault(target, []).append(block)
    return tuple(replace(i, blocks=tuple(given[n])) if n in given else i for n, i in enumerate(insights))


def insight_id(path: str, text: str) -> str:
    """Stable id from the note path and the whitespace-normalised text."""
    normal = re.sub(r"\s+", " ", nfc(text)).strip()
    return "ins-" + hashlib.sha256(f"{path}\n{normal}".encode()).hexdigest()[:10]


def short_title(text: str) -> str:
    """The first line when it is short (about `TITLE_MAX` characters), else its first whole
    sentence: never a sentence cut off with "…" (spec/editorial.md)."""
    first = text.strip().split("\n", 1)[0].strip(" -:")
    if len(first) <= TITLE_MAX:
        return first
    number = re.match(r"\d+[.)]\s+", first)  # `1. Self: …`: the numbering is no sentence of its own
    head = number.group(0) if number else ""
    sentences = korean.sentences(first[len(head) :])
    return head + sentences[0].strip() if sentences else first


def hashtags(root_slugs: Sequence[str], text: str, keywords: Sequence[str]) -> tuple[str, ...]:
    """Hashtag candidates: the insight's roots, its noun phrases, its keywords; no spaces,
    hyphens or trailing particles, each once."""
    phrases = [p for p in korean.noun_phrases(text) if len(p) <= 12][:2]
    raw = [*(s.replace("-", "") for s in root_slugs), *phrases, *keywords[:3]]
    tags = [korean.hashtag(t) for t in raw]
    return tuple(dict.fromkeys(t for t in tags if len(t) > 1))[:HASHTAGS_MAX]


def _text(cut: Cut) -> str:
    texts = [b.text for b in cut.blocks if b.text]
    if cut.whole_section and cut.section.title:
        texts.insert(0, cut.section.title)
    return "\n".join(texts)


def _points(cut: Cut) -> tuple[str, ...]:
    """Every line after the insight's first one (nested examples included) when the insight
    is a list; channels show them as bullets, so none may be left out."""
    rest = cut.blocks if cut.whole_section and cut.section.title else cut.blocks[1:]
    if not any(b.kind in ("item", "task") for b in rest):
        return ()
    return tuple(b.text for b in rest if b.text)


def make_insight(
    parsed: ParsedNote,
    cut: Cut,
    note_roots: NoteRoots,
    index: RootIndex,
    context: dict[str, frozenset[str]] | None = None,
) -> Insight:
    """One insight from a cut (`context`: the note's `link_context`, computed once)."""
    text = _text(cut)
    start = cut.section.lines[0] if cut.whole_section and cut.section.level else min(b.lines[0] for b in cut.blocks)
    lines = (start, max(b.lines[1] for b in cut.blocks))
    kind = insight_type(cut)
    points = _points(cut)
    keywords = korean.nouns(NOT_WORDS.sub(" ", text))
    roots = tag_insight(text, lines[0], parsed.note.path, note_roots, index, context)
    slugs = tuple(dict.fromkeys(t.slug for t in roots))
    label = cut.section.title if cut.whole_section and kind == "case" else text
    return Insight(
        id=insight_id(parsed.note.path, text),
        type=kind,
        title=short_title(label),
        text=text,
        lines=lines,
        section=cut.section.title,
        roots=roots,
        keywords=keywords,
        hashtags=hashtags(slugs, NOT_WORDS.sub(" ", text), keywords),
        points=points,
    )


def cuts(parsed: ParsedNote) -> tuple[Cut, ...]:
    """Every cut of a (non-process-log) note, in document order; navigation sections skipped."""
    return tuple(cut for section in parsed.sections if not section.navigation for cut in cut_section(section))


def extract_insights(parsed: ParsedNote, note_roots: NoteRoots, index: RootIndex) -> tuple[Insight, ...]:
    """All insights of a note, in document order, ids unique."""
    if parsed.note.kind == "process-log":  # dated entries → typed did/why/failure/… insights
        from tasks.process.story import note_insights

        return note_insights(parsed, note_roots, index)
    out: list[Insight] = []
    seen: set[str] = set()
    context = link_context(parsed.note.text, note_roots, index)
    note_cuts = cuts(parsed)
    for cut in note_cuts:
        insight = make_insight(parsed, cut, note_roots, index, context)
        if not insight.text.strip():
            continue
        if insight.id in seen:  # the same words twice in one note: keep both, distinct ids
            insight = replace(insight, id=f"{insight.id}-{insight.lines[0]}")
        seen.add(insight.id)
        out.append(insight)
    return attach_blocks(parsed, out)
