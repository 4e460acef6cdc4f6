"""Instagram preparer: posts (one per insight group), hooks, captions, slides, hashtags."""

from __future__ import annotations

from typing import Any

from tasks.model import Insight
from tasks.render import ChannelSpec, _clip


def _groups(insights: list[Insight], size: int) -> list[list[Insight]]:
    """Consecutive insights of one section, at most `size` per post."""
    groups: list[list[Insight]] = []
    for insight in insights:
        if groups and groups[-1][0].section == insight.section and len(groups[-1]) < size:
            groups[-1].append(insight)
        else:
            groups.append([insight])
    return groups


def _post(group: list[Insight], ctx: dict[str, Any], limits: dict[str, Any]) -> dict[str, Any]:
    hook = _clip(group[0].text.split("\n")[0], int(limits["hook_chars"]))
    tags = list(dict.fromkeys(h for i in group for h in i.hashtags))[: int(limits["max_hashtags"])]
    slides = [{"title": ctx["note"]["title"], "body": hook, "alt": f"{ctx['note']['title']}: {hook}"}]
    for insight in group[: int(limits["max_slides"]) - 1]:
        body = _clip(insight.text.replace("\n", " "), int(limits["slide_body_max_chars"]))
        slides.append({"title": insight.title, "body": body, "alt": _clip(insight.text, int(limits["alt_max_chars"]))})
    paragraphs = [i.text.replace("\n", " ") for i in group[1:]]
    return {
        "hook": hook,
        "paragraphs": paragraphs,
        "hashtags": tags,
        "hashtag_line": " ".join(f"#{t}" for t in tags),
        "slides": slides,
        "insights": group,
    }


def prepare(ctx: dict[str, Any], spec: ChannelSpec) -> dict[str, Any]:
    """Add `posts`: one per group of insights."""
    if ctx["note"]["kind"] == "process-log":  # a making-of story (tasks/channels/story.py)
        from tasks.channels.story import prepare_instagram

        return prepare_instagram(ctx, spec)
    insights = [i for i in ctx["insights"] if i.text.strip()]
    size = int(spec.options["insights_per_post"])
    return {**ctx, "posts": [_post(g, ctx, spec.limits) for g in _groups(insights, size)]}
