"""Newsletter preparer: subject, preheader (85–100 chars), items, sender footer."""

from __future__ import annotations

from typing import Any

from tasks.model import Insight
from tasks.render import ChannelSpec, _clip

AD_PREFIX = "(광고)"


def preheader(insights: list[Insight], low: int, high: int) -> str:
    """Join insight sentences until the text is between `low` and `high` characters."""
    text = ""
    for insight in insights:
        text = f"{text} {insight.text.split(chr(10))[0]}".strip()
        if len(text) >= low:
            break
    text = _clip(text, high)
    return text if len(text) >= low else (text + " · 이번 호에서 자세히 읽어 보세요.")[:high]


def prepare(ctx: dict[str, Any], spec: ChannelSpec) -> dict[str, Any]:
    """Add `subject`, `preheader`, `items` and footer fields."""
    if ctx["note"]["kind"] == "process-log":  # a making-of story (tasks/channels/story.py)
        from tasks.channels.story import prepare_newsletter

        return prepare_newsletter(ctx, spec)
    settings = ctx["settings"].newsletter
    insights: list[Insight] = ctx["insights"]
    subject = ctx["note"]["title"]
    if settings.commercial:
        subject = f"{AD_PREFIX} {subject}"
    items = insights[: int(spec.limits["max_items"])]
    return {
        **ctx,
        "insights": items,
        "items": items,
        "subject": subject,
        "preheader": preheader(items, spec.limits["preheader_min_chars"], spec.limits["preheader_max_chars"]),
        "sender": settings.sender,
        "contact": settings.contact,
        "unsubscribe_url": settings.unsubscribe_url,
    }
