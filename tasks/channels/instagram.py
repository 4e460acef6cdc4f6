"""Instagram preparer: posts (one per insight group), hooks, captions, slides and PNG images.

A process log becomes one carousel opening on its failure or pivot instead: `prepare_story`.
"""

from __future__ import annotations

import re
from typing import Any

from tasks.builders.carousel import Slide, find_font, slide_image
from tasks.lint.rules import particle_start
from tasks.model import Insight
from tasks.nlp.korean import hashtag, sentences
from tasks.process.story import KIND_LABELS
from tasks.process.telling import hook_body, hook_head, hook_line, says, story_context
from tasks.render.channel import ChannelSpec
from tasks.render.filters import clip

INLINE_TAG = re.compile(r"(?<![\w#])#(?=[^\s#])")
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
    {"root", "roots", "moc", "index", "inbox", "daily", "todo", "draft", "books", "book", "project"}
)
SENTENCE_END = re.compile(r"[.!?。…)\"'”’다요죠까]$")


def _groups(insights: list[Insight], size: int) -> list[list[Insight]]:
    """Consecutive insights of one section, at most `size` per post."""
    groups: list[list[Insight]] = []
    for insight in insights:
        if groups and groups[-1][0].section == insight.section and len(groups[-1]) < size:
            groups[-1].append(insight)
        else:
            groups.append([insight])
    return groups


def _one_line(text: str) -> str:
    """One line of caption text; inline `#tags` of the note lose their `#` (only the tag line has hashtags)."""
    return INLINE_TAG.sub("", re.sub(r"\s+", " ", text)).strip()


def hook(group: list[Insight], title: str, limit: int) -> str:
    """A whole sentence of ≤ `limit` chars (never cut with '…'): shown before '…more'."""
    candidates = [s for i in group for s in sentences(i.text.split("\n")[0])]
    fits = [_one_line(s) for s in candidates if 8 <= len(_one_line(s)) <= limit]
    complete = [s for s in fits if SENTENCE_END.search(s)]
    if complete or fits:
        return (complete or fits)[0]
    label = _one_line(group[0].title).removesuffix("…").strip()
    for text in (f"{title}: {label}", label, title):
        if 0 < len(text) <= limit and not text.endswith("…"):
            return text
    return clip(title, limit - 1, ellipsis="").rstrip(" ,") + "."


def hashtags(group: list[Insight], note_tags: list[str], limit: int) -> list[str]:
    """The insights' own hashtags (roots and keywords), then the author's tags: plain words, no particles."""
    keywords = [h for i in group for h in i.hashtags if not (h.isascii() and (len(h) < 4 or h.lower() in STOP_EN))]
    own = [t.rsplit("/", 1)[-1] for t in note_tags if t.rsplit("/", 1)[-1].lower() not in FILING_TAGS]
    tags = [hashtag(t) for t in (*keywords, *own)]
    tags = [t[: particle_start(t)] for t in tags if t and not t.isdigit()]
    return list(dict.fromkeys(t for t in tags if t))[:limit]


def _paragraphs(group: list[Insight], hook_text: str, budget: int) -> list[str]:
    """Insight paragraphs on one line each, dropping the last ones past `budget` chars."""
    paragraphs: list[str] = []
    used = 0
    for insight in group:
        if all(word.startswith("#") for word in insight.text.split()):
            continue  # a line of the note's own tags: they belong in the hashtag line
        text = _one_line(insight.text if not insight.points else insight.text.split("\n")[0])
        if insight.points:
            text += " " + " / ".join(_one_line(p) for p in insight.points)
        text = text.replace(hook_text, "").strip(" .") if text.startswith(hook_text) else text
        if not text:
            continue
        if used + len(text) + 4 > budget:
            text = clip(text, max(0, budget - used - 4))
            if len(text) < 20:
                break
        paragraphs.append(text)
        used += len(text) + 4
    return paragraphs


def _post(group: list[Insight], ctx: dict[str, Any], limits: dict[str, Any]) -> dict[str, Any]:
    title = ctx["note"]["title"]
    hook_text = hook(group, title, int(limits["hook_chars"]))
    tags = hashtags(group, ctx["note"]["tags"], int(limits["max_hashtags"]))
    hashtag_line = " ".join(f"#{t}" for t in tags)
    budget = int(limits["caption_max_chars"]) - len(hook_text) - len(hashtag_line) - 20
    shown = group[: int(limits["max_slides"]) - 1]
    slides = [{"title": title, "body": hook_text}]
    for insight in shown:
        body = clip(_one_line(insight.text), int(limits["slide_body_max_chars"]))
        label = _one_line(insight.title)
        # A short insight's title is its own text: head the slide with its section instead.
        if body.startswith(label.removesuffix("…")):
            label = _one_line(insight.section) or title
        slides.append({"title": label, "body": body})
    for number, slide in enumerate(slides, 1):
        alt = f"{number}/{len(slides)}. {slide['title']}: {slide['body']}"
        slide["alt"] = clip(alt, int(limits["alt_max_chars"]))
    return {
        "hook": hook_text,
        "paragraphs": _paragraphs(group, hook_text, budget),
        "hashtags": tags,
        "hashtag_line": hashtag_line,
        "slides": slides,
        "insights": group,
    }


def prepare(ctx: dict[str, Any], spec: ChannelSpec) -> dict[str, Any]:
    """Add `posts` (one per group of insights) and `slide_images` (one per slide of each post)."""
    if ctx["note"]["kind"] == "process-log":
        out = prepare_story(ctx, spec)
    else:
        insights = [i for i in ctx["insights"] if i.text.strip()]
        size = int(ctx["options"]["insights_per_post"])
        groups = _groups(insights, size)[: int(ctx["options"]["max_posts"])]
        out = {**ctx, "posts": [_post(g, ctx, spec.limits) for g in groups]}
    return {**out, "slide_images": slide_images(out["posts"])}


def _story_slide(title: str, insight: Insight, part: str, limits: dict[str, Any]) -> dict[str, Any]:
    label = KIND_LABELS.get(insight.type, insight.type)
    return {
        "title": title,
        "body": clip(says(insight), int(limits["slide_body_max_chars"])),
        "alt": clip(f"{label} ({insight.date}): {insight.text}", int(limits["alt_max_chars"])),
        "part": part,
        "dates": [insight.date],
        "ids": [insight.id],
    }


def prepare_story(ctx: dict[str, Any], spec: ChannelSpec) -> dict[str, Any]:
    """One carousel whose first slide is the failure or pivot, then Self, Us, Now; one caption."""
    limits = spec.limits
    room = int(limits["max_slides"]) - 1  # the hook slide comes first
    out = story_context(ctx, {"self": 2, "us": 2, "now": 2})
    story, title = out["story"], out["note"]["title"]
    slides = []
    if story.hook is not None:
        slides.append(_story_slide(hook_line(story.hook, title), story.hook, "hook", limits))
    for part in out["parts"]:
        for insight in part["insights"]:
            if insight is not story.hook and len(slides) < room:
                label = KIND_LABELS.get(insight.type, insight.type)
                slides.append(_story_slide(f"{part['label']} · {label}", insight, part["key"], limits))
    sep = ctx["options"]["separator"]
    opening = hook_line(story.hook, title)
    if story.hook is not None and not hook_head(story.hook):
        opening = f"{opening} — {hook_body(story.hook)}"
    hook = clip(opening, int(limits["hook_chars"]))
    paragraphs = []
    for p in out["parts"]:
        told = [clip(says(i), 110) for i in p["insights"] if i is not p["prompt"] and i is not p["closing"]]
        if p["prompt"] is not None:
            told.insert(0, f"혹시 여러분도? {clip(says(p['prompt']), 110)}")
        if told:
            paragraphs.append(f"{p['label']} — " + " / ".join(told))
        if p["closing"] is not None:
            paragraphs.append(f"같이 해요: {clip(says(p['closing']), 160)}")
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
