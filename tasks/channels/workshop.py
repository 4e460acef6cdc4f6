"""Workshop preparer: slides with bounded lines and speaker notes, a run of show, and the PPTX."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from tasks.builders.deck import DeckSlide, build_deck
from tasks.model import Insight
from tasks.render.channel import ChannelSpec
from tasks.render.filters import clip

SHARES = (0.10, 0.30, 0.30, 0.20, 0.10)
"""Share of the total time of each run-of-show block (opening, key ideas, activity, discussion, wrap-up);
their names and texts are the `blocks` labels (channel_templates/_base/labels.yaml)."""


def run_of_show(total: int, labels: dict[str, Any], title: str = "", topics: str = "") -> list[dict[str, Any]]:
    """Blocks whose minutes add up exactly to `total`."""
    minutes = [int(total * share) for share in SHARES]
    minutes[1] += total - sum(minutes)
    blocks, start = [], 0
    for (name, say, do, materials), m in zip(labels["blocks"], minutes, strict=True):
        text = say.format(title=title, topics=topics).replace("|", "/")
        blocks.append({"name": name, "minutes": m, "start": start, "say": text, "do": do, "materials": materials})
        start += m
    return blocks


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def note_comment(text: str) -> str:
    """Text safe inside an HTML comment (no `-->`, no `--`)."""
    return re.sub(r"-{2,}", "—", text).strip()


def _slide(insight: Insight, max_lines: int) -> dict[str, Any]:
    body = list(insight.points) or insight.text.split("\n")[1:] or [insight.text]
    lines = [clip(_one_line(p), 80) for p in body if p.strip()][: max_lines - 1]
    notes = note_comment(insight.text) or note_comment(insight.title) or "—"
    return {"title": clip(_one_line(insight.title), 60), "lines": [f"- {ln}" for ln in lines], "bullets": lines,
            "notes": notes, "insight": insight}  # fmt: skip


NUMBERING = re.compile(r"^\d+[.)]\s*")
FRAMEWORK_WORDS = re.compile(
    r"\d+\s*가지|법칙|원리|원칙|단계|구조|프레임|모델|steps?|principles?|rules?", re.IGNORECASE
)


def _framework_score(insight: Insight) -> tuple[float, int]:
    """Lower is better: named frameworks whose points are numbered steps come first."""
    numbered = sum(bool(NUMBERING.match(p)) for p in insight.points) / len(insight.points)
    named = 1.0 if FRAMEWORK_WORDS.search(insight.title) else 0.0
    return (-(numbered + named), insight.lines[0])


def exercise(insights: list[Insight], title: str, labels: dict[str, Any]) -> tuple[str, list[str]]:
    """The participant exercise: the note's checklist as a self-assessment, else its frameworks as questions."""
    checklist = [_one_line(p) for i in insights if i.type == "checklist" for p in i.points]
    if checklist:
        return labels["checklist_intro"], checklist
    frameworks = sorted((i for i in insights if i.type == "framework" and len(i.points) >= 2), key=_framework_score)
    if frameworks:
        best = frameworks[0]
        steps = [NUMBERING.sub("", _one_line(p)) for p in best.points][:6]
        intro = labels["framework_intro"].format(title=clip(_one_line(best.title), 50))
        return intro, [labels["framework_item"].format(step=step) for step in steps]
    topics = [clip(_one_line(i.title), 50) for i in insights[:3]] or [title]
    return labels["apply_intro"], [labels["apply_item"].format(topic=t) for t in topics]


def prepare(ctx: dict[str, Any], spec: ChannelSpec) -> dict[str, Any]:
    """Add `slides`, `blocks`, `exercise`, `questions` and `total_minutes`."""
    if ctx["note"]["kind"] == "process-log":  # a making-of story (tasks/channels/story.py)
        from tasks.channels.story import prepare_workshop

        return prepare_workshop(ctx, spec)
    insights: list[Insight] = ctx["insights"][: int(spec.limits["max_slides"])]
    total = ctx["settings"].workshop.total_minutes
    slides = [_slide(i, int(spec.limits["max_lines_per_slide"])) for i in insights]
    topics = ", ".join(s["title"] for s in slides[:3])
    labels = ctx["labels"]
    title = ctx["note"]["title"]
    intro, items = exercise(list(ctx["insights"]), title, labels)  # the whole note, not only the slides
    questions = [labels["question"].format(title=clip(_one_line(i.title), 50)) for i in insights if i.type != "quote"]
    questions = questions[:5] or [labels["question_fallback"].format(title=title)]
    return {
        **ctx,
        "insights": insights,
        "slides": slides,
        "blocks": run_of_show(total, labels, title, topics),
        "exercise_intro": intro,
        "exercise": items,
        "questions": questions,
        "total_minutes": total,
        "opening_note": note_comment(labels["opening_note"].format(title=title, count=len(insights))),
    }


def _bullets(slide: dict[str, Any]) -> tuple[str, ...]:
    """A slide's lines without the markdown `- ` marker (story slides carry only `lines`)."""
    if "bullets" in slide:
        return tuple(slide["bullets"])
    return tuple(line.removeprefix("- ") for line in slide["lines"])


def deck_pptx(ctx: dict[str, Any]) -> bytes:
    """Builder: the same slides as the Marp deck, as an editable PPTX."""
    roots = " · ".join(r.title for r in ctx["roots"])
    opening = ctx.get("opening_note") or ctx["note"]["title"]
    cover = DeckSlide(ctx["note"]["title"], (roots,) if roots else (), opening)
    body = tuple(DeckSlide(s["title"], _bullets(s), s["notes"] or s["title"]) for s in ctx["slides"])
    modified = datetime.fromisoformat(ctx["note"]["lastmod"])
    return build_deck((cover, *body), ctx["options"]["pptx_font"], ctx["note"]["title"], modified)
