"""Blog preparer: sections from grouped insights, description, reading time, front matter.

A process log becomes a 제작기 (making-of) post instead: `prepare_story`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from tasks.compose.ideas import (
    ASIDE_CALLOUTS,
    BACKREF,
    NAME_MAX,
    Idea,
    bare,
    is_lead_in,
    plain,
    point_line,
    says_something,
    split_sentences,
)
from tasks.compose.outline import CONNECTIVE, NOTE_TO_SELF, Chapter, Outline, leans, stands_alone
from tasks.compose.plan import Plan, Slot
from tasks.nlp import korean
from tasks.process.story import KIND_LABELS
from tasks.process.telling import says, story_context
from tasks.render.channel import ChannelSpec
from tasks.render.filters import whole
from tasks.render.images import image_bytes, place_images
from tasks.slug import safe_slug

__all__ = ["image_bytes", "plan", "prepare"]  # `image_bytes`: the builder that copies the post's images

HANGUL_SYLLABLE = re.compile(r"[가-힣]")
LATIN_WORD = re.compile(r"[A-Za-z0-9]+")


def reading_minutes(text: str, syllables_per_minute: int, words_per_minute: int) -> int:
    """Minutes to read: Hangul syllables plus Latin words, at least one."""
    syllables = len(HANGUL_SYLLABLE.findall(text))
    words = len(LATIN_WORD.findall(text))
    return max(1, math.ceil(syllables / syllables_per_minute + words / words_per_minute))


# Keys each static-site generator reads besides the common ones (custom osmu keys are
# placed by the template: under `params` for Hugo, top level otherwise).
FLAVOR_KEYS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "hugo": lambda f: {},
    "jekyll": lambda f: {"last_modified_at": f["lastmod"], "published": not f["draft"]},
    "astro": lambda f: {"pubDate": f["date"], "updatedDate": f["lastmod"]},
}


NOTE_PREFIX = re.compile(
    r"^\s*(?:(?:저자|작가|책)(?:이|가|의|에서)?\s*(?:든|드는|소개한|말한|보여준)?\s*(?:예시|예|사례|이야기)"
    r"|(?:the\s+)?author'?s\s+(?:example|case|story)|(?:an?\s+)?(?:example|case)\s+from\s+the\s+book)\s*[:：]\s*",
    re.IGNORECASE,
)
"""A note-taker's prefix on a label (`저자가 든 예: 동네 서점 '밤의 책방'`): the reader sees the example's name."""


def label(text: str) -> str:
    """A label as the post shows it: a lead-in said as a name (`구독자가 늘어나는 이유는:` → `구독자가
    늘어나는 이유`), without the note-taker's prefix (`저자가 든 예:`)."""
    return unprefixed(korean.as_title(text))


def unprefixed(text: str) -> str:
    """A line without the note-taker's prefix (`저자가 든 예: 동네 서점` → `동네 서점`); the rest as written."""
    return NOTE_PREFIX.sub("", text).strip() or text


def _idea_slot(idea: Idea, chapter: Chapter, drop: frozenset[str], titles: dict[str, str] | None = None) -> Slot | None:
    """An idea in full, as the post shows it (the lead's sentences left out: they are said once),
    with its code, tables, images and math where the note has them. A callout keeps its title
    (`> [!question] 아직 모르는 것`) as its label (`titles`: callout titles by idea id)."""
    sentences = _said(idea, chapter, drop)
    name = idea.name if idea.named else (titles or {}).get(idea.id, "")
    label_ = label(name) if name and not _same_name(name, chapter.title) else ""
    if not sentences and not idea.points and not idea.coda and not idea.figures:
        return None
    figures = tuple(
        f if f.coda else replace(f, after=sum(1 for t in idea.sentences[: f.after] if plain(t) not in drop))
        for f in idea.figures
    )
    numbered = bool(idea.points) and all(p.number for p in idea.points)
    return Slot(
        "quote" if idea.quote else "idea",
        label_,
        sentences,
        tuple(point_line(p) for p in idea.points),
        (idea.id,),
        numbered=numbered,
        sub=tuple(p.children for p in idea.points) if any(p.children for p in idea.points) else (),
        intro=unprefixed(idea.intro) if bare(idea.intro) != bare(chapter.title) else "",  # the heading says it
        coda=idea.coda,
        quote=idea.quote,
        figures=figures,
    )


def _said(idea: Idea, chapter: Chapter, drop: frozenset[str]) -> tuple[str, ...]:
    """The idea's sentences the post says under `chapter`: not the lead's (`drop`, said once), not the
    one its heading says already."""
    return tuple(t for t in idea.sentences if plain(t) not in drop and bare(t) != bare(chapter.title))


def _body(
    ideas: list[Idea], chapter: Chapter, lead: frozenset[str], titles: dict[str, str] | None = None
) -> list[Slot]:
    """A chapter's slots: each idea in full; a run of the author's one-line list items stays a list,
    and so does a run that goes on into a list of bare bullets (an idea that is only points)."""
    slots: list[Slot] = []
    run: list[Idea] = []
    more: list[tuple[str, str]] = []  # bare bullets that continue the run: (line, idea id)

    def flush() -> None:
        if len(run) + bool(more) >= 2:
            lines = tuple(" ".join(_said(i, chapter, lead)) for i in run)
            kept = [(line, i.id) for line, i in zip(lines, run, strict=True) if line] + more
            slots.append(Slot("idea", "", (), tuple(t for t, _ in kept), tuple(dict.fromkeys(i for _, i in kept))))
        else:
            slots.extend(s for s in (_idea_slot(i, chapter, lead, titles) for i in run) if s is not None)
        run.clear()
        more.clear()

    for idea in ideas:
        if idea.item and not idea.quote and not idea.figures and not more:
            run.append(idea)
            continue
        if run and _bare_bullets(idea):
            more.extend((point_line(p), idea.id) for p in idea.points)
            continue
        flush()
        made = _idea_slot(idea, chapter, lead, titles)
        if made is not None:
            slots.append(made)
    flush()
    return [s for s in slots if s.text or s.points or s.coda or s.figures]


def _bare_bullets(idea: Idea) -> bool:
    """An idea that is only unnumbered bullets without nested ones: nothing names or introduces it."""
    return (
        bool(idea.points)
        and not (idea.name or idea.intro or idea.sentences or idea.coda or idea.quote or idea.figures)
        and all(not p.number and not p.children for p in idea.points)
    )


def _unnumbered(title: str) -> str:
    return re.sub(r"^\d+[.)]\s*", "", plain(title))


def _same_name(name: str, title: str) -> bool:
    """Whether a heading already says an idea's name (numbering, a closing colon or topic particle aside:
    `## 구독자가 늘어나는 이유` says `구독자가 늘어나는 이유는`)."""
    return bool(title) and korean.as_title(_unnumbered(name)) == korean.as_title(_unnumbered(title))


def description(
    outline: Outline, limit: int, avoid: frozenset[str] = frozenset(), said: frozenset[str] = frozenset()
) -> str:
    """What the post gives the reader, as a sentence: the strongest idea the lead and the title do not
    say (`avoid`: their idea ids; `said`: the lead's sentences), its sentences whole from its first, as
    many as fit in `limit`; the author's own words before a quotation, a hook before any other idea.
    A note with no such idea: its chapter names, in one line (never the lead again)."""
    ideas = sorted(dict.fromkeys(outline.hooks), key=lambda i: i.quote)  # stable: the hooks' order within each kind
    hooked = {i.id for i in ideas}
    ideas += [i for i in outline.ideas if i.id not in hooked]  # then any idea, in the note's order
    for least, idea in ((n, i) for n in (DESCRIPTION_MIN, 0) for i in ideas):
        sentences = [plain(t) for t in idea.sentences]
        if (
            idea.id in avoid
            or idea.callout in ASIDE_CALLOUTS
            or not sentences
            or CONNECTIVE.match(sentences[0])
            or BACKREF.match(sentences[0])
            or not stands_alone(sentences[0])
            or is_lead_in(sentences[0])
            or any(bare(t) in said for t in sentences)
        ):
            continue
        text = ""
        for sentence in sentences:
            if len(f"{text} {sentence}".strip()) > limit:
                break
            text = f"{text} {sentence}".strip()
        if len(text) >= max(least, 1) and says_something(sentences[0]) and bare(text) != bare(outline.title):
            return text
    return _chapter_line(outline, limit)


DESCRIPTION_MIN = 40
"""Characters a description should say before a shorter idea is taken (`오픈율보다 답장 수를 본다.` is a
line, `왜 사람들은 …? … 담겨 있어서다.` tells what the post gives)."""


def _chapter_line(outline: Outline, limit: int) -> str:
    """The post's chapter names in one line, after the title (`Slow Marketing: …, …`)."""
    head = f"『{outline.attribution.work}』: " if outline.book else f"{outline.title}: "
    names: list[str] = []
    for chapter in outline.chapters:
        name = korean.as_title(chapter.title)
        if name and len(head) + len(", ".join([*names, name])) <= limit:
            names.append(name)
    return (head + ", ".join(names)) if names else outline.title[:limit]


GENERIC_KIND = re.compile(r"\s*(메모|노트|회고|후기|정리|일지|notes?|memo|retro(?:spective)?)$", re.IGNORECASE)
"""A title's last word that only says what kind of note it is (`강의 준비 메모`, `GPTers 워크숍 회고`)."""
PROJECT_TAGS = frozenset({"project", "projects", "프로젝트"})
SPOKEN_CONNECTIVE = re.compile(r"^(근데|그런데|그럼|그러면|그래도|however|then)(?=[\s,]|$)", re.IGNORECASE)
"""A sentence that answers the one before (`근데 그냥 드립백이면 …?`): no title opens on it."""


def subject(title: str, kind: str, tags: list[str]) -> str | None:
    """What a generic note title is about (`강의 준비 메모` → `강의 준비`; a project note's title, which
    is only the project's name: `하루결 성수 팝업스토어`); None for a title that says something itself."""
    about = GENERIC_KIND.sub("", title).strip()
    if about != title.strip():
        return about
    if kind == "project" or {t.lower().rsplit("/", 1)[-1] for t in tags} & PROJECT_TAGS:
        return title.strip()
    return None


def title_hook(outline: Outline) -> tuple[str, Idea] | None:
    """The line (and its idea) that can follow a subject in a title: the best hook that opens its idea
    (never a second sentence without its first), says something, is no aside and is short (a name's length)."""
    for line, idea in zip(outline.hook_lines, outline.hooks, strict=True):
        first = idea.sentences[0] if idea.sentences else ""
        text = _title_line(line)
        if (
            idea.callout not in ASIDE_CALLOUTS
            and bare(line) == bare(first)
            and len(text) <= NAME_MAX
            and says_something(line)
            and not (CONNECTIVE.match(text) or BACKREF.match(text) or SPOKEN_CONNECTIVE.match(text))
        ):
            return text, idea
    return None


def _title_line(line: str) -> str:
    """A sentence said in a title: without its full stop or the quotation marks around it (a question keeps `?`)."""
    text = plain(line).rstrip(" .。")
    if len(text) > 2 and text[0] in "\"“'‘" and text[-1] in "\"”'’":
        text = text[1:-1].strip().rstrip(" .。")
    return text


def post_title(outline: Outline, kind: str, tags: list[str]) -> tuple[str, str]:
    """The post's title and the id of the idea it says: a book note's `『Book』: hook`; a note titled
    only by its kind or a project's name (`강의 준비 메모`) as `subject: hook`; else the note's title."""
    about = None if outline.book else subject(outline.title, kind, tags)
    if about is None:
        return outline.display_title, outline.hook_idea.id if outline.book and outline.hook_idea else ""
    found = title_hook(outline)
    if found is None:
        return outline.title, ""
    hook, idea = found
    return (f"{about}: {hook}" if about else hook), idea.id


def plan(
    outline: Outline, spec: ChannelSpec, options: dict[str, Any], labels: dict[str, Any], settings: Any
) -> list[Plan]:
    """The long form: a lead said once, the note's chapters with every idea, a closing section, sources."""
    # The note's last word is its closing, not its lead: a hook from its last idea opens the post only
    # when no other line can (`What do you do when the process is boring? Record it anyway…`).
    # A line a heading already says (`## 브랜드 보이스는 로고보다 먼저 기억된다`) is no lead either.
    kept = {outline.closing.id} if outline.closing is not None else set()
    if len(outline.ideas) >= LEAD_NOT_LAST_MIN:
        kept.add(outline.ideas[-1].id)
    headings = {bare(c.title) for c in outline.chapters if c.title}
    hooks = [(h, i.id) for h, i in zip(outline.hook_lines, outline.hooks, strict=True)]
    # The lead is a unit that stands alone: a whole paragraph or bullet of at most LEAD_SENTENCES
    # sentences, which the body can lose without a hole (no sentence after it leans on it).
    units = _lead_units(outline)
    fits = [(h, i) for h, i in hooks if i not in kept and bare(h) not in headings]
    lead, lead_id = next((f for f in fits if f[1] in units), ("", ""))
    if not lead:  # no hook is such a unit: the note's first one that says something opens the post
        lead, lead_id = next(
            (
                (plain(t), i.id)
                for i in outline.ideas
                if i.id in units and i.id not in kept
                for t in i.sentences
                if says_something(t)
            ),
            ("", ""),
        )
    if not lead:
        lead, lead_id = next(iter(fits), hooks[0] if hooks else ("", ""))
    if not lead:  # no line stops a reader: the first whole sentence opens the post
        first = next(
            (
                (s, i.id)
                for i in outline.ideas
                if i.callout not in ASIDE_CALLOUTS
                for s in i.sentences
                if not is_lead_in(s)
            ),
            ("", ""),
        )
        lead, lead_id = first
    lead_text, said_once = _whole_lead(outline, lead, lead_id)
    slots = [Slot("lead", "", lead_text, (), (lead_id,) if lead_id else ())]
    titles = dict(outline.callout_titles)
    closing = outline.closing
    own = next((c for c in outline.chapters if closing is not None and closing in c.ideas), None)
    # The note's last heading (`## 다음 기수 체크리스트`, `## 내 생각`) holding its closing idea is the
    # post's closing section, under that name: the note's order, no generic `마치며` in its place.
    last = own is not None and own is outline.chapters[-1] and own.heading and own.level == 2 and bool(own.title)
    # What follows the closing idea in its own section (`> [!question] 아직 모르는 것` after the
    # checklist) closes the post with it, rather than staying behind alone under that section's heading.
    after = list(own.ideas[own.ideas.index(closing) + 1 :]) if own is not None and closing is not None else []
    for chapter in outline.chapters:
        if last and chapter is own:
            break
        ideas = [i for i in chapter.ideas if i is not closing and i not in after]
        body = _body(ideas, chapter, said_once, titles)
        if body or not chapter.ideas:  # a heading with no ideas of its own heads the chapters below it
            slots.append(Slot("section", chapter.title, (), (), (), level=chapter.level if chapter.title else 0))
            slots += body
    if own is not None and last:
        slots.append(Slot("section", own.title, (), (), (), level=2, notes=CLOSING))
        slots += _body(list(own.ideas), own, said_once, titles)
    elif closing is not None:
        made = _idea_slot(closing, Chapter("", 2, (), False), said_once, titles)
        if made is not None and not made.title and own is not None and own.heading and own.ideas[0] is closing:
            # the closing opened its section: that heading (`다음 팝업 체크리스트`) names it here
            made = replace(made, title=own.title)
        # A closing with a title of its own (`> [!note] For the cafe`) names the closing section.
        named = made is not None and bool(made.title) and closing.callout and not closing.named
        heading = made.title if named and made is not None else labels["post_closing"]
        slots.append(Slot("section", heading, (), (), (), level=2, notes=CLOSING))
        if made is not None:
            slots.append(replace(made, title="") if named else made)
        slots += _body(after, Chapter("", 2, tuple(after), False), said_once, titles)
    else:
        slots.append(Slot("section", labels["post_closing"], (), (), (), level=2, notes=CLOSING))
    said = {bare(t) for s in slots for t in (*s.text, *s.points, *s.coda)}
    said |= {bare(t) for t in said_once}  # the lead's own sentences (`왜 단골은 …?` is not asked again)
    said |= {bare(s.title) for s in slots if s.role == "section" and s.title}  # nor one a heading asks
    if bare(outline.question) not in said:  # the note's own question may be in its body already
        slots.append(Slot("closing", "", (outline.question,)))
    # A credit line the post already says (`본 글은 … 읽고 정리한 글입니다`) is not said again under 출처.
    said |= {bare(t) for s in slots if s.role == "lead" for t in s.text}
    sources = [line for line in source_lines(outline) if bare(line) not in said]
    if sources:
        slots.append(Slot("section", labels["post_sources"], (), (), (), level=2))
        slots.append(Slot("sources", "", (), tuple(sources)))
    return [Plan("blog", "post", tuple(slots))]


SPEAKER = re.compile(r"[\"”’」』]\s*[-–—―]\s*\S.{0,40}$")
"""A quotation that names its speaker after a dash (`"…" - 양조장 대표`)."""
CLOSING = ("closing",)
"""The `notes` of the closing section's slot: the post's header records its name (`closing:`), which
the `blog-shape` check looks for when it is the note's own (`다음 기수 체크리스트`) rather than `마치며`."""
LEAD_NOT_LAST_MIN = 4
"""Ideas a note needs before its last idea is kept for the end rather than the lead."""
LEAD_SENTENCES = 3
"""Sentences of one idea the lead may take whole (`Every post is also an archive entry. In a year,
the back catalogue does the selling.`): the lead never leaves half an idea behind in the body."""


def _lead_units(outline: Outline) -> set[str]:
    """Ids of the ideas that can open the post whole and leave no hole behind: a paragraph or bullet of
    at most LEAD_SENTENCES sentences and nothing else (no list, label, figure or callout title), whose
    first sentence leans on nothing, that is no note to herself, and that the next idea of its section
    does not lean on (`토요일 … 7명.` before `나머지는 …`; a claim before `하지만 … 반론도 있었음`).
    One pass over the note's ideas (a 2 MB note has thousands)."""
    titled = dict(outline.callout_titles)
    ideas = outline.ideas
    units: set[str] = set()
    for n, idea in enumerate(ideas):
        if (
            not idea.sentences
            or len(idea.sentences) > LEAD_SENTENCES
            or idea.points
            or idea.coda
            or idea.figures
            or idea.named
            or idea.intro
            or idea.callout in ASIDE_CALLOUTS
            or idea.id in titled
            or not stands_alone(idea.sentences[0])
            or any(NOTE_TO_SELF.search(plain(t)) for t in idea.sentences)
        ):
            continue
        after = ideas[n + 1] if n + 1 < len(ideas) else None
        if not (after is not None and after.path == idea.path and after.sentences and leans(after.sentences[0])):
            units.add(idea.id)
    return units


def _whole_lead(outline: Outline, lead: str, lead_id: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """The lead's sentences, and those the body leaves out (said once). A lead taken from an idea
    of two sentences with nothing else takes the idea whole; from a longer idea, only its sentence."""
    if not lead:
        return (), frozenset()
    idea = next((i for i in outline.ideas if i.id == lead_id), None)
    if (
        idea is not None
        and 1 < len(idea.sentences) <= LEAD_SENTENCES
        and not (idea.points or idea.coda or idea.figures or idea.named)
        and lead in (plain(t) for t in idea.sentences)
    ):
        whole = tuple(plain(t) for t in idea.sentences)
        return (" ".join(whole),), frozenset(whole)
    return (lead,), frozenset((lead,))


def source_lines(outline: Outline) -> list[str]:
    """The "출처" lines: the note's own credit lines, the work and its author, every cited page."""
    credit = outline.attribution
    lines = list(credit.credit)
    if credit.work:
        lines.append(f"『{credit.work}』" + (f", {credit.author}" if credit.author else ""))
    elif credit.piece:  # an essay or article: `Kevin Kelly, “1,000 True Fans” (2008)`
        piece = f"「{credit.piece}」" if re.search('["“”]', credit.piece) else f"“{credit.piece}”"
        lines.append(
            (f"{credit.author}, " if credit.author else "") + piece + (f" ({credit.year})" if credit.year else "")
        )
    elif credit.author and not any(credit.author in line for line in lines):
        lines.append(credit.author)
    titles = dict(credit.titles)
    lines += [f"{titles[u]} — {u}" if u in titles else u for u in credit.urls]
    return list(dict.fromkeys(lines))


def blocks(p: Plan) -> list[dict[str, Any]]:
    """The post's body as sections of blocks, for the Markdown and HTML templates."""
    sections: list[dict[str, Any]] = []
    for slot in p.slots:
        if slot.role == "section":
            sections.append({"title": slot.title, "level": slot.level, "slots": []})
        elif slot.role != "lead" and sections:
            sections[-1]["slots"].append(slot)
    keep = [s for n, s in enumerate(sections) if s["slots"] or _heads(sections, n)]
    return keep


def _heads(sections: list[dict[str, Any]], n: int) -> bool:
    """A heading with no content is kept when deeper sections with content follow it."""
    for after in sections[n + 1 :]:
        if after["level"] <= sections[n]["level"]:
            return False
        if after["slots"]:
            return True
    return False


def prepare(ctx: dict[str, Any], spec: ChannelSpec) -> dict[str, Any]:
    """Add `post` (the plan's sections), `lead`, `description`, `reading_minutes` and `front_matter`."""
    if ctx["note"]["kind"] == "process-log":
        return prepare_story(ctx, spec)
    outline: Outline = ctx["outline"]
    placed, images = place_images(ctx["plans"][:1], ctx.get("image_files", {}))
    post: Plan = placed[0]
    note = ctx["note"]
    lead_slot = post.role("lead")[0]
    lead = " ".join(lead_slot.text)
    text = "\n".join(t for s in post.slots for t in (*s.text, *s.points, *s.coda))
    tags = list(dict.fromkeys(ctx["root_slugs"] + note["tags"]))[: int(ctx["options"]["max_tags"])]
    title, title_id = post_title(outline, note["kind"], list(note["tags"]))
    said = frozenset(bare(t) for line in lead_slot.text for t in split_sentences(line))
    avoid = frozenset({*lead_slot.insights, title_id} - {""})
    about = description(outline, int(spec.limits["description_max_chars"]), avoid, said)
    closing = next((s.title for s in post.slots if s.role == "section" and s.notes == CLOSING), "")
    front = {
        "title": title,
        "date": note["date"],
        "lastmod": note["lastmod"],
        "draft": ctx["options"]["draft"],
        "slug": safe_slug(outline.title, fallback=note["path"]),
        "description": about,
        "tags": tags,
    }
    front.update(FLAVOR_KEYS[ctx["options"]["flavor"]](front))
    minutes = reading_minutes(text, spec.limits["syllables_per_minute"], spec.limits["words_per_minute"])
    used = set(post.insights)
    return {
        **ctx,
        "plan": post,
        "insights": [i for i in ctx["insights"] if i.id in used],
        "post": blocks(post),
        "source_line": f"『{outline.attribution.work}』" if outline.book else "",
        # The book is credited under a quotation the note marks as one (`>`, "…") and, in a book note,
        # under its `####` highlights (quotations from the book: spec/vault.md); never under one that
        # names its speaker already, nor under a `####` pull-quote of the author's own note.
        "cited": [
            i.id
            for i in outline.ideas
            if (i.cited or (outline.book and i.quote))
            and not SPEAKER.search(plain(i.sentences[-1] if i.sentences else ""))
        ],
        "lead": lead,
        "description": about,
        "reading_minutes": minutes,
        "front_matter": front,
        "images": images,
        "note_blocks": note_blocks(ctx["insights"], ctx.get("image_files", {})),
        # the closing section's name when it is the note's own (the `blog-shape` check looks for it)
        "closing": closing if closing not in (ctx["labels"]["post_closing"], "") else "",
    }


def note_blocks(insights: list[Any], files: dict[str, Any]) -> dict[str, int]:
    """How many code blocks, tables and images (those that can be shown) the note has: the post's
    header records them, and the `keeps-blocks` check counts them back in the post."""
    counts = {"code": 0, "table": 0, "image": 0}
    for block in (b for i in insights for b in i.blocks):
        if block.kind == "image" and not (
            block.get("src").startswith(("http://", "https://")) or files.get(block.get("src"))
        ):
            continue
        if block.kind in counts:
            counts[block.kind] += 1
    return {k: n for k, n in counts.items() if n}


def prepare_story(ctx: dict[str, Any], spec: ChannelSpec) -> dict[str, Any]:
    """A 제작기 post: hook, timeline, then every entry part under Self, Us and Now."""
    out = story_context(ctx)
    note, story = out["note"], out["story"]
    hook_text = says(story.hook) if story.hook else note["title"]
    limit = int(spec.limits["description_max_chars"])
    description = whole(f"{KIND_LABELS[story.hook.type]}: {hook_text}" if story.hook else hook_text, limit)
    if len(description) > limit:  # never a cut sentence: the title says what the post is
        description = note["title"][:limit]
    body = "\n".join(i.text for i in out["insights"])
    tags = list(dict.fromkeys([*ctx["root_slugs"], "제작기", *note["tags"]]))[: int(ctx["options"]["max_tags"])]
    front = {
        "title": note["title"],
        "date": story.end or note["date"],
        "lastmod": max(note["lastmod"], story.end),
        "draft": ctx["options"]["draft"],
        "slug": safe_slug(note["title"], fallback=note["path"]),
        "description": description,
        "tags": tags,
    }
    minutes = reading_minutes(body, spec.limits["syllables_per_minute"], spec.limits["words_per_minute"])
    # `sections` and `lead` in the note shape, so any other blog template can show the story too
    sections = [{"title": f"{p['label']} — {p['heading']}", "insights": p["insights"]} for p in out["parts"]]
    return {
        **out,
        "images": [],
        "front_matter": front,
        "description": description,
        "reading_minutes": minutes,
        "sections": [section for section in sections if section["insights"]],
        "lead": out["hook_line"],
    }
