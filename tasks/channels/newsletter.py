"""Newsletter preparer: subject, preheader (85–100 chars), items, sender footer, and the .eml.

A process log becomes a "this week in the making" issue instead: `prepare_story`.
"""

from __future__ import annotations

import re
from typing import Any

from tasks.builders.email import build_eml
from tasks.model import Insight
from tasks.nlp.korean import has_hangul
from tasks.process.story import Story
from tasks.process.telling import says, story_context
from tasks.render.channel import ChannelSpec
from tasks.render.filters import clip

AD_PREFIX = "(광고)"
# Invitations appended when the insights alone are shorter than the preheader minimum;
# together they always reach it, whatever the title.
FILLERS_KO = (
    "이번 호에서는 '{title}'의 핵심 인사이트와 그 뿌리가 되는 개념을 정리했습니다.",
    "본문에서 자세히 읽어 보세요.",
    "읽고 떠오른 생각이 있다면 답장으로 들려주세요.",
)
FILLERS_EN = (
    "This issue collects the key insights of '{title}' and the ideas behind them.",
    "Read on for the details.",
    "Reply and tell us what you think.",
)


def preheader(insights: list[Insight], low: int, high: int, title: str = "") -> str:
    """Insight sentences (then a short invitation) until the text is `low`–`high` characters."""
    parts = [re.sub(r"\s+", " ", i.text.split("\n")[0]).strip() for i in insights]
    return fit_preheader(parts, low, high, title)


def fit_preheader(parts: list[str], low: int, high: int, title: str = "") -> str:
    """`parts` joined until `low` characters, invitations appended if short, cut to `high`."""
    fillers = FILLERS_KO if has_hangul(title + "".join(parts)) or not title else FILLERS_EN
    text = ""
    for part in [*parts, *(f.format(title=title) for f in fillers)]:
        if part:
            text = f"{text} {part}".strip()
        if len(text) >= low:
            break
    clipped = clip(text, high)
    return clipped if len(clipped) >= low else text[: high - 1] + "…"


def footer(options: dict[str, Any]) -> dict[str, Any]:
    """The footer fields of the channel's options (정보통신망법 §50 when `commercial`)."""
    return {key: options[key] for key in ("commercial", "sender", "contact", "unsubscribe_url")}


def prepare(ctx: dict[str, Any], spec: ChannelSpec) -> dict[str, Any]:
    """Add `subject`, `preheader`, `items` and footer fields."""
    if ctx["note"]["kind"] == "process-log":
        return prepare_story(ctx, spec)
    insights: list[Insight] = ctx["insights"]
    subject = re.sub(r"\s+", " ", ctx["note"]["title"]).strip()  # a header: one line
    if ctx["options"]["commercial"]:
        subject = f"{AD_PREFIX} {subject}"
    items = insights[: int(spec.limits["max_items"])]
    low, high = int(spec.limits["preheader_min_chars"]), int(spec.limits["preheader_max_chars"])
    return {
        **ctx,
        "insights": items,
        "items": items,
        "subject": subject,
        "preheader": preheader(items, low, high, ctx["note"]["title"]),
        **footer(ctx["options"]),
    }


def prepare_story(ctx: dict[str, Any], spec: ChannelSpec) -> dict[str, Any]:
    """A "this week in the making" issue: hook, a few items per part, the invitation."""
    room = int(spec.limits["max_items"])
    out = story_context(ctx, {"self": room * 3 // 8, "us": room * 3 // 8, "now": room - 2 * (room * 3 // 8)})
    story = out["story"]
    subject = f"이번 주 만드는 중: {out['note']['title']}"
    if ctx["options"]["commercial"]:
        subject = f"{AD_PREFIX} {subject}"
    low, high = spec.limits["preheader_min_chars"], spec.limits["preheader_max_chars"]
    return {
        **out,
        "subject": subject,
        "preheader": story_preheader(story, int(low), int(high)),
        "items": out["insights"],
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
        day=ctx["note"]["lastmod"],
        key=ctx["note"]["path"],
        unsubscribe_url=options["unsubscribe_url"],
        commercial=options["commercial"],
    )
