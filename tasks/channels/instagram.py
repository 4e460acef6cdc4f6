"""Instagram preparer: posts (one per insight group), hooks, captions, slides and PNG images.

A process log becomes one carousel opening on its failure or pivot instead: `prepare_story`.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import partial
from typing import Any

from tasks.builders.carousel import Slide, find_font, slide_image
from tasks.compose.ideas import NUMBER, Idea, bare, is_lead_in, plain, point_line
from tasks.compose.outline import Outline, idea_title
from tasks.compose.plan import Plan, Slot, TooLittle, chapter_of, core_order, idea_slot, premises
from tasks.lint.rules import particle_start
from tasks.model import Insight
from tasks.nlp import korean
from tasks.nlp.korean import hashtag, noun_phrases
from tasks.process.story import KIND_LABELS
from tasks.process.telling import hook_body, hook_head, hook_line, says, story_context
from tasks.render.blocks import spoken
from tasks.render.channel import ChannelSpec
from tasks.render.filters import whole

# English words too common to be a hashtag (Korean keywords come from Kiwi nouns already).
STOP_EN = frozenset(
    (  # noqa: SIM905 - one readable block of words
        "the and for with that this what when where which while your you their "
        "they them there these those most more much many some from into about have "
        "has had was were will would could should been being than then also just "
        "only very each every other tell name make made does did done people thing "
        "things"
    ).split()
)
# Tags that file a note in the vault rather than say what it is about.
FILING_TAGS = frozenset(
    {
        "root",
        "roots",
        "moc",
        "index",
        "inbox",
        "daily",
        "todo",
        "draft",
        "books",
        "book",
        "project",
        "insights",
        "insight",
        "notes",
        "note",
        "process",
        "knowledge",
        "reading",
        "learning",
        "archive",
        "projects",
    }
)
# Tags that say what kind of note it is (`#article`, `#메모`), not what it is about: never a hashtag.
NOTE_KINDS = frozenset(
    (  # noqa: SIM905 - one readable block of words
        "article articles essay essays memo memos seminar seminars consulting booknotes bookreview talks "
        "talk lecture review journal diary processlog todo todos 메모 에세이 독서 독서노트 독서기록 서평 "
        "후기 강연 세미나 할일 투두 컨설팅 프로젝트 회고 일기 일지 아티클"
    ).split()
)


HEX = re.compile(r"^[0-9a-fA-F]{3}$|^[0-9a-fA-F]{6}$")
FILEISH = frozenset(
    {"exported", "export", "png", "jpg", "jpeg", "gif", "webp", "md", "pdf", "http", "https", "www", "com",
     "img", "image", "file", "attachment", "canvas", "excalidraw"}
)  # fmt: skip


def plain_tag(word: str) -> str:
    """A hashtag body, or "" when the word would make a bad hashtag (a number, a colour, a file-ish word)."""
    tag = hashtag(word)
    tag = tag[: particle_start(tag)]
    if len(tag) < 2 or tag.isdigit() or HEX.match(tag) or tag.lower() in FILEISH or tag.lower() in STOP_EN:
        return ""
    return tag


def choose_hashtags(outline: Outline, note_tags: list[str], brand: str, limit: int) -> list[str]:
    """At most `limit` hashtags: the note's own tags, its root concepts, the brand list, then real nouns."""
    own = [t.rsplit("/", 1)[-1] for t in note_tags if t.rsplit("/", 1)[-1].lower() not in FILING_TAGS]
    roots = [r for i in outline.ideas for r in i.roots]
    nouns = [p for p in noun_phrases(" ".join(outline.hook_lines[:3])) if len(p) <= 10]
    brand_tags = brand.split()
    picked = [plain_tag(t) for t in (*brand_tags[:1], *own[:2], *roots, *own[2:], *brand_tags[1:], *nouns)]
    return list(dict.fromkeys(t for t in picked if t and not _kind_tag(t)))[:limit]


def _kind_tag(tag: str) -> bool:
    """Whether a hashtag names the note's kind (`article`, `book-notes`, `메모`) or its filing place."""
    key = re.sub(r"[-_\s]", "", tag.lower())
    return key in NOTE_KINDS or key in FILING_TAGS


def _usable(idea: Idea, outline: Outline, least: float = 1.0) -> bool:
    """An idea worth a slide: scores at least `least`, is not the cover's line alone."""
    if idea.score < least:
        return False
    return not (
        outline.hook and len(idea.sentences) == 1 and not idea.points and plain(idea.sentences[0]) == outline.hook
    )


def _paragraph(idea: Idea, hook: str, question: str = "", longest: int = 220) -> str:
    """One caption paragraph for an idea, the whole idea or nothing: all its sentences (a quote whole, a
    question with its answer), or its name and short points; "" when the hook or the closing question
    says part of it, or when it opens on a line that leans on one before it."""
    said = {bare(s) for s in (*idea.sentences, *(p.text for p in idea.points))}
    if bare(hook) in said or (question and bare(question) in said):
        return ""
    if idea.sentences and (META.match(plain(idea.sentences[0])) or dangles(idea.sentences[0]) or _logistics(idea)):
        return ""
    if idea.sentences and not idea.points and not idea.coda:
        text = " ".join(plain(s) for s in idea.sentences)
        if not is_lead_in(idea.sentences[-1]) and 8 <= len(text) <= longest:
            return text
        return ""
    if (
        idea.name
        and not idea.sentences
        and not idea.coda
        and idea.points
        and len(idea.points) <= 4
        and not any(p.children for p in idea.points)
        and all(len(p.text) <= 40 for p in idea.points)
    ):
        items = [plain(p.text) for p in idea.points]
        if all(re.search(r"[.!?？]$", t) for t in items):
            return f"{idea.name}: " + " ".join(items)
        return f"{idea.name}: " + ", ".join(t.rstrip(".") for t in items) + "."
    return ""


def caption_paragraphs(outline: Outline, ids: set[str], hook: str, most: int, question: str = "") -> list[Slot]:
    """Up to `most` paragraphs from the carousel's strongest ideas, in the note's order."""
    ideas = sorted((i for i in outline.ideas if i.id in ids), key=lambda i: -i.score)
    before = premises(outline)
    followers = {p.id: i for i in outline.ideas if (p := before.get(i.id)) is not None}
    ideas = [_with_follower(i, followers.get(i.id)) for i in ideas]
    made = [(i, text) for i in ideas if (text := _paragraph(i, hook, question))]
    if not made:  # the carousel's ideas are lists and long passages: the note's other whole ideas
        others = sorted(outline.ideas, key=lambda i: -i.score)
        made = [(i, text) for i in others if (text := _paragraph(i, hook, question, 400))]
    chosen = sorted(made[:most], key=lambda t: t[0].lines[0])
    return [Slot("paragraph", "", (text,), (), (i.id,)) for i, text in chosen]


def _with_follower(idea: Idea, follower: Idea | None) -> Idea:
    """A premise said with the idea that points back to it (`가격으로는 … 없다.` + `그래서 …`): a
    premise never stands alone in a caption."""
    if follower is None or idea.points or idea.coda or follower.points or follower.coda:
        return idea
    return replace(idea, sentences=(*idea.sentences, *follower.sentences))


def caption_hook(outline: Outline, hook: str, limit: int) -> str:
    """The caption's first line: the hook with the rest of its idea when the hook opens it and the whole
    idea fits before "…more" (`What do you do…? Record it anyway…`), else the hook alone."""
    idea = next((i for i in outline.ideas if i.sentences and bare(i.sentences[0]) == bare(hook)), None)
    if idea is None or idea.points or idea.coda or len(idea.sentences) < 2 or dangles(hook):
        return hook
    text = " ".join(plain(s) for s in idea.sentences)
    return text if len(text) <= limit else hook


def _questions(outline: Outline) -> list[str]:
    """The note's closing question first, then the note's other questions (not quotations); a
    question said after a colon (`He calls it …: who would miss you if you stopped?`) also on its own."""
    own: list[str] = []
    for idea in outline.ideas:
        if idea.quote:
            continue
        for s in (*idea.sentences, *(p.text for p in idea.points)):
            line = plain(s)
            if not line.endswith(("?", "？")):
                continue
            if 8 <= len(line) <= 80:
                own.append(line)
            clause = re.split(r":\s+", line)[-1]
            if clause != line and 8 <= len(clause) <= 80:
                own.append(clause[0].upper() + clause[1:])
    return [q for q in dict.fromkeys([outline.question, *own]) if q and not dangles(q)]


QUESTION_MAX = 100
"""A closing question longer than this (one that quotes a 2,000-character title) is not asked."""


def _answered(outline: Outline) -> dict[str, Idea]:
    """Questions the note answers (a sentence followed by another in its idea), each with its idea:
    the question and its answer are one unit, never a closing question on their own."""
    out: dict[str, Idea] = {}
    for idea in outline.ideas:
        for s in idea.sentences[:-1]:
            if plain(s).endswith(("?", "？")):
                out[bare(s)] = idea
    return out


def _ask(
    outline: Outline, hook: str, ideas: list[Slot], least: int, save: str, budget: int = 150, ask: str = ""
) -> tuple[str, list[Slot], Slot]:
    """The closing question, the idea slides and the closing slide. A question the note answers is
    never asked alone: it stays over its answer. The closing asks a question the note leaves open
    that no slide says; or one a slide says alone (that slide is left out); or the slide that says
    a question over its answer moves to the end and becomes the closing; or a question and its
    answer no slide says become the closing; else the reader is asked (`ask`). No line is said twice."""
    answered = _answered(outline)
    shown = {line for s in ideas for line in _lines(s)} | {bare(hook)}
    asked = [q for q in _questions(outline) if bare(q) != bare(hook) and len(q) <= QUESTION_MAX]
    for question in (q for q in asked if bare(q) not in answered):
        alone = [s for s in ideas if _lines(s) == [bare(question)]]
        if alone and len(ideas) - len(alone) >= least:
            return question, [s for s in ideas if s not in alone], Slot("cta", question, (save,))
        if bare(question) not in shown:
            return question, ideas, Slot("cta", question, (save,))
    for question in asked:
        holder = next((s for s in ideas if bare(question) in _lines(s)), None)
        if holder is None or len(ideas) - 1 < least:
            continue
        title, text = holder.title, list(holder.text)
        if not title and text:
            title, text = text[0], text[1:]
        if not title or (bare(question) in answered and not text):
            continue
        closing = replace(holder, role="cta", title=title, text=(*text, save))
        return question, [s for s in ideas if s is not holder], closing
    for question in asked:  # a question and its answer that no slide says: the closing says both
        idea = answered.get(bare(question))
        if idea is None or any(bare(t) in shown for t in idea.sentences):
            continue
        at = next(n for n, t in enumerate(idea.sentences) if bare(t) == bare(question))
        answer = tuple(plain(t) for t in idea.sentences[at + 1 :])
        if answer and sum(len(t) for t in answer) <= budget:
            return question, ideas, Slot("cta", question, (*answer, save), (), (idea.id,))
    fallback = [q for q in (*asked, ask) if q and bare(q) not in answered and bare(q) not in shown]
    question = fallback[0] if fallback else ask or outline.question
    return question, ideas, Slot("cta", question, (save,))


def _alt(number: int, total: int, slide: Slot) -> str:
    lines = [slide.title, *slide.text]
    for n, point in enumerate(slide.points):
        lines += [point, *(slide.sub[n] if n < len(slide.sub) else ())]
    return f"{number}/{total}. " + " ".join(line for line in lines if line)


COVER_REST_CHARS = 100
"""The rest of the hook's idea goes under the hook on the cover when it is this short."""


def cover_rest(outline: Outline, hook: str) -> tuple[str, ...]:
    """The sentences that finish the hook's idea (`Every post is also an archive entry.` → `In a
    year, the back catalogue does the selling.`; a question → its answer), said under the hook on
    the cover so no slide says them away from it; () when the idea has a list or is too long."""
    idea = next((i for i in outline.ideas if i.sentences and bare(i.sentences[0]) == bare(hook)), None)
    if idea is None or idea.points or idea.coda or idea.quote or len(idea.sentences) < 2:
        return ()
    rest = tuple(plain(t) for t in idea.sentences[1:])
    return rest if sum(len(t) for t in rest) <= COVER_REST_CHARS else ()


def _cover(outline: Outline, hook: str, ideas: list[Slot], labels: dict[str, Any]) -> Slot:
    """The hook in large type over the rest of its idea, else over the book (or the note's title); a note
    without a hook line opens on its title over its first idea's name."""
    sub = labels["carousel_book"].format(work=outline.attribution.work) if outline.book else outline.title
    said = {i for s in ideas for i in s.insights}
    if (rest := cover_rest(outline, hook)) and not (outline.hooks and outline.hooks[0].id in said):
        return Slot("cover", hook, rest, (), (outline.hooks[0].id,) if outline.hooks else ())
    ids = (outline.hooks[0].id,) if outline.hooks else ()
    if not hook or bare(hook) == bare(outline.title):
        first = next((s.title or s.text[0] for s in ideas if s.title or s.text), "")
        return Slot("cover", outline.title, (first,) if first else (), (), ideas[0].insights if ideas else ())
    return Slot("cover", hook, (sub,) if bare(sub) != bare(hook) else (), (), ids)


DANGLING = re.compile(
    r"^(그래서|하지만|그러나|따라서|그렇기|그리고|또한|즉|반대로|요컨대|이게|이것이|이것은|이건|이는|그들은"
    r"|he|she|it|this|that|these|they|his|her|but|so|and)(?=[\s,.:]|$)",
    re.I,
)
"""A line that leans on the line before it (a connective or a pronoun): never the first line of a slide,
a title or a caption paragraph away from its antecedent."""
META = re.compile(r"^(notes on|these notes|this note|이 노트는|이 메모는)\b", re.I)
"""The author's note about the note (`Notes on building an audience slowly…`): not a post's idea."""


SCHEDULE = re.compile(r"\d+\s*(분|시간|일|주|개월|장|min|mins|minutes|hours?|days?|weeks?)[.]?$", re.I)
"""A note-to-self ending on an amount of time or things (`다음 주 … 강의, 90분.`): logistics, not an idea."""


def _logistics(idea: Idea) -> bool:
    """Whether an idea is only the author's planning: unfinished lines, no list, the last one an amount."""
    return (
        bool(idea.sentences)
        and not idea.points
        and all(korean.ending(plain(s)) == "fragment" for s in idea.sentences)
        and bool(SCHEDULE.search(plain(idea.sentences[-1])))
    )


def dangles(text: str) -> bool:
    """Whether a line opens with a connective or a pronoun that needs the line before it."""
    return bool(DANGLING.match(plain(text).lstrip("\"'“‘(")))


def _own_title(idea: Idea, outline: Outline) -> str:
    """The title of an idea's slide, from the idea itself: its name or first clause, or the heading right
    above it (its section's heading, when it is the section's first idea or its chapter holds it alone);
    never a neighbour's name ("" for a quotation)."""
    if idea.quote:
        return ""
    own = idea_title(idea)
    if own:
        return own
    chapter = chapter_of(outline, idea)
    if chapter is None:
        return ""
    if [i.id for i in chapter.ideas] == [idea.id]:
        return chapter.title
    first = next((i for i in outline.ideas if i.section == idea.section), None)
    heading = bare(NUMBER.sub("", idea.section))
    return chapter.title if first is not None and first.id == idea.id and bare(chapter.title) == heading else ""


def _without(idea: Idea, line: str) -> Idea:
    """The idea without the sentence `line` (the cover says it)."""
    kept = tuple(s for s in idea.sentences if bare(s) != bare(line))
    if len(kept) == len(idea.sentences):
        return idea
    name, named = idea.name, idea.named
    if not named and bare(name) == bare(line):
        name = bare(kept[0]) if kept and len(kept[0]) <= 32 and (len(kept) > 1 or idea.points) else ""
    return replace(idea, sentences=kept, name=name, named=named)


def _with_children(slot: Slot, idea: Idea, budget: int) -> Slot | None:
    """The slot with the nested lines of its points (`❌ 하지 말 것` and its items, a label's payoff): a
    point that heads a group, or an unnumbered point, is shown with its children or the slide is left
    out; an author's numbered step keeps its example only when it fits."""
    if not any(p.children for p in idea.points):
        return slot
    shown = {point_line(p): p for p in idea.points} | {p.text: p for p in idea.points}
    points = [shown[t] for t in slot.points if t in shown]
    used = sum(len(t) for t in (slot.title, *slot.text, *slot.points))
    needed = not _numbered(idea)
    if needed and len(points) < len(idea.points):
        return None
    extra = sum(len(c) for p in points for c in p.children)
    if used + extra > budget:
        return None if needed else slot
    return replace(slot, sub=tuple(p.children for p in points))


def _lines(slot: Slot) -> list[str]:
    return [bare(t) for t in (slot.title, *slot.text, *slot.points, *(c for sub in slot.sub for c in sub)) if t]


def _slides(
    outline: Outline,
    ideas: tuple[Idea, ...],
    budget: int,
    hook: str = "",
    wide: dict[str, int] | None = None,
    whole_cover: bool = True,
) -> list[Slot]:
    """One slide per idea, each saying something on its own: the cover's line is not said again, a
    title names its own body, a line that leans on the one before joins its neighbour's slide or is
    left out, a list is shown whole with its nested lines or not at all (`wide`: a larger budget for
    some ideas, the note's top framework; `whole_cover`: the cover says the hook's whole idea)."""
    hook = hook or outline.hook
    slides: list[Slot] = []
    previous: dict[str, Idea] = {b.id: a for a, b in zip(outline.ideas, outline.ideas[1:], strict=False)}
    titles: set[str] = {bare(outline.question)}  # the closing slide asks it
    answers_hook = {i.id for i in outline.ideas if any(bare(t) == bare(hook) for t in i.sentences[1:])}
    for idea in ideas:
        if (idea.sentences and META.match(plain(idea.sentences[0]))) or _logistics(idea):
            continue  # the author's note about the note, or to herself
        if whole_cover and cover_rest(outline, hook) and idea.sentences and bare(idea.sentences[0]) == bare(hook):
            continue  # the cover says the whole idea
        idea = _without(idea, hook)
        if not idea.sentences and not idea.points:
            continue  # the cover said all of it
        if idea.id in answers_hook and not idea.points and all(plain(t).endswith(("?", "？")) for t in idea.sentences):
            continue  # a question whose answer is the cover: never asked away from it
        title = _own_title(idea, outline)
        if bare(title) in titles or bare(title) == bare(hook):  # the cover or the closing says it
            title = ""
        room = (wide or {}).get(idea.id, budget)
        slot = idea_slot(idea, "idea", title, room, max_points=5)
        if slot is None or (not slot.points and sum(len(t) for t in slot.text) < 12):
            continue  # nothing, or a body too short to say anything under its title (`5분.`)
        if slot.points and _numbered(idea) and len(slot.points) < len(idea.points):
            continue  # `… works for three reasons` over two of them: a numbered list is shown whole or not at all
        slot = _with_children(slot, idea, room)
        if slot is None:
            continue
        first = slot.title or (slot.text[0] if slot.text else slot.points[0])
        leans = dangles(first) and not idea.quote  # a quotation speaks for its book, not for the line before
        before = slides[-1] if slides else None
        follows = (
            before is not None
            and not before.points
            and not idea.points
            and not before.title
            and previous.get(idea.id) is not None
            and before.insights[-1:] == (previous[idea.id].id,)
            and sum(len(t) for t in (*before.text, *idea.sentences)) <= budget
        )
        if before is not None and follows and (leans or (idea.quote and len(before.insights) == 1)):
            # `그래서 …` joins the line it leans on; a quotation joins the claim right before it
            slides[-1] = replace(before, text=(*before.text, *idea.sentences), insights=(*before.insights, idea.id))
            continue
        if leans:
            continue  # `그래서 …` with nothing before it on the slide
        titles.add(bare(slot.title))
        slides.append(slot)
    return slides


def _numbered(idea: Idea) -> bool:
    """Whether the author numbered the idea's list (`1.`, `2.`, `3.`)."""
    return bool(idea.points) and all(p.number for p in idea.points)


def _carousels(outline: Outline, limits: dict[str, Any], options: dict[str, Any]) -> list[list[Slot]]:
    """The idea slides of each carousel: `min_ideas`–`max_ideas` per carousel, at most `series`
    carousels, filled in the order of `core_order` (the note's top framework - with a wider
    budget, its list shown whole - its thesis, a case, then longer ideas); a one-line claim fills
    a slide only while the carousel has fewer than `fill_ideas`; the note's other whole ideas when
    a short note needs them."""
    budget = int(limits["slide_body_max_chars"])
    least, most, series = int(limits["min_ideas"]), int(limits["max_ideas"]), int(options["series"])
    fill = int(limits.get("fill_ideas", most)) * series
    slides: list[Slot] = []
    for floor, whole_cover in ((1.0, True), (0.3, True), (0.3, False)):  # a short note keeps its hook's idea
        order = core_order(outline, partial(_usable, outline=outline, least=floor))
        rank = {idea.id: n for n, idea in enumerate(order)}
        top = next((i for i in order if i.type == "framework" and i.points), None)
        wide = {top.id: int(limits.get("framework_body_max_chars", budget))} if top is not None else {}
        candidates = sorted(order[: most * series * 3], key=lambda i: i.lines[0])
        made = _slides(outline, tuple(candidates), budget, wide=wide, whole_cover=whole_cover)
        made.sort(key=lambda s: min(rank.get(i, len(rank)) for i in s.insights))
        ideas = {i.id: i for i in order}
        slides = []
        for slot in made:
            single = all(_single(ideas[i]) for i in slot.insights if i in ideas)
            if len(slides) >= most * series or (single and len(slides) >= fill):
                continue
            slides.append(slot)
        slides.sort(key=lambda s: min(ideas[i].lines[0] for i in s.insights if i in ideas))
        if len(slides) >= least:
            break
    if len(slides) < least:
        raise TooLittle(f"{len(slides)} whole idea(s) for slides, a carousel needs {least}")
    count = max(1, min(series, len(slides) // least, -(-len(slides) // most)))
    size = -(-len(slides) // count)
    return [slides[i : i + size] for i in range(0, len(slides), size)]


def _single(idea: Idea) -> bool:
    """A one-line claim: no name, no list, one sentence (a quotation is not one)."""
    return not idea.points and not idea.named and not idea.quote and len(idea.sentences) <= 1


def plan(
    outline: Outline, spec: ChannelSpec, options: dict[str, Any], labels: dict[str, Any], settings: Any
) -> list[Plan]:
    """One carousel per note (a series of at most `series` when set): cover, idea slides, call to action;
    and its caption: hook, short paragraphs, a question, hashtags."""
    limits = spec.limits
    plans = []
    groups = _carousels(outline, limits, options)
    for n, ideas in enumerate(groups, 1):
        ids = {i for s in ideas for i in s.insights}
        lines = [(h, i.id) for h, i in zip(outline.hook_lines, outline.hooks, strict=True) if i.id in ids or n == 1]
        hook, hook_id = next(((h, i) for h, i in lines if len(h) <= int(limits["hook_chars"])), (outline.title, ""))
        question, ideas, cta = _ask(
            outline,
            hook,
            ideas,
            int(limits["min_ideas"]),
            labels["carousel_cta"],
            int(limits["slide_body_max_chars"]),
            labels.get("carousel_ask", ""),
        )
        if bare(question) in _answered(outline):  # the closing says it with its answer: ask the reader
            shown = {line for s in (*ideas, cta) for line in _lines(s)} | {bare(hook)}
            asked = [q for q in _questions(outline) if bare(q) not in _answered(outline) and bare(q) not in shown]
            question = next(iter(asked), labels.get("carousel_ask", "") or question)
        ids = {i for s in (*ideas, cta) for i in s.insights}
        opening = caption_hook(outline, hook, int(limits["hook_chars"]))
        paragraphs = caption_paragraphs(outline, ids, hook, int(limits["caption_max_paragraphs"]) - 1, question)
        slots = [
            _cover(outline, hook, ideas, labels),
            *ideas,
            cta,
            Slot("hook", "", (opening,), (), (hook_id,) if hook_id else ()),
            *paragraphs,
            Slot("question", "", (question,)),
        ]
        alternatives = (("hook", tuple(h for h in outline.hook_lines[1:4] if len(h) <= int(limits["hook_chars"]))),)
        plans.append(Plan("instagram", f"post-{n:02d}", tuple(slots), alternatives))
    return plans


def _post(p: Plan, ctx: dict[str, Any], limits: dict[str, Any]) -> dict[str, Any]:
    outline: Outline = ctx["outline"]
    slides = [s for s in p.slots if s.role in ("cover", "idea", "cta")]
    tags = choose_hashtags(outline, ctx["note"]["tags"], ctx["options"]["brand_hashtags"], int(limits["max_hashtags"]))
    shown = []
    for number, slot in enumerate(slides, 1):
        alt = spoken(_alt(number, len(slides), slot))
        if len(alt) > int(limits["alt_max_chars"]):
            alt = f"{number}/{len(slides)}. {slot.title}"
        if len(alt) > int(limits["alt_max_chars"]):  # a title longer than an alt text (#18 finding 14)
            alt = alt[: int(limits["alt_max_chars"]) - 1].rstrip() + "…"
        text = [spoken(t) for t in slot.text]
        body = "\n".join(text)
        points = [spoken(f"{n}. {p}" if slot.numbered else p) for n, p in enumerate(slot.points, 1)]
        subs = [[spoken(c) for c in (slot.sub[n] if n < len(slot.sub) else ())] for n in range(len(points))]
        drawn = [
            line
            for point, sub in zip(points, subs, strict=True)
            for line in (f"{point}:" if sub and not re.search(r"[:.!?]$", point) else point, *(f"\t{c}" for c in sub))
        ]
        shown.append({"role": slot.role, "title": spoken(slot.title), "text": text, "points": points,
                      "subs": subs, "drawn": drawn, "body": body, "alt": alt, "ids": list(slot.insights)})  # fmt: skip
    used = {i for s in p.slots for i in s.insights}
    on_slides = {i for s in slides for i in s.insights}
    left: dict[str, int] = {}
    for block in (b for i in ctx["insights"] if i.id in on_slides for b in i.blocks):
        left[block.kind] = left.get(block.kind, 0) + 1
    return {
        "plan": p,
        "hook": spoken(p.role("hook")[0].text[0]),
        "paragraphs": [spoken(s.text[0]) for s in p.role("paragraph")],
        "question": spoken(p.role("question")[0].text[0]),
        "left_out": dict(sorted(left.items())),
        "hashtags": tags,
        "hashtag_line": " ".join(f"#{t}" for t in tags),
        "slides": shown,
        "insights": [i for i in ctx["insights"] if i.id in used],
    }


def prepare(ctx: dict[str, Any], spec: ChannelSpec) -> dict[str, Any]:
    """Add `posts` (one per planned carousel) and `slide_images` (one per slide of each post)."""
    if ctx["note"]["kind"] == "process-log":
        out = prepare_story(ctx, spec)
    else:
        out = {**ctx, "posts": [_post(p, ctx, spec.limits) for p in ctx["plans"]]}
    return {**out, "slide_images": slide_images(out["posts"])}


def _story_slide(title: str, insight: Insight, part: str, limits: dict[str, Any], role: str = "idea") -> dict[str, Any]:
    label = KIND_LABELS.get(insight.type, insight.type)
    return {
        "role": role,
        "title": title,
        "body": whole(says(insight), int(limits["slide_body_max_chars"])),
        "alt": whole(f"{label} ({insight.date}): {insight.text}", int(limits["alt_max_chars"])),
        "part": part,
        "dates": [insight.date],
        "ids": [insight.id],
    }


def prepare_story(ctx: dict[str, Any], spec: ChannelSpec) -> dict[str, Any]:
    """One carousel whose first slide is the failure or pivot, then Self, Us, Now; one caption."""
    limits = spec.limits
    room = int(limits["max_slides"]) - 1  # the closing slide comes last
    out = story_context(ctx, {"self": 2, "us": 2, "now": 2})
    story, title = out["story"], out["note"]["title"]
    slides = []
    if story.hook is not None:
        slides.append(_story_slide(hook_line(story.hook, title), story.hook, "hook", limits, "cover"))
    for part in out["parts"]:
        for insight in part["insights"]:
            if insight is not story.hook and len(slides) < room:
                label = KIND_LABELS.get(insight.type, insight.type)
                name = f"{part['label']} · {label} ({insight.date[5:]})"
                slides.append(_story_slide(name, insight, part["key"], limits))
    if len(slides) - 1 < int(limits["min_ideas"]):
        raise TooLittle(f"{len(slides) - 1} entries after the opening, a carousel needs {limits['min_ideas']}")
    closing = story.invitation
    question = ctx["labels"]["story_cta"]
    shown = {i for slide in slides for i in slide["ids"]}
    body = whole(says(closing), 120) if closing and closing.id not in shown else ctx["labels"]["carousel_cta"]
    dates, ids = ([closing.date], [closing.id]) if closing else ([], [])
    slides.append({"role": "cta", "title": question, "body": body, "alt": question, "part": "now", "dates": dates,
                   "ids": ids})  # fmt: skip
    sep = ctx["options"]["separator"]
    opening = hook_line(story.hook, title)
    if story.hook is not None and not hook_head(story.hook):
        opening = f"{opening} — {hook_body(story.hook)}"
    hook = whole(opening, int(limits["hook_chars"]))
    if len(hook) > int(limits["hook_chars"]):
        hook = whole(hook_line(story.hook, title), int(limits["hook_chars"]))
    paragraphs = []
    for p in out["parts"]:
        told = [whole(says(i), 110) for i in p["insights"] if i is not p["prompt"] and i is not p["closing"]]
        if p["prompt"] is not None:
            told.insert(0, f"혹시 여러분도? {whole(says(p['prompt']), 110)}")
        if p["closing"] is not None:  # the invitation closes its part's paragraph
            told.append(f"같이 해요: {whole(says(p['closing']), 160)}")
        if told:
            paragraphs.append(f"{p['label']} — " + " / ".join(told))
    tags = list(dict.fromkeys(["제작기", *(h for i in out["insights"] for h in i.hashtags)]))
    tags = tags[: int(limits["max_hashtags"])]
    hashtag_line = " ".join(f"#{t}" for t in tags)
    post = {
        "hook": hook,
        "paragraphs": paragraphs,
        "hashtags": tags,
        "hashtag_line": hashtag_line,
        "slides": slides,
        "insights": out["insights"],
    }
    return {
        **out,
        "slides": slides,
        "caption_hook": hook,
        "paragraphs": paragraphs,
        "separator": sep,
        "hashtag_line": hashtag_line,
        "posts": [post],  # the note shape: one post, for image builders that iterate `posts`
    }


def slide_images(posts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per slide of each post, numbered within its post."""
    return [
        {**slide, "post": p, "number": n, "total": len(post["slides"]), "insights": post["insights"]}
        for p, post in enumerate(posts, 1)
        for n, slide in enumerate(post["slides"], 1)
    ]


def slide_png(ctx: dict[str, Any]) -> bytes:
    """Builder: one carousel slide as a 1080×1350 PNG."""
    settings = ctx["settings"]
    face = find_font(settings.font, settings.font_index)
    item = ctx["slide"]
    slide = Slide(
        item["title"],
        item["body"],
        item["number"],
        item["total"],
        footer=ctx["note"]["title"],
        role=item.get("role", "idea"),
        points=tuple(item.get("drawn", item.get("points", ()))),
    )
    return slide_image(slide, face)
