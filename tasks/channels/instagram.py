"""Instagram preparer: posts (one per insight group), hooks, captions, slides and PNG images.

A process log becomes one carousel opening on its failure or pivot instead: `prepare_story`.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from tasks.builders.carousel import Slide, find_font, slide_image
from tasks.compose.ideas import Idea, bare, is_lead_in, plain
from tasks.compose.outline import Outline
from tasks.compose.plan import Plan, Slot, TooLittle, idea_slot, pick, title_of
from tasks.lint.rules import particle_start
from tasks.model import Insight
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
    return list(dict.fromkeys(t for t in picked if t))[:limit]


def _usable(idea: Idea, outline: Outline, least: float = 1.0) -> bool:
    """An idea worth a slide: scores at least `least`, is not the cover's line alone."""
    if idea.score < least:
        return False
    return not (
        outline.hook and len(idea.sentences) == 1 and not idea.points and plain(idea.sentences[0]) == outline.hook
    )


def _paragraph(idea: Idea, hook: str) -> str:
    """One short caption paragraph for an idea: its first whole sentence, or its name and short points."""
    for sentence in idea.sentences[:2]:
        if plain(sentence) != hook and not is_lead_in(sentence) and 8 <= len(sentence) <= 150:
            return plain(sentence)
    if idea.name and idea.points and all(len(p.text) <= 24 for p in idea.points[:4]):
        return f"{idea.name}: " + ", ".join(p.text.rstrip(".") for p in idea.points[:4]) + "."
    return ""


def caption_paragraphs(outline: Outline, ids: set[str], hook: str, most: int) -> list[Slot]:
    """Up to `most` paragraphs from the carousel's strongest ideas, in the note's order."""
    ideas = sorted((i for i in outline.ideas if i.id in ids), key=lambda i: -i.score)
    made = [(i, _paragraph(i, hook)) for i in ideas]
    chosen = sorted([(i, text) for i, text in made if text][:most], key=lambda t: t[0].lines[0])
    return [Slot("paragraph", "", (text,), (), (i.id,)) for i, text in chosen]


def _alt(number: int, total: int, slide: Slot) -> str:
    lines = [slide.title, *slide.text, *slide.points]
    return f"{number}/{total}. " + " ".join(line for line in lines if line)


def _cover(outline: Outline, hook: str, ideas: list[Slot], labels: dict[str, Any]) -> Slot:
    """The hook in large type over the book (or the note's title); a note without a hook line opens on its
    title over its first idea's name."""
    sub = labels["carousel_book"].format(work=outline.attribution.work) if outline.book else outline.title
    ids = (outline.hooks[0].id,) if outline.hooks else ()
    if not hook or bare(hook) == bare(outline.title):
        first = next((s.title or s.text[0] for s in ideas if s.title or s.text), "")
        return Slot("cover", outline.title, (first,) if first else (), (), ideas[0].insights if ideas else ())
    return Slot("cover", hook, (sub,) if bare(sub) != bare(hook) else (), (), ids)


def _slides(outline: Outline, ideas: tuple[Idea, ...], budget: int) -> list[Slot]:
    slides: list[Slot] = []
    titles: set[str] = {bare(outline.question)}  # the closing slide asks it
    for idea in ideas:
        title = title_of(idea, outline)
        if bare(title) in titles or bare(title) == bare(outline.hook):  # the cover or the closing says it
            title = ""
        slot = idea_slot(idea, "idea", title, budget, max_points=5)
        if slot is None or (not slot.title and not slot.points and len(slot.text) == 1 and len(slot.text[0]) < 12):
            continue
        if slot.points and _numbered(idea) and len(slot.points) < len(idea.points):
            continue  # `… works for three reasons` over two of them: a numbered list is shown whole or not at all
        titles.add(bare(slot.title))
        slides.append(slot)
    return slides


def _numbered(idea: Idea) -> bool:
    """Whether the author numbered the idea's list (`1.`, `2.`, `3.`)."""
    return bool(idea.points) and all(p.number for p in idea.points)


def _carousels(outline: Outline, limits: dict[str, Any], options: dict[str, Any]) -> list[list[Slot]]:
    """The idea slides of each carousel: `min_ideas`–`max_ideas` per carousel, at most `series`
    carousels; the strong ideas first, the note's other whole ideas when a short note needs them."""
    budget = int(limits["slide_body_max_chars"])
    least, most, series = int(limits["min_ideas"]), int(limits["max_ideas"]), int(options["series"])
    slides: list[Slot] = []
    for floor in (1.0, 0.3):
        slides = _slides(outline, pick(outline, most * series, partial(_usable, outline=outline, least=floor)), budget)
        if len(slides) >= least:
            break
    if len(slides) < least:
        raise TooLittle(f"{len(slides)} whole idea(s) for slides, a carousel needs {least}")
    count = max(1, min(series, len(slides) // least, -(-len(slides) // most)))
    size = -(-len(slides) // count)
    return [slides[i : i + size] for i in range(0, len(slides), size)]


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
        cta = Slot("cta", outline.question, (labels["carousel_cta"],))
        paragraphs = caption_paragraphs(outline, ids, hook, int(limits["caption_max_paragraphs"]) - 1)
        slots = [
            _cover(outline, hook, ideas, labels),
            *ideas,
            cta,
            Slot("hook", "", (hook,), (), (hook_id,) if hook_id else ()),
            *paragraphs,
            Slot("question", "", (outline.question,)),
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
        shown.append({"role": slot.role, "title": spoken(slot.title), "text": text, "points": points,
                      "body": body, "alt": alt, "ids": list(slot.insights)})  # fmt: skip
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
        points=tuple(item.get("points", ())),
    )
    return slide_image(slide, face)
