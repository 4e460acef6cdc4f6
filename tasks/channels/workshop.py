"""Workshop preparer: slides with bounded lines and speaker notes, and a run of show."""

from __future__ import annotations

from typing import Any

from tasks.model import Insight
from tasks.render import ChannelSpec, _clip

BLOCKS = (
    # (name, share of the total time, say, do, materials)
    ("오프닝", 0.10, "오늘의 질문과 목표를 나눕니다.", "참가자 자기소개 한 문장", "슬라이드 1"),
    ("핵심 개념", 0.30, "슬라이드의 인사이트를 설명합니다.", "메모하며 듣기", "슬라이드"),
    ("참가자 활동", 0.30, "체크리스트/질문으로 자기 사례를 점검하게 합니다.", "개인 작업 후 짝 토론", "활동지, 펜"),
    ("토론", 0.20, "토론 질문으로 경험을 나눕니다.", "소그룹 토론", "토론 질문"),
    ("마무리", 0.10, "배운 점과 적용할 한 가지를 정리합니다.", "한 문장 소감", "포스트잇"),
)


def run_of_show(total: int) -> list[dict[str, Any]]:
    """Blocks whose minutes add up exactly to `total`."""
    minutes = [int(total * share) for _, share, *_ in BLOCKS]
    minutes[1] += total - sum(minutes)
    blocks, start = [], 0
    for (name, _, say, do, materials), m in zip(BLOCKS, minutes, strict=True):
        blocks.append({"name": name, "minutes": m, "start": start, "say": say, "do": do, "materials": materials})
        start += m
    return blocks


def _slide(insight: Insight, max_lines: int) -> dict[str, Any]:
    body = list(insight.points) or insight.text.split("\n")[1:] or [insight.text]
    lines = [f"- {_clip(p.replace(chr(10), ' '), 80)}" for p in body[: max_lines - 1]]
    return {"title": insight.title, "lines": lines, "notes": insight.text, "insight": insight}


def prepare(ctx: dict[str, Any], spec: ChannelSpec) -> dict[str, Any]:
    """Add `slides`, `blocks`, `exercise`, `questions` and `total_minutes`."""
    if ctx["note"]["kind"] == "process-log":  # a making-of story (tasks/channels/story.py)
        from tasks.channels.story import prepare_workshop

        return prepare_workshop(ctx, spec)
    insights: list[Insight] = ctx["insights"][: int(spec.limits["max_slides"])]
    total = ctx["settings"].workshop.total_minutes
    checklist = [p for i in insights if i.type == "checklist" for p in i.points]
    exercise = checklist or [f"'{i.title}'을(를) 내 일에 적용하면?" for i in insights[:3]]
    return {
        **ctx,
        "insights": insights,
        "slides": [_slide(i, int(spec.limits["max_lines_per_slide"])) for i in insights],
        "blocks": run_of_show(total),
        "exercise": exercise,
        "questions": [f"{i.title} — 여러분의 경험은?" for i in insights if i.type in ("claim", "framework")][:5],
        "total_minutes": total,
        "opening_note": f"{ctx['note']['title']}: 오늘은 {len(insights)}개의 인사이트를 다룹니다.",
    }
