"""Stage 4, insights: a parsed note (+ its roots) → atomic `Insight`s.

Cutting follows how the author writes (shared spec vault.md): a top-level bullet with its
nested bullets is one thought; a lead-in bullet (`이유는`, `아웃풋 이코노미에서 중요한건`) takes
the points that complete it; `####` lines between bullets are quotes; a small `###`
subsection of a structured note (a principle, a case) is one insight; task items form a
checklist; navigation sections give no insights. Ids hash the note path and the
normalised text, so an insight keeps its id when others move.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence

from prefect import task

from tasks import korean
from tasks.model import Block, Insight, NoteRoots, ParsedNote, RootIndex, RootTag, Section
from tasks.read import nfc
from tasks.roots import match_text

LEAD_IN_END = re.compile(r"(는|은|이유는|중요한건|중요한 것|법칙|원리|방법|:|：)$")
SENTENCE_END = re.compile(r"[.!?。…\"'”’)]$|다$|요$")
SMALL_SECTION_BLOCKS = 12
"""A sub-section with at most this many blocks is one insight (a principle, a case)."""
TITLE_MAX = 40
CASE_SECTION = re.compile(r"사례|case", re.IGNORECASE)
FRAMEWORK_TITLE = re.compile(r"\d+\s*가지|법칙|원리|구조|단계|프레임워크|framework", re.IGNORECASE)


def insight_id(path: str, text: str) -> str:
    """Stable id from the note path and the whitespace-normalised text."""
    normal = re.sub(r"\s+", " ", nfc(text)).strip()
    return "ins-" + hashlib.sha256(f"{path}\n{normal}".encode()).hexdigest()[:10]


def short_title(text: str) -> str:
    """First line, cut at a word boundary to about `TITLE_MAX` characters."""
    first = text.strip().split("\n", 1)[0].strip(" -:")
    if len(first) <= TITLE_MAX:
        return first
    cut = first[:TITLE_MAX].rsplit(" ", 1)[0]
    return (cut or first[:TITLE_MAX]) + "…"


def is_lead_in(block: Block) -> bool:
    """A bullet that announces what follows (`이유는`, `라쿠텐 인기가게의 3가지 법칙`)."""
    text = block.text.strip()
    if not text or "\n" in text or block.ordered:
        return False
    return bool(LEAD_IN_END.search(text)) or (len(text) <= 20 and not SENTENCE_END.search(text))


def _item_groups(blocks: Sequence[Block]) -> Iterator[list[Block]]:
    """Top-level items with their nested items; a lead-in takes its numbered points."""
    group: list[Block] = []
    for block in blocks:
        starts_new = block.depth == 0
        if starts_new and group and is_lead_in(group[0]):
            followers = [b for b in group[1:] if b.depth == 0]
            takes = block.ordered if followers else True
            if followers and followers[0].ordered and not block.ordered:
                takes = False
            starts_new = not takes
        if starts_new and group:
            yield group
            group = []
        group.append(block)
    if group:
        yield group


def _kind(section: Section, blocks: Sequence[Block]) -> str:
    text = "\n".join(b.source for b in blocks)
    if all(b.kind == "task" for b in blocks):
        return "checklist"
    if "❌" in text and "✅" in text:
        return "contrast"
    if all(b.kind in ("quote", "heading") for b in blocks) or (
        len(blocks) == 1 and blocks[0].kind == "callout" and dict(blocks[0].meta).get("type") == "quote"
    ):
        return "quote"
    if CASE_SECTION.search(" ".join(section.path[:-1])):
        return "case"
    ordered = [b for b in blocks if b.ordered]
    if len(ordered) >= 2 or FRAMEWORK_TITLE.search(blocks[0].text.split("\n")[0]):
        return "framework"
    return "claim"


def _groups(section: Section) -> Iterator[list[Block]]:
    """Block groups of one section, each becoming one insight."""
    content = [b for b in section.blocks if b.kind not in ("hr", "html", "code")]
    if not content:
        return
    if section.level >= 3 and len(content) <= SMALL_SECTION_BLOCKS:
        yield content
        return
    run: list[Block] = []
    for block in content:
        if block.kind in ("item", "task") and (not run or run[0].kind == block.kind):
            run.append(block)
            continue
        if run:
            yield from (_item_groups(run) if run[0].kind == "item" else [run])
            run = []
        if block.kind in ("item", "task"):
            run = [block]
        else:
            yield [block]
    if run:
        yield from (_item_groups(run) if run[0].kind == "item" else [run])


def _roots_for(text: str, line: int, note_roots: NoteRoots, index: RootIndex) -> tuple[RootTag, ...]:
    text_tags = match_text(text, index, line)
    found = {t.slug for t in text_tags}
    inherited = tuple(
        RootTag(t.slug, t.reason, t.evidence, t.line, round(t.score * 0.5, 3))
        for t in note_roots.tags
        if t.slug not in found
    )
    merged: dict[tuple[str, str], RootTag] = {}
    for tag in (*text_tags, *inherited):
        merged.setdefault((tag.slug, tag.reason), tag)
    return tuple(merged.values())


def make_insight(
    parsed: ParsedNote, section: Section, blocks: Sequence[Block], note_roots: NoteRoots, index: RootIndex
) -> Insight:
    """One insight from a block group."""
    kind = _kind(section, blocks)
    texts = [b.text for b in blocks if b.text]
    if section.level >= 3 and kind != "quote" and section.title and len(blocks) > 1:
        texts.insert(0, section.title)
    text = "\n".join(texts)
    lines = (min(b.lines[0] for b in blocks), max(b.lines[1] for b in blocks))
    points = tuple(b.text for b in blocks[1:] if b.kind in ("item", "task") and b.text)
    keywords = korean.nouns(text)
    slugs = [t.slug for t in _roots_for(text, lines[0], note_roots, index)]
    hashtags = tuple(dict.fromkeys([korean.hashtag(s) for s in slugs] + [korean.hashtag(k) for k in keywords[:3]]))
    return Insight(
        id=insight_id(parsed.note.path, text),
        type=kind,
        title=short_title(section.title if kind == "case" and section.level >= 3 else text),
        text=text,
        lines=lines,
        section=section.title,
        roots=_roots_for(text, lines[0], note_roots, index),
        keywords=keywords,
        hashtags=tuple(h for h in hashtags if h),
        points=points,
    )


def extract_insights(parsed: ParsedNote, note_roots: NoteRoots, index: RootIndex) -> tuple[Insight, ...]:
    """All insights of a note, in document order, ids unique."""
    if parsed.note.kind == "process-log":  # dated entries → typed did/why/failure/… insights
        from tasks.story import note_insights

        return note_insights(parsed, note_roots, index)
    out: list[Insight] = []
    seen: set[str] = set()
    for section in parsed.sections:
        if section.navigation:
            continue
        for group in _groups(section):
            insight = make_insight(parsed, section, group, note_roots, index)
            if not insight.text.strip():
                continue
            if insight.id in seen:  # the same words twice in one note: keep both, distinct ids
                insight = _with_id(insight, f"{insight.id}-{insight.lines[0]}")
            seen.add(insight.id)
            out.append(insight)
    return tuple(out)


def _with_id(insight: Insight, new_id: str) -> Insight:
    from dataclasses import replace

    return replace(insight, id=new_id)


@task(name="extract-insights")
def extract_insights_task(parsed: ParsedNote, note_roots: NoteRoots, index: RootIndex) -> tuple[Insight, ...]:
    """Prefect task: cut a note into insights."""
    return extract_insights(parsed, note_roots, index)
