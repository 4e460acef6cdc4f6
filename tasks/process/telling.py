"""Telling a making-of story on a channel: what every channel's story variant shares.

A process log renders as a story, not as a note: each channel's preparer
(`tasks/channels/<name>.py`) hands a `process-log` context to its own story variant, which
starts from `story_context` here and adds what its templates need (`story*.j2`, selected
with `when: [process-log]`). Every part (Self, Us, Now) carries the entry dates and insight
ids of what the output shows, so each output says where its words came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tasks.model import Insight
from tasks.process.story import KIND_LABELS, Story, StoryPart, build_story

PREFER: dict[str, tuple[str, ...]] = {
    "self": ("failure", "why", "did"),
    "us": ("learned", "why"),
    "now": ("pivot", "next"),
}
"""Which insight types a part shows first when a channel has room for only a few."""


def _queue(insights: Sequence[Insight], kind: str) -> list[Insight]:
    """Insights of one type, best first: fully told failures/pivots, latest lessons and steps."""
    same = [i for i in insights if i.type == kind]
    if kind in ("failure", "pivot"):
        return sorted(same, key=lambda i: -min(i.text.count("\n"), 3))
    return list(reversed(same)) if kind in ("learned", "next") else same


def pick(part: StoryPart, n: int, story: Story) -> list[Insight]:
    """At most `n` insights of a part for a channel with little room, shown in date order.

    The hook is already shown at the top, so it is skipped; Us keeps the shared problem and
    Now the invitation; the rest is taken type by type in the part's preferred order.
    """
    must = {"us": story.shared_problem, "now": story.invitation}.get(part.key)
    chosen: list[Insight] = [must] if must is not None and must in part.insights else []
    rest = [i for i in part.insights if i is not story.hook and i not in chosen]
    queues = [_queue(rest, kind) for kind in PREFER[part.key]]
    while len(chosen) < n and any(queues):
        for queue in queues:
            if queue and len(chosen) < n:
                chosen.append(queue.pop(0))
    ids = {i.id for i in chosen}
    return [i for i in part.insights if i.id in ids]


def says(insight: Insight) -> str:
    """An insight on one line; a callout reads `title — body`."""
    lines = [line.strip() for line in insight.text.split("\n") if line.strip()]
    if len(lines) > 1 and lines[0] == insight.title:
        return f"{lines[0]} — {' '.join(lines[1:])}"
    return " ".join(lines)


def by_entry(insights: Sequence[Insight]) -> list[dict[str, Any]]:
    """Insights grouped under their entry (date and heading), in order."""
    groups: list[dict[str, Any]] = []
    for insight in insights:
        if not groups or (groups[-1]["date"], groups[-1]["heading"]) != (insight.date, insight.section):
            title = insight.section.removeprefix(insight.date).strip()
            groups.append({"date": insight.date, "heading": insight.section, "title": title, "insights": []})
        groups[-1]["insights"].append(insight)
    return groups


def part_view(part: StoryPart, shown: Sequence[Insight], story: Story) -> dict[str, Any]:
    """What a template needs of one part: label, heading, what is shown and where it came from.

    In Us, the shared problem (a `why` readers share) opens the part as a question to the reader
    (`prompt`); in Now, the last `next` closes it as an invitation (`closing`). Neither is
    listed again under its entry.
    """
    dates = sorted({i.date for i in shown if i.date})
    prompt = story.shared_problem if part.key == "us" and story.shared_problem in shown else None
    closing = story.invitation if part.key == "now" and story.invitation in shown else None
    return {
        "key": part.key,
        "label": part.label,
        "heading": part.heading,
        "insights": list(shown),
        "prompt": prompt,
        "closing": closing,
        "entries": by_entry([i for i in shown if i is not prompt and i is not closing]),
        "dates": dates,
        "ids": [i.id for i in shown],
        "trace": f"entries={','.join(dates)} insights={','.join(i.id for i in shown)}",
    }


def story_context(ctx: dict[str, Any], per_part: dict[str, int] | None = None) -> dict[str, Any]:
    """The story of the context's insights, with parts trimmed to `per_part` items when given."""
    story = build_story(ctx["note"]["title"], ctx["insights"])
    parts = [part_view(p, pick(p, per_part[p.key], story) if per_part else p.insights, story) for p in story.parts]
    shown = {i.id: i for p in parts for i in p["insights"]}
    if story.hook is not None:
        shown.setdefault(story.hook.id, story.hook)
    used = [i for i in story.insights if i.id in shown]
    return {
        **ctx,
        "insights": used,
        "story": story,
        "parts": parts,
        "hook": story.hook,
        "timeline": list(story.timeline),
        "kind_labels": KIND_LABELS,
        "says": {i.id: says(i) for i in story.insights},
        "hook_head": hook_head(story.hook),
        "hook_line": hook_line(story.hook, ctx["note"]["title"]),
        "hook_body": hook_body(story.hook),
        "story_front": story_front(story, parts),
    }


def story_front(story: Story, parts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The `story:` block of an output's front matter (range, hook and each part's sources)."""
    return {
        "range": [story.start, story.end],
        "hook": story.hook.id if story.hook else None,
        "parts": [{"part": p["key"], "entries": p["dates"], "insights": p["ids"]} for p in parts],
    }


def hook_head(hook: Insight | None) -> str:
    """The hook's own title when it has one (a `[!failure]`/`[!pivot]` callout), else empty."""
    if hook is None or "\n" not in hook.text:
        return ""
    return hook.title if hook.text.split("\n", 1)[0].strip() == hook.title else ""


def hook_body(hook: Insight | None) -> str:
    """The hook on one line, without the title `hook_head` already shows."""
    if hook is None:
        return ""
    head = hook_head(hook)
    lines = [line.strip() for line in hook.text.split("\n") if line.strip()]
    return " ".join(lines[1:] if head else lines)


def hook_line(hook: Insight | None, title: str) -> str:
    """The opening line: `실패 · 2025-11-12 — 카드뉴스 자동화는 접기로` (the title only for a callout)."""
    if hook is None:
        return title
    head = hook_head(hook)
    return f"{KIND_LABELS.get(hook.type, hook.type)} · {hook.date}" + (f" — {head}" if head else "")
