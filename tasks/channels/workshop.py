"""Workshop preparer: slides with bounded lines and speaker notes, a run of show, and the PPTX.

A process log becomes a case study with a Self / Us / Now exercise instead: `prepare_story`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tasks.builders.deck import DeckSlide, build_deck
from tasks.model import Insight
from tasks.process.story import KIND_LABELS, Story
from tasks.process.telling import hook_body, hook_head, says, story_context
from tasks.render.channel import ChannelSpec
from tasks.render.filters import clip

SHARES = (0.10, 0.30, 0.30, 0.20, 0.10)
"""Share of the total time of each run-of-show block (opening, key ideas, activity, discussion, wrap-up);
their names and texts are the `blocks` labels (channel_templates/_base/labels.yaml)."""
LINE_CHARS = 80
"""Longest slide line, in characters."""
CASE_BLOCKS = (
    # (name, share of the total time, say, do, materials)
    ("오프닝", 0.10, "오늘 볼 사례와 Self → Us → Now 구조를 소개합니다.", "내 프로젝트 한 줄 소개", "슬라이드 1–2"),
    (
        "사례: Self",
        0.20,
        "왜 시작했고 무엇을 했고 어디서 넘어졌는지 들려줍니다.",
        "실패 지점에 표시하며 듣기",
        "타임라인 슬라이드",
    ),
    ("사례: Us · Now", 0.15, "배운 점과 피벗, 다음 걸음을 나눕니다.", "내 경험과 닮은 곳 메모", "Us · Now 슬라이드"),
    (
        "실습: 나의 제작기",
        0.30,
        "자기 프로젝트를 Self / Us / Now 로 적게 합니다.",
        "개인 작업 후 짝에게 말하기",
        "활동지, 펜",
    ),
    ("토론", 0.15, "토론 질문으로 실패와 피벗을 공유하는 법을 이야기합니다.", "소그룹 토론", "토론 질문"),
    ("마무리", 0.10, "공유할 기록 하나와 첫 게시 날짜를 정합니다.", "한 문장 약속", "포스트잇"),
)


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
    if ctx["note"]["kind"] == "process-log":
        return prepare_story(ctx, spec)
    insights: list[Insight] = ctx["insights"][: int(spec.limits["max_slides"])]
    total = int(ctx["options"]["total_minutes"])
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


def case_run_of_show(total: int) -> list[dict[str, Any]]:
    """Case-study blocks whose minutes add up exactly to `total`."""
    minutes = [int(total * share) for _, share, *_ in CASE_BLOCKS]
    minutes[3] += total - sum(minutes)  # the exercise absorbs rounding
    blocks, start = [], 0
    for (name, _, say, do, materials), m in zip(CASE_BLOCKS, minutes, strict=True):
        blocks.append({"name": name, "minutes": m, "start": start, "say": say, "do": do, "materials": materials})
        start += m
    return blocks


def _lines(texts: Sequence[str], max_lines: int) -> list[str]:
    return [f"- {clip(t, LINE_CHARS)}" for t in texts[: max_lines - 1]]


def case_slides(out: dict[str, Any], timeline: list[str], exercise: list[str], max_lines: int) -> list[dict[str, Any]]:
    """Hook, timeline, one slide per part, the exercise: `{title, lines, notes}` like note slides."""
    story: Story = out["story"]
    slides = []
    if story.hook is not None:
        head = hook_head(story.hook)
        body = story.hook.text.split("\n")[1:] if head else [hook_body(story.hook)]
        notes = f"part=hook entries={story.hook.date} insights={story.hook.id}\n{story.hook.text}"
        slides.append({"title": out["hook_line"], "lines": _lines([b for b in body if b], max_lines), "notes": notes})
    slides.append(
        {"title": "타임라인", "lines": _lines(timeline, max_lines), "notes": "기록을 날짜순으로 짚어 줍니다."}
    )
    for part in out["parts"]:
        if not part["insights"]:
            continue
        items = [f"{KIND_LABELS[i.type]} ({i.date[5:]}): {i.title}" for i in part["insights"]]
        told = "\n".join(f"{i.date} {KIND_LABELS[i.type]}: {says(i)}" for i in part["insights"])
        title = f"{part['label']} — {clip(part['heading'], 40)}"
        slides.append(
            {"title": title, "lines": _lines(items, max_lines), "notes": f"part={part['key']} {part['trace']}\n{told}"}
        )
    notes = "개인 작업 후 짝에게 3분씩 말하게 합니다. 실패를 먼저 말하는 사람이 이깁니다."
    slides.append(
        {"title": "실습: 나의 제작기 (Self → Us → Now)", "lines": _lines(exercise, max_lines), "notes": notes}
    )
    return slides


def prepare_story(ctx: dict[str, Any], spec: ChannelSpec) -> dict[str, Any]:
    """A case-study slide set (timeline, Self, Us, Now) and a guide with a Self/Us/Now exercise."""
    max_lines = int(spec.limits["max_lines_per_slide"])
    out = story_context(ctx, {"self": max_lines - 1, "us": max_lines - 1, "now": max_lines - 1})
    story = out["story"]
    timeline = [f"{t.date} {t.title}".strip() for t in story.timeline]
    if len(timeline) > max_lines - 1:
        timeline = [*timeline[: max_lines - 2], f"… 외 {len(timeline) - (max_lines - 2)}개 기록"]
    learned = [i for p in out["parts"] for i in p["insights"] if i.type == "learned"]
    failures = [i for p in out["parts"] for i in p["insights"] if i.type in ("failure", "pivot")]
    questions = [f"'{clip(i.title, 40)}' — 여러분이라면 여기서 무엇을 바꾸겠어요?" for i in failures[:3]]
    questions += [f"'{clip(i.title, 40)}' — 내 일에도 해당되나요?" for i in learned[:2]]
    exercise = [
        "Self: 최근 내 프로젝트에서 넘어진 순간 하나를 날짜와 함께 적는다",
        "Self: 그 일을 왜 시작했는지 한 문장으로 적는다",
        "Us: 그 실패에서 배운 점을, 같은 고민을 가진 사람에게 말하듯 적는다",
        "Now: 방향을 바꾼 지점(피벗)이나 다음 한 걸음을 적고, 함께할 사람을 초대하는 문장으로 끝낸다",
    ]
    return {
        **out,
        "slides": case_slides(out, timeline, exercise, max_lines),
        "opening_note": "만드는 과정을 실패와 피벗까지 그대로 보여주는 사례입니다. 결과보다 과정에 집중해 주세요.",
        "blocks": case_run_of_show(int(ctx["options"]["total_minutes"])),
        "total_minutes": int(ctx["options"]["total_minutes"]),
        "exercise": exercise,
        "questions": questions,
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
