"""Workshop preparer: slides with bounded lines and speaker notes, a run of show, and the PPTX.

A process log becomes a case study with a Self / Us / Now exercise instead: `prepare_story`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from tasks.builders.deck import DeckSlide, build_deck
from tasks.compose.ideas import Figure, Idea, bare, plain
from tasks.compose.outline import Outline, key_phrase
from tasks.compose.plan import Plan, Slot, idea_slot, title_of
from tasks.model import Block
from tasks.nlp import korean
from tasks.process.story import KIND_LABELS, Story
from tasks.process.telling import hook_body, hook_head, says, story_context
from tasks.render.blocks import spoken
from tasks.render.channel import ChannelSpec
from tasks.render.filters import whole
from tasks.render.images import image_bytes, place_images

__all__ = ["deck_pptx", "image_bytes", "plan", "prepare"]  # `image_bytes`: the builder that copies the deck's images

LINE_CHARS = 80
SLIDE_CODE_LINES = 14
"""A code block of at most this many lines gets a slide of its own (a monospace box); longer ones stay in the post."""
SLIDE_TABLE_ROWS = 8
"""A table of at most this many rows (header included) gets a slide of its own (a native table in the PPTX)."""


def on_slide(block: Block) -> bool:
    """Whether a code, table, image or math block of an idea fits a slide of its own."""
    if block.kind == "code":
        return block.text.count("\n") < SLIDE_CODE_LINES
    if block.kind == "table":
        return len(block.rows) <= SLIDE_TABLE_ROWS
    return block.kind in ("image", "math")


def figure_slots(slot: Slot, title: str, labels: dict[str, Any]) -> list[Slot]:
    """A slide per figure of an idea's slide, after it: titled by the idea and what the figure is."""
    out = []
    for figure in slot.figures:
        kind = labels["figure_kinds"][figure.block.kind]
        out.append(
            Slot(
                "figure",
                labels["figure_title"].format(title=title, kind=kind),
                (),
                (),
                slot.insights,
                notes=(note_comment(labels["figure_note"].format(kind=kind)),),
                figures=(Figure(figure.block, 0),),
            )
        )
    return out


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


def note_comment(text: str) -> str:
    """Text safe inside an HTML comment (no `-->`, no `--`)."""
    return re.sub(r"-{2,}", "—", text).strip()


QUESTIONS = {
    "framework": "question_framework",
    "contrast": "question_contrast",
    "case": "question_case",
    "checklist": "question_framework",
}


def ask(idea: Idea, title: str, labels: dict[str, Any]) -> str:
    """The question a facilitator asks about an idea (by its type: a framework, a contrast, a case, a claim)."""
    own = [s for s in (*idea.sentences, *(p.text for p in idea.points)) if korean.ending(s) == "question"]
    if own and not idea.quote:
        return plain(own[0])
    return str(labels[QUESTIONS.get(idea.type, "question_claim")]).format(title=title)


def _talk(idea: Idea, slot: Slot, title: str, first: str, labels: dict[str, Any]) -> tuple[str, ...]:
    """The talk track: the transition, what to add beyond the slide, the question to ask."""
    shown = {bare(t) for t in (*slot.text, *slot.points, title)}
    hidden = [s for s in (*idea.sentences, *idea.coda) if bare(s) not in shown]
    hidden += [c for p in idea.points for c in p.children]
    lines = [labels["talk_transition"].format(chapter=first)] if first else []
    if hidden:
        lines.append(labels["talk_more"].format(more=" ".join(plain(h) for h in hidden[:4])))
    else:
        lines.append(labels["talk_read"])
    lines.append(labels["talk_ask"].format(question=ask(idea, title, labels)))
    return tuple(note_comment(line) for line in lines)


def plan(
    outline: Outline, spec: ChannelSpec, options: dict[str, Any], labels: dict[str, Any], settings: Any
) -> list[Plan]:
    """A deck that covers every chapter of the note: agenda, the key ideas of each chapter (short titles,
    whole lines, a talk track in the notes), the exercise, the discussion, the debrief. A note with
    more chapters than `max_slides` allows keeps one idea of each of its strongest chapters."""
    limits = spec.limits
    lines_max = int(limits["max_lines_per_slide"]) - 1
    per_chapter, budget = int(limits["ideas_per_chapter"]), int(limits["slide_chars"])
    chapters = [c for c in outline.chapters if c.ideas]
    room = max(1, int(limits["max_slides"]) - 2)  # the agenda takes a slide or two
    if len(chapters) * per_chapter > room:
        per_chapter = 1
        if len(chapters) > room:
            strongest = sorted(chapters, key=lambda c: -max(i.score for i in c.ideas))[:room]
            chapters = [c for c in chapters if c in strongest]
    where = {i.id: c for c in outline.chapters for i in c.ideas}
    slots: list[Slot] = []
    titles: set[str] = set()
    agenda = [korean.as_title(c.title) for c in chapters if c.title]
    pages = [agenda[n : n + lines_max] for n in range(0, len(agenda), lines_max)]
    for n, page in enumerate(pages, 1):
        name = labels["agenda"] if len(pages) == 1 else labels["agenda_page"].format(n=n, total=len(pages))
        slots.append(Slot("agenda", name, (), tuple(page)))
    for chapter in chapters:
        best = sorted(chapter.ideas, key=lambda i: -i.score)[:per_chapter]
        first = chapter.title
        for idea in sorted(best, key=lambda i: i.lines[0]):
            title = title_of(idea, outline, where) or chapter.title
            if title in titles:
                title = chapter.title if chapter.title not in titles else ""
            if not title:
                continue
            slot = idea_slot(
                idea, "idea", title, budget, max_points=lines_max, point_chars=LINE_CHARS * 2, shows=on_slide
            )
            if slot is None:
                continue
            if not slot.title:  # its first line says the title whole: name the slide by what it is about
                named = [chapter.title] if chapter.heading else []
                named.append(key_phrase([idea.text], least=1))
                title = next((t for t in named if t and t not in titles and not _opens(slot, t)), "")
                if not title:
                    continue
                slot = replace(slot, title=title)
            while len(slot.text) + len(slot.points) > lines_max:  # whole lines only: the last ones go
                if len(slot.points) > 1 or (slot.points and not slot.text):
                    slot = replace(slot, points=slot.points[:-1])
                else:
                    slot = replace(slot, text=slot.text[:-1])
            if not slot.points and slot.text and slot.text[-1].endswith((":", "：")):  # a lead-in needs its list
                slot = replace(slot, text=slot.text[:-1])
            if not slot.text and not slot.points:
                continue
            titles.add(title)
            slots.append(replace(slot, notes=_talk(idea, slot, title, first, labels), figures=()))
            slots += figure_slots(slot, title, labels)
            first = ""
    return [Plan("workshop", "deck", tuple(slots))]


def _opens(slot: Slot, title: str) -> bool:
    """The slide's first line starts with the title (a title must not be the text cut off)."""
    return bool(slot.text) and bare(slot.text[0]).startswith(bare(title))


def exercise(outline: Outline, labels: dict[str, Any]) -> tuple[str, list[str]]:
    """The participant exercise: the note's checklist as a self-assessment, else its best framework's
    steps applied to one's own work, else its chapters as questions."""
    checklist = [plain(p.text) for i in outline.ideas if i.type == "checklist" for p in i.points]
    if checklist:
        return labels["checklist_intro"], checklist
    frameworks = sorted(
        (i for i in outline.ideas if i.named and len(i.points) >= 2 and i.type in ("framework", "case", "contrast")),
        key=lambda i: (-sum(bool(p.number) for p in i.points), -i.score, i.lines[0]),
    )
    if frameworks:
        best = frameworks[0]
        steps = [plain(p.text) for p in best.points][:6]
        return labels["framework_intro"].format(title=best.name), [
            labels["framework_item"].format(step=step) for step in steps
        ]
    topics = [c.title for c in outline.chapters[:3]] or [outline.title]
    return labels["apply_intro"], [labels["apply_item"].format(topic=t) for t in topics]


def questions(outline: Outline, deck: Plan, labels: dict[str, Any], most: int = 3) -> list[str]:
    """Discussion questions: the note's own questions, then questions about its strongest ideas."""
    ideas = {i.id: i for i in outline.ideas}
    slides = sorted((s for s in deck.slots if s.role == "idea"), key=lambda s: -ideas[s.insights[0]].score)
    asked = [ask(ideas[s.insights[0]], s.title, labels) for s in slides]
    return list(dict.fromkeys([outline.question, *asked]))[:most]


def run_of_show(
    total: int, deck: Plan, outline: Outline, labels: dict[str, Any], deck_limits: dict[str, Any]
) -> list[dict[str, Any]]:
    """Blocks sized by the content and the total: opening, one block per chapter (by the length of its
    slides), a break in a session of 90 minutes or more, the exercise, the discussion, the wrap-up.
    Their minutes add up exactly to `total`."""
    fixed = {"opening": 0.08, "exercise": 0.2, "discussion": 0.15, "wrap_up": 0.08}
    minutes = {k: max(2, round(total * v)) for k, v in fixed.items()}
    pause = 10 if total >= int(deck_limits["break_from_minutes"]) else 0
    content = max(len(outline.chapters), total - sum(minutes.values()) - pause)
    chapters: list[tuple[str, list[int]]] = []
    where = {i.id: c.title for c in outline.chapters for i in c.ideas}
    for n, slot in enumerate(deck.slots, 1):
        if slot.role == "idea":
            chapter = where.get(slot.insights[0], "") or outline.title
            if not chapters or chapters[-1][0] != chapter:
                chapters.append((chapter, []))
            chapters[-1][1].append(n)
    sizes = [
        sum(len(" ".join((*deck.slots[n - 1].text, *deck.slots[n - 1].points))) + 80 for n in ns) for _, ns in chapters
    ]
    shares = [content * s / max(1, sum(sizes)) for s in sizes]
    whole = [max(1, int(x)) for x in shares]
    for i in sorted(range(len(whole)), key=lambda i: shares[i] - int(shares[i]), reverse=True):
        if sum(whole) >= content:
            break
        whole[i] += 1

    def block(key: str, minutes_: int, **fields: str) -> tuple[str, int, str, str, str]:
        say = labels[f"say_{key}"].format(**fields)
        return (labels[f"block_{key}"], minutes_, say, labels[f"do_{key}"], labels[f"materials_{key}"])

    rows = [block("opening", minutes["opening"], title=outline.title)]
    half = sum(whole) / 2
    done = 0
    for (chapter, numbers), m in zip(chapters, whole, strict=True):
        slides = f"{numbers[0] + 1}–{numbers[-1] + 1}" if len(numbers) > 1 else f"{numbers[0] + 1}"
        say = labels["say_chapter"].format(slides=slides)
        rows.append((chapter, m, say, labels["do_chapter"], labels["materials_chapter"].format(slides=slides)))
        done += m
        if pause and done >= half:
            rows.append(block("break", pause))
            pause = 0
    if pause:  # a deck of one chapter still breaks before the exercise
        rows.append(block("break", pause))
    rows += [block(key, minutes[key]) for key in ("exercise", "discussion", "wrap_up")]
    drift = total - sum(r[1] for r in rows)
    biggest = max(range(len(rows)), key=lambda i: rows[i][1])
    rows[biggest] = (rows[biggest][0], rows[biggest][1] + drift, *rows[biggest][2:])
    blocks, start = [], 0
    for name, m, say, do, materials in rows:
        blocks.append(
            {"name": name, "minutes": m, "start": start, "say": say.replace("|", "/"), "do": do, "materials": materials}
        )
        start += m
    return blocks


def prepare(ctx: dict[str, Any], spec: ChannelSpec) -> dict[str, Any]:
    """Add `slides`, `blocks`, `exercise`, `questions` and `total_minutes` from the deck's plan."""
    if ctx["note"]["kind"] == "process-log":
        return prepare_story(ctx, spec)
    outline: Outline = ctx["outline"]
    placed, images = place_images(ctx["plans"][:1], ctx.get("image_files", {}))
    deck: Plan = placed[0]
    labels = ctx["labels"]
    total = int(ctx["options"]["total_minutes"])
    slides = []
    for slot in deck.slots:
        lines = [*slot.text, *((f"{n}. {p}" if slot.numbered else p) for n, p in enumerate(slot.points, 1))]
        notes = "\n".join(slot.notes) or note_comment(labels["agenda_note"])
        marked = [ln if re.match(r"\d+\. ", ln) or ln.endswith((":", "：")) else f"- {ln}" for ln in lines]
        figure = slot.figures[0].block if slot.figures else None
        slide: dict[str, Any] = {"title": slot.title, "lines": marked, "bullets": lines, "notes": notes}
        slides.append({**slide, "figure": figure})
    intro, items = exercise(outline, labels)
    used = set(deck.insights)
    shown = {bare(line) for s in slides for line in s["bullets"]}
    byline = f"『{outline.attribution.work}』" if outline.book else ""
    subtitle = next((t for t in (byline, outline.question, outline.hook) if t and bare(t) not in shown), "")
    return {
        **ctx,
        "plan": deck,
        "insights": [i for i in ctx["insights"] if i.id in used],
        "deck_title": outline.title,
        "deck_subtitle": subtitle,
        "slides": slides,
        "images": images,
        "blocks": run_of_show(total, deck, outline, labels, spec.limits),
        "exercise_intro": intro,
        "exercise": items,
        "questions": questions(outline, deck, labels),
        "total_minutes": total,
        "opening_note": note_comment(
            labels["opening_note"].format(title=outline.title, count=sum(1 for c in outline.chapters if c.ideas))
        ),
    }


def case_run_of_show(total: int, labels: dict[str, Any] | None = None, break_from: int = 90) -> list[dict[str, Any]]:
    """Case-study blocks whose minutes add up exactly to `total`, with a 10-minute break after the
    case in a session of `break_from` minutes or more."""
    rows = list(CASE_BLOCKS)
    pause = 10 if labels is not None and total >= break_from else 0
    minutes = [int((total - pause) * share) for _, share, *_ in rows]
    minutes[3] += total - pause - sum(minutes)  # the exercise absorbs rounding
    timed = [(*row, m) for row, m in zip(rows, minutes, strict=True)]
    if pause and labels is not None:
        rest = (labels["block_break"], 0.0, labels["say_break"], labels["do_break"], labels["materials_break"], pause)
        timed.insert(3, rest)
    blocks, start = [], 0
    for name, _, say, do, materials, m in timed:
        blocks.append({"name": name, "minutes": m, "start": start, "say": say, "do": do, "materials": materials})
        start += m
    return blocks


def _lines(texts: Sequence[str], max_lines: int) -> list[str]:
    return [f"- {whole(t, LINE_CHARS)}" for t in texts[: max_lines - 1]]


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
        items = [f"{KIND_LABELS[i.type]} ({i.date[5:]}): {whole(says(i), LINE_CHARS)}" for i in part["insights"]]
        told = "\n".join(f"{i.date} {KIND_LABELS[i.type]}: {says(i)}" for i in part["insights"])
        title = f"{part['label']} — {whole(part['heading'], 40)}"
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
    questions = [f"'{i.title.removesuffix('…')}' — 여러분이라면 여기서 무엇을 바꾸겠어요?" for i in failures[:3]]
    questions += [f"'{i.title.removesuffix('…')}' — 내 일에도 해당되나요?" for i in learned[:2]]
    exercise = [
        "Self: 최근 내 프로젝트에서 넘어진 순간 하나를 날짜와 함께 적는다",
        "Self: 그 일을 왜 시작했는지 한 문장으로 적는다",
        "Us: 그 실패에서 배운 점을, 같은 고민을 가진 사람에게 말하듯 적는다",
        "Now: 방향을 바꾼 지점(피벗)이나 다음 한 걸음을 적고, 함께할 사람을 초대하는 문장으로 끝낸다",
    ]
    return {
        **out,
        "images": [],
        "slides": case_slides(out, timeline, exercise, max_lines),
        "opening_note": "만드는 과정을 실패와 피벗까지 그대로 보여주는 사례입니다. 결과보다 과정에 집중해 주세요.",
        "blocks": case_run_of_show(
            int(ctx["options"]["total_minutes"]), ctx["labels"], int(spec.limits["break_from_minutes"])
        ),
        "total_minutes": int(ctx["options"]["total_minutes"]),
        "exercise": exercise,
        "questions": questions,
    }


def _bullets(slide: dict[str, Any]) -> tuple[str, ...]:
    """A slide's lines without the markdown `- ` marker (story slides carry only `lines`)."""
    if "bullets" in slide:
        return tuple(spoken(line) for line in slide["bullets"])
    return tuple(spoken(line.removeprefix("- ")) for line in slide["lines"])


def deck_pptx(ctx: dict[str, Any]) -> bytes:
    """Builder: the same slides as the Marp deck, as an editable PPTX."""
    title = ctx.get("deck_title") or ctx["note"]["title"]
    outline = ctx.get("outline")
    byline = f"『{outline.attribution.work}』" if outline is not None and outline.book else ""
    opening = ctx.get("opening_note") or title
    cover = DeckSlide(title, (byline,) if byline else (), opening)
    files = {f"images/{i['name']}": i["file"] for i in ctx.get("images", ())}
    body = tuple(
        DeckSlide(s["title"], _bullets(s), s["notes"] or s["title"], s.get("figure"), files) for s in ctx["slides"]
    )
    modified = datetime.fromisoformat(ctx["note"]["lastmod"])
    return build_deck((cover, *body), ctx["options"]["pptx_font"], title, modified)
