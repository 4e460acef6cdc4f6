"""Newsletter preparer: subject, preheader (85–100 chars), items, sender footer, and the .eml.

A process log becomes a "this week in the making" issue instead: `prepare_story`.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import partial
from typing import Any
from urllib.parse import quote

from tasks.builders.email import build_eml
from tasks.channels.blog import source_lines
from tasks.compose.ideas import CONTEXT_CALLOUTS, Idea, bare, plain, says_something
from tasks.compose.outline import Outline
from tasks.compose.plan import Plan, Slot, TooLittle, fit, idea_slot, pick, title_of
from tasks.model import Block, Insight
from tasks.nlp.korean import has_hangul
from tasks.process.story import Story
from tasks.process.telling import says, story_context
from tasks.render.channel import ChannelSpec
from tasks.render.images import place_images
from tasks.slug import safe_slug

AD_PREFIX = "(광고)"
CANDIDATES = 60
"""Strongest ideas searched for a subject or a quote line (a 2 MB note has thousands)."""
# Invitations added when the letter's own words are shorter than the preheader minimum; some
# subset of them (in order) always lands in the 85–100 character window, whatever the title.
FILLERS_KO = (
    "이번 호에서는 '{title}'에서 길어 올린 생각을 정리했습니다.",
    "본문에서 자세히 읽어 보세요.",
    "읽고 떠오른 생각이 있다면 답장으로 들려주세요.",
    "오늘도 좋은 하루 보내세요.",
    "다음 편지도 기대해 주세요.",
    "고맙습니다.",
)
FILLERS_EN = (
    "This letter gathers what I took from '{title}'.",
    "Read on for the details.",
    "Reply and tell me what you think.",
    "Have a good day.",
    "More next time.",
    "Thank you.",
)


def preheader(insights: list[Insight], low: int, high: int, title: str = "") -> str:
    """Insight sentences (then a short invitation) until the text is `low`–`high` characters."""
    parts = [re.sub(r"\s+", " ", i.text.split("\n")[0]).strip() for i in insights]
    return fit_preheader(parts, low, high, title)


def fit_preheader(parts: list[str], low: int, high: int, title: str = "") -> str:
    """Whole pieces - `parts` first, then invitations - joined to `low`–`high` characters, never a cut
    sentence: the first in-order choice of pieces that lands in the window (the longest below it
    when none does)."""
    fillers = FILLERS_KO if has_hangul(title + "".join(parts)) or not title else FILLERS_EN
    own = [p for p in parts if p and len(p) <= high]
    extra = [f.format(title=title) for f in fillers]
    extra = [p for p in extra if len(p) <= high]
    best = ""
    for head in (own, []):  # the letter's own words first; invitations alone only when they cannot fit
        for mask in range(1 << len(extra)):
            text = " ".join([*head, *(p for n, p in enumerate(extra) if mask >> n & 1)])
            if low <= len(text) <= high:
                return text
            if len(best) < len(text) <= high:
                best = text
    return best


def footer(options: dict[str, Any]) -> dict[str, Any]:
    """The footer fields of the channel's options (정보통신망법 §50 when `commercial`)."""
    return {key: options[key] for key in ("commercial", "sender", "contact", "unsubscribe_url")}


def post_url(base_url: str, title: str, path: str) -> str:
    """The blog post's address: `base_url/<slug>/` (the slug the blog channel gives the post)."""
    return f"{base_url.rstrip('/')}/{quote(safe_slug(title, fallback=path))}/"


def subjects(outline: Outline, most: int) -> list[tuple[str, str]]:
    """Subject candidates (text, insight id), best first: hook lines of at most `most` characters,
    never the note's title."""
    out = [
        (plain(h), i.id)
        for h, i in zip(outline.hook_lines, outline.hooks, strict=True)
        if len(plain(h)) <= most and plain(h) != outline.title
    ]
    out += [
        (c.title, c.ideas[0].id)
        for c in outline.chapters
        if c.title and c.ideas and not c.heading and len(c.title) <= most and c.title != outline.title
    ]
    strongest = sorted(outline.ideas, key=lambda i: -i.score)[:CANDIDATES]
    out += [(bare(s), i.id) for i in strongest for s in i.sentences[:1] if len(bare(s)) <= most and says_something(s)]
    return list(dict.fromkeys(out))


def _strong(idea: Idea, least: float) -> bool:
    return not idea.quote and idea.callout not in CONTEXT_CALLOUTS and idea.score >= least


LETTER_CODE_LINES = 30
"""A code block of at most this many lines goes into the letter (longer ones stay in the post)."""
LETTER_TABLE_ROWS = 15
"""A table of at most this many rows goes into the letter."""


def in_letter(block: Block) -> bool:
    """Whether a code, table, image or math block of a takeaway is shown in the letter."""
    if block.kind == "code":
        return block.text.count("\n") < LETTER_CODE_LINES
    if block.kind == "table":
        return len(block.rows) <= LETTER_TABLE_ROWS
    return block.kind in ("image", "math")


def _takeaway(idea: Idea, outline: Outline, budget: int) -> Slot | None:
    slot = idea_slot(idea, "takeaway", title_of(idea, outline), budget, max_points=4, point_chars=90, shows=in_letter)
    if slot is None or not any(says_something(t) for t in (*slot.text, *slot.points)):
        return None
    return slot


def plan(
    outline: Outline, spec: ChannelSpec, options: dict[str, Any], labels: dict[str, Any], settings: Any
) -> list[Plan]:
    """A letter: subject (a hook), greeting, three takeaways, one quote, the button to the post, sign-off."""
    limits = spec.limits
    candidates = subjects(outline, int(limits["subject_max_chars"]))
    fallback = labels["letter_subject"].format(title=outline.title)
    if len(fallback) > int(limits["subject_max_chars"]):
        fallback = labels["letter_subject_short"]
    subject, subject_id = candidates[0] if candidates else (fallback, "")
    count, budget = int(limits["takeaways"]), int(limits["takeaway_max_chars"])
    takeaways: list[Slot] = []
    titles: set[str] = {bare(subject)}
    for least in (1.2, 0.0):  # the strong ideas first; a short note lends its other whole ideas
        for idea in pick(outline, count * 3, partial(_strong, least=least)):
            if len(takeaways) >= count or any(idea.id in s.insights for s in takeaways):
                continue
            if not idea.points and [bare(t) for t in idea.sentences] == [bare(subject)]:
                continue  # the subject line alone: the letter already opened with it
            slot = _takeaway(idea, outline, budget)
            if slot is None:
                continue
            if bare(slot.title) in titles:  # two takeaways of one chapter: the second needs no heading
                slot = replace(slot, title="")
            titles.add(bare(slot.title))
            takeaways.append(slot)
    if len(takeaways) < count:
        raise TooLittle(f"{len(takeaways)} whole idea(s) for takeaways, a letter needs {count}")
    takeaways = sorted(takeaways, key=lambda s: next(i.lines[0] for i in outline.ideas if i.id == s.insights[0]))
    used = {i for s in takeaways for i in s.insights}
    quotes = sorted((i for i in outline.ideas if i.quote and i.id not in used), key=lambda i: -i.score)
    quote_slot = next(
        (
            Slot("quote", "", fit(i.sentences, int(limits["quote_max_chars"])), (), (i.id,))
            for i in quotes
            if fit(i.sentences, int(limits["quote_max_chars"]))
        ),
        None,
    )
    if quote_slot is None:  # no quotation in the note: its strongest line not already said
        said = {bare(t) for s in takeaways for t in (*s.text, *s.points, s.title)} | {bare(subject)}
        lines = [*zip(outline.hook_lines, outline.hooks, strict=True)]
        strongest = sorted(outline.ideas, key=lambda i: -i.score)[:CANDIDATES]
        lines += [(t, i) for i in strongest for t in i.sentences if says_something(t)]
        most = int(limits["quote_max_chars"])
        line = next(((h, i) for h, i in lines if bare(h) not in said and len(h) <= most), None)
        if line is not None:
            quote_slot = Slot("quote", "", (plain(line[0]),), (), (line[1].id,))
    url = post_url(settings.site.base_url, outline.title, "")
    slots = [
        Slot("subject", "", (subject,), (), (subject_id,) if subject_id else ()),
        Slot("greeting", "", (options["greeting"] or labels["greeting"],)),
        *takeaways,
        *([quote_slot] if quote_slot else []),
        Slot("button", labels["read_more"], (url,)),
        *([Slot("sources", labels["post_sources"], (), tuple(cited))] if (cited := source_lines(outline)) else []),
        Slot("signoff", "", (options["signoff"] or labels["signoff"],)),
    ]
    return [Plan("newsletter", "letter", tuple(slots), (("subject", tuple(c for c, _ in candidates[1:4])),))]


def prepare(ctx: dict[str, Any], spec: ChannelSpec) -> dict[str, Any]:
    """Add `subject`, `preheader`, the letter's slots (`greeting`, `takeaways`, `quote`, `button`,
    `signoff`) and the footer fields."""
    if ctx["note"]["kind"] == "process-log":
        return prepare_story(ctx, spec)
    url = post_url(ctx["settings"].site.base_url, ctx["outline"].title, "")
    placed, _ = place_images(ctx["plans"][:1], ctx.get("image_files", {}), prefix=url)  # linked, never attached
    letter: Plan = placed[0]
    subject = letter.role("subject")[0].text[0]
    if ctx["options"]["commercial"]:
        subject = f"{AD_PREFIX} {subject}"
    takeaways = letter.role("takeaway")
    low, high = int(spec.limits["preheader_min_chars"]), int(spec.limits["preheader_max_chars"])
    names = [s.title for s in takeaways if s.title]
    lead = ""
    while names and not lead:
        lead = ctx["labels"]["letter_preheader"].format(names=" · ".join(names))
        lead, names = (lead, names) if len(lead) <= high else ("", names[:-1])
    used = set(letter.insights)
    return {
        **ctx,
        "plan": letter,
        "insights": [i for i in ctx["insights"] if i.id in used],
        "items": takeaways,
        "subject": subject,
        "preheader": fit_preheader([lead], low, high, ctx["outline"].title),
        "greeting": letter.role("greeting")[0].text[0],
        "takeaways": takeaways,
        "quote": (letter.role("quote") or (None,))[0],
        "button": letter.role("button")[0],
        "sources": (letter.role("sources") or (None,))[0],
        "signoff": letter.role("signoff")[0].text[0],
        **footer(ctx["options"]),
    }


def prepare_story(ctx: dict[str, Any], spec: ChannelSpec) -> dict[str, Any]:
    """A "this week in the making" issue: hook, a few items per part, the invitation."""
    room = int(spec.limits["max_items"])
    out = story_context(ctx, {"self": room * 3 // 8, "us": room * 3 // 8, "now": room - 2 * (room * 3 // 8)})
    story = out["story"]
    told = sum(1 for p in out["parts"] if p["insights"])
    if told < int(spec.limits["takeaways"]):
        raise TooLittle(f"{told} part(s) of the story told, a letter needs {spec.limits['takeaways']}")
    title = out["note"]["title"]
    most = int(spec.limits["subject_max_chars"])
    candidates = [f"이번 주 만드는 중: {title}", out["hook_line"], "이번 주 만드는 중"]
    subject = next(c for c in candidates if c and len(c) <= most)
    if ctx["options"]["commercial"]:
        subject = f"{AD_PREFIX} {subject}"
    low, high = spec.limits["preheader_min_chars"], spec.limits["preheader_max_chars"]
    return {
        **out,
        "subject": subject,
        "preheader": story_preheader(story, int(low), int(high)),
        "items": out["insights"],
        "greeting": ctx["options"]["greeting"] or ctx["labels"]["greeting"],
        "signoff": ctx["options"]["signoff"] or ctx["labels"]["signoff"],
        "post_url": post_url(ctx["settings"].site.base_url, title, out["note"]["path"]),
        **footer(ctx["options"]),
    }


def story_preheader(story: Story, low: int, high: int) -> str:
    """The hook, then the invitation, cut to `high` characters and padded up to `low`."""
    parts = [says(i) for i in (story.hook, story.invitation) if i is not None]
    return fit_preheader(parts, low, high, story.title)


def email_eml(ctx: dict[str, Any]) -> bytes:
    """Builder: the HTML and text parts rendered just before, as one message file."""
    options = ctx["options"]
    slug = ctx["note"]["slug"]
    rendered = ctx["rendered"]
    contact = options["contact"] if "@" in options["contact"] else "newsletter@example.com"
    return build_eml(
        subject=ctx["subject"],
        sender=options["sender"],
        from_address=contact,
        text=rendered[f"newsletter/{slug}.txt"].decode("utf-8"),
        html=rendered[f"newsletter/{slug}.html"].decode("utf-8"),
        day=ctx["note"]["lastmod"] if ctx["note"]["dated"] else "",  # no date of hers: the sender dates it
        key=ctx["note"]["path"],
        unsubscribe_url=options["unsubscribe_url"],
        commercial=options["commercial"],
    )
