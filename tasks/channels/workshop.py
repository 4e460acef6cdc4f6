"""Workshop preparer: slides with bounded lines and speaker notes, a run of show, and the PPTX."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from tasks.deck import DeckSlide, build_deck
from tasks.model import Insight
from tasks.render import ChannelSpec, _clip

BLOCKS = (
    # (name, share of the total time, say, do, materials)
    ("오프닝", 0.10, "오늘의 질문과 목표를 나눕니다: {title}.", "참가자 자기소개 한 문장", "표지 슬라이드"),
    ("핵심 개념", 0.30, "슬라이드로 인사이트를 설명합니다: {topics}.", "메모하며 듣기, 질문 적기", "슬라이드"),
    ("참가자 활동", 0.30, "활동지의 문항으로 자기 사례를 점검하게 합니다.", "개인 작업 후 짝 토론", "활동지, 펜"),
    ("토론", 0.20, "토론 질문으로 경험을 나눕니다.", "소그룹 토론 후 발표", "토론 질문"),
    ("마무리", 0.10, "배운 점과 적용할 한 가지를 정리합니다.", "한 문장 소감", "포스트잇"),
)


def run_of_show(total: int, title: str = "", topics: str = "") -> list[dict[str, Any]]:
    """Blocks whose minutes add up exactly to `total`."""
    minutes = [int(total * share) for _, share, *_ in BLOCKS]
    minutes[1] += total - sum(minutes)
    blocks, start = [], 0
    for (name, _, say, do, materials), m in zip(BLOCKS, minutes, strict=True):
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
    lines = [_clip(_one_line(p), 80) for p in body if p.strip()][: max_lines - 1]
    notes = note_comment(insight.text) or note_comment(insight.title) or "—"
    return {"title": _clip(_one_line(insight.title), 60), "lines": [f"- {ln}" for ln in lines], "bullets": lines,
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


def exercise(insights: list[Insight], title: str) -> tuple[str, list[str]]:
    """The participant exercise: the note's checklist as a self-assessment, else its frameworks as questions."""
    checklist = [_one_line(p) for i in insights if i.type == "checklist" for p in i.points]
    if checklist:
        return (
            "자가 점검: 각 문항에 1(전혀 아니다)–5(매우 그렇다)로 답하고, 가장 낮은 문항의 개선책을 적어 보세요.",
            checklist,
        )
    frameworks = sorted((i for i in insights if i.type == "framework" and len(i.points) >= 2), key=_framework_score)
    if frameworks:
        best = frameworks[0]
        steps = [NUMBERING.sub("", _one_line(p)) for p in best.points][:6]
        intro = f"프레임워크 적용: '{_clip(_one_line(best.title), 50)}'의 각 요소를 내 일에 대입해 답을 적어 보세요."
        return intro, [f"{step} — 내 일에서는 어떻게 하고 있나요?" for step in steps]
    topics = [_clip(_one_line(i.title), 50) for i in insights[:3]] or [title]
    return "적용 연습: 각 인사이트를 내 일에 적용할 방법을 한 가지씩 적어 보세요.", [
        f"'{t}'을(를) 내 일에 적용하면?" for t in topics
    ]


def prepare(ctx: dict[str, Any], spec: ChannelSpec) -> dict[str, Any]:
    """Add `slides`, `blocks`, `exercise`, `questions` and `total_minutes`."""
    if ctx["note"]["kind"] == "process-log":  # a making-of story (tasks/channels/story.py)
        from tasks.channels.story import prepare_workshop

        return prepare_workshop(ctx, spec)
    insights: list[Insight] = ctx["insights"][: int(spec.limits["max_slides"])]
    total = ctx["settings"].workshop.total_minutes
    slides = [_slide(i, int(spec.limits["max_lines_per_slide"])) for i in insights]
    topics = ", ".join(s["title"] for s in slides[:3])
    intro, items = exercise(list(ctx["insights"]), ctx["note"]["title"])  # the whole note, not only the slides
    questions = [f"{_clip(_one_line(i.title), 50)} — 여러분의 경험은?" for i in insights if i.type != "quote"][:5]
    questions = questions or [f"'{ctx['note']['title']}'와 관련해 최근에 겪은 일은 무엇인가요?"]
    return {
        **ctx,
        "insights": insights,
        "slides": slides,
        "blocks": run_of_show(total, ctx["note"]["title"], topics),
        "exercise_intro": intro,
        "exercise": items,
        "questions": questions,
        "total_minutes": total,
        "opening_note": note_comment(f"{ctx['note']['title']}: 오늘은 {len(insights)}개의 인사이트를 다룹니다."),
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
