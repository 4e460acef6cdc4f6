"""Story variants of the channels: a process log renders as a making-of story, not as a note.

Each channel's preparer hands a `process-log` context to the matching function here; the
story templates (`story*.j2` in each channel folder, selected with `when: [process-log]`)
read what it adds. Every part (Self, Us, Now) carries the entry dates and insight ids of
what the output shows, so each output says where its words came from. Not a channel
itself: there is no `channel_templates/story/`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tasks.channels.blog import reading_minutes
from tasks.channels.newsletter import AD_PREFIX, fit_preheader
from tasks.model import Insight
from tasks.process.story import KIND_LABELS, Story, StoryPart, build_story
from tasks.render.channel import ChannelSpec
from tasks.render.filters import clip
from tasks.slug import safe_slug

PREFER: dict[str, tuple[str, ...]] = {
    "self": ("failure", "why", "did"),
    "us": ("learned", "why"),
    "now": ("pivot", "next"),
}
"""Which insight types a part shows first when a channel has room for only a few."""
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


def prepare_blog(ctx: dict[str, Any], spec: ChannelSpec) -> dict[str, Any]:
    """A 제작기 post: hook, timeline, then every entry part under Self, Us and Now."""
    out = story_context(ctx)
    note, story = out["note"], out["story"]
    hook_text = says(story.hook) if story.hook else note["title"]
    description = clip(
        f"{KIND_LABELS[story.hook.type]}: {hook_text}" if story.hook else hook_text,
        int(spec.limits["description_max_chars"]),
    )
    body = "\n".join(i.text for i in out["insights"])
    tags = list(dict.fromkeys([*ctx["root_slugs"], "제작기", *note["tags"]]))[: int(spec.options["max_tags"])]
    front = {
        "title": note["title"],
        "date": story.end or note["date"],
        "lastmod": max(note["lastmod"], story.end),
        "draft": ctx["settings"].blog.draft,
        "slug": safe_slug(note["title"], fallback=note["path"]),
        "description": description,
        "tags": tags,
    }
    minutes = reading_minutes(body, spec.limits["syllables_per_minute"], spec.limits["words_per_minute"])
    # `sections` and `lead` in the note shape, so any other blog template can show the story too
    sections = [{"title": f"{p['label']} — {p['heading']}", "insights": p["insights"]} for p in out["parts"]]
    return {
        **out,
        "front_matter": front,
        "description": description,
        "reading_minutes": minutes,
        "sections": [section for section in sections if section["insights"]],
        "lead": out["hook_line"],
    }


def prepare_newsletter(ctx: dict[str, Any], spec: ChannelSpec) -> dict[str, Any]:
    """A "this week in the making" issue: hook, a few items per part, the invitation."""
    room = int(spec.limits["max_items"])
    out = story_context(ctx, {"self": room * 3 // 8, "us": room * 3 // 8, "now": room - 2 * (room * 3 // 8)})
    settings, story = ctx["settings"].newsletter, out["story"]
    subject = f"이번 주 만드는 중: {out['note']['title']}"
    if settings.commercial:
        subject = f"{AD_PREFIX} {subject}"
    low, high = spec.limits["preheader_min_chars"], spec.limits["preheader_max_chars"]
    return {
        **out,
        "subject": subject,
        "preheader": story_preheader(story, int(low), int(high)),
        "items": out["insights"],
        "sender": settings.sender,
        "contact": settings.contact,
        "unsubscribe_url": settings.unsubscribe_url,
    }


def story_preheader(story: Story, low: int, high: int) -> str:
    """The hook, then the invitation, cut to `high` characters and padded up to `low`."""
    parts = [says(i) for i in (story.hook, story.invitation) if i is not None]
    return fit_preheader(parts, low, high, story.title)


def _slide(title: str, insight: Insight, part: str, limits: dict[str, Any]) -> dict[str, Any]:
    label = KIND_LABELS.get(insight.type, insight.type)
    return {
        "title": title,
        "body": clip(says(insight), int(limits["slide_body_max_chars"])),
        "alt": clip(f"{label} ({insight.date}): {insight.text}", int(limits["alt_max_chars"])),
        "part": part,
        "dates": [insight.date],
        "ids": [insight.id],
    }


def prepare_instagram(ctx: dict[str, Any], spec: ChannelSpec) -> dict[str, Any]:
    """One carousel whose first slide is the failure or pivot, then Self, Us, Now; one caption."""
    limits = spec.limits
    room = int(limits["max_slides"]) - 1  # the hook slide comes first
    out = story_context(ctx, {"self": 2, "us": 2, "now": 2})
    story, title = out["story"], out["note"]["title"]
    slides = []
    if story.hook is not None:
        slides.append(_slide(hook_line(story.hook, title), story.hook, "hook", limits))
    for part in out["parts"]:
        for insight in part["insights"]:
            if insight is not story.hook and len(slides) < room:
                label = KIND_LABELS.get(insight.type, insight.type)
                slides.append(_slide(f"{part['label']} · {label}", insight, part["key"], limits))
    sep = spec.options["separator"]
    opening = hook_line(story.hook, title)
    if story.hook is not None and not hook_head(story.hook):
        opening = f"{opening} — {hook_body(story.hook)}"
    hook = clip(opening, int(limits["hook_chars"]))
    paragraphs = []
    for p in out["parts"]:
        told = [clip(says(i), 110) for i in p["insights"] if i is not p["prompt"] and i is not p["closing"]]
        if p["prompt"] is not None:
            told.insert(0, f"혹시 여러분도? {clip(says(p['prompt']), 110)}")
        if told:
            paragraphs.append(f"{p['label']} — " + " / ".join(told))
        if p["closing"] is not None:
            paragraphs.append(f"같이 해요: {clip(says(p['closing']), 160)}")
    tags = list(dict.fromkeys(["제작기", *(h for i in out["insights"] for h in i.hashtags)]))
    tags = tags[: int(limits["max_hashtags"])]
    hashtag_line = " ".join(f"#{t}" for t in tags)
    post = {
        "hook": hook,
        "paragraphs": paragraphs,
        "hashtags": tags,
        "hashtag_line": hashtag_line,
        "slides": slides,
        "insights": out["insights"],
    }
    return {
        **out,
        "slides": slides,
        "caption_hook": hook,
        "paragraphs": paragraphs,
        "separator": sep,
        "hashtag_line": hashtag_line,
        "posts": [post],  # the note shape: one post, for image builders that iterate `posts`
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


def prepare_workshop(ctx: dict[str, Any], spec: ChannelSpec) -> dict[str, Any]:
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
        "blocks": case_run_of_show(ctx["settings"].workshop.total_minutes),
        "total_minutes": ctx["settings"].workshop.total_minutes,
        "exercise": exercise,
        "questions": questions,
    }
