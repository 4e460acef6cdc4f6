"""Stories: typed insights, the Self → Us → Now arc, hooks, ranges, and the four channel variants."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from tasks.insight.extract import extract_insights
from tasks.model import Insight, NoteError, NoteRoots, RenderResult
from tasks.process.story import build_story, default_range, hook_of, select
from tests.conftest import EXAMPLE_VAULT, FIXTURES
from tests.helpers import pipeline, render, rendered
from tests.story_helpers import EXAMPLE_LOG, render_daily

KINDS = {"did", "why", "failure", "pivot", "learned", "next"}
TRACE = re.compile(r"part=(self|us|now) entries=([\d,-]*) insights=([\w,-]*)")


def example_insights() -> tuple[Insight, ...]:
    return pipeline(EXAMPLE_VAULT, EXAMPLE_LOG)[3]


def test_entries_become_typed_dated_insights_tagged_with_roots() -> None:
    insights = example_insights()
    assert len(insights) == 28
    assert {i.type for i in insights} == KINDS
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", i.date) for i in insights)
    assert len({i.id for i in insights}) == len(insights)
    assert all({"프로세스-공유", "아카이브-사고"} <= set(i.root_slugs) for i in insights)  # front matter roots
    lesson = next(i for i in insights if i.date == "2025-12-05" and i.type == "learned")
    assert any(t.slug == "의미가치" and t.reason == "text" for t in lesson.roots)  # named in the text
    assert insights == example_insights()  # ids and order are stable
    as_json = insights[0].to_json()
    assert as_json["date"] == "2025-11-03" and as_json["type"] == "did"


def test_story_arc_self_us_now() -> None:
    story = build_story("OSMU 시스템 제작기", example_insights())
    self_, us, now = story.parts
    assert [p.label for p in story.parts] == ["Self", "Us", "Now"]
    assert {i.type for i in self_.insights} == {"why", "did", "failure"}
    assert {i.type for i in us.insights} == {"learned", "why"}
    assert {i.type for i in now.insights} == {"pivot", "next"}
    # every insight is told exactly once
    told = [i.id for p in story.parts for i in p.insights]
    assert sorted(told) == sorted(i.id for i in example_insights())
    # the hook is a failure or pivot: the fully told [!failure] callout
    assert story.hook is not None and story.hook.type == "failure" and story.hook.date == "2025-11-12"
    # Us opens with the problem readers share; Now ends with the invitation
    assert story.shared_problem is not None and "같은 고민" in story.shared_problem.text
    assert story.shared_problem in us.insights and story.shared_problem not in self_.insights
    assert story.invitation is not None and story.invitation.text.endswith("같이 만들어요!")
    assert (story.start, story.end) == ("2025-11-03", "2025-12-05")
    assert [t.date for t in story.timeline] == sorted(t.date for t in story.timeline)
    assert us.dates == ("2025-11-03", "2025-11-07", "2025-11-12", "2025-11-24", "2025-12-05")


def test_hook_prefers_failure_or_pivot() -> None:
    insights = example_insights()
    plain = [replace(i, text=i.text.replace("\n", " ")) for i in insights]
    hook = hook_of(plain)
    assert hook is not None and hook.type == "failure" and hook.date == "2025-11-03"  # then the earliest
    no_failures = [i for i in insights if i.type not in ("failure", "pivot")]
    hook = hook_of(no_failures)
    assert hook is not None and hook.type == "learned"
    assert hook_of([]) is None


def test_date_range_selection() -> None:
    insights = example_insights()
    chosen = select(insights, "2025-11-12", "2025-11-18")
    assert {i.date for i in chosen} == {"2025-11-12", "2025-11-18"}
    assert select(insights, "2025-12-01") == tuple(i for i in insights if i.date == "2025-12-05")
    dates = sorted({i.date for i in insights})
    assert default_range(dates, ()) == ("2025-11-03", "2025-12-05")  # first story: everything
    assert default_range(dates, ("2025-11-03", "2025-11-18")) == ("2025-11-24", "2025-12-05")  # since the last
    assert default_range(dates, ("2025-11-24", "2025-12-05")) == ("2025-11-24", "2025-12-05")  # nothing new
    assert default_range([], ()) == ("", "")


def _traces(text: str) -> dict[str, tuple[list[str], list[str]]]:
    return {m[1]: (m[2].split(","), m[3].split(",")) for m in TRACE.finditer(text)}


def _check_traceable(result: RenderResult, path_end: str, insights: tuple[Insight, ...]) -> None:
    output = next(o for o in result.outputs if o.path.endswith(path_end))
    text = output.content.decode()
    traces = _traces(text)
    assert set(traces) == {"self", "us", "now"}, output.path
    by_id = {i.id: i for i in insights}
    for part, (dates, ids) in traces.items():
        assert ids and all(i in by_id for i in ids), (output.path, part)
        assert sorted({by_id[i].date for i in ids}) == dates, (output.path, part)
        assert set(ids) <= set(output.insights), (output.path, part)


def test_example_log_renders_story_on_all_four_channels() -> None:
    result = render(EXAMPLE_VAULT, EXAMPLE_LOG)
    insights = example_insights()
    paths = {o.path for o in result.outputs}
    images = {p for p in paths if p.endswith(".png")}
    assert paths - images == {
        "blog/osmu-제작기.md",
        "blog/osmu-제작기.naver.html",
        "newsletter/osmu-제작기.html",
        "newsletter/osmu-제작기.txt",
        "newsletter/osmu-제작기.eml",
        "instagram/story/caption.txt",
        "instagram/story/carousel.md",
        "workshop/osmu-제작기-slides.md",
        "workshop/osmu-제작기-slides.pptx",
        "workshop/osmu-제작기-guide.md",
    }
    assert all(r.ok for o in result.outputs for r in o.lint), [
        (o.path, r) for o in result.outputs for r in o.lint if not r.ok
    ]
    text = {o.path: o.content.decode() for o in result.outputs if not o.path.endswith((".png", ".pptx"))}
    for path in ("blog/osmu-제작기.md", "newsletter/osmu-제작기.html", "newsletter/osmu-제작기.txt"):
        for label in ("Self —", "Us —", "Now —"):
            assert label in text[path], (path, label)
    blog = text["blog/osmu-제작기.md"]
    assert "## 타임라인" in blog and "- **2025-11-18** 옵시디언 볼트로 피벗 — 왜 · 한 일 · 피벗 · 다음" in blog
    assert blog.index("카드뉴스 자동화는 접기로") < blog.index("## 타임라인")  # failure first
    for path in ("blog/osmu-제작기.md", "newsletter/osmu-제작기.html", "workshop/osmu-제작기-slides.md"):
        _check_traceable(result, path, insights)
    assert "이번 주 만드는 중" in text["newsletter/osmu-제작기.txt"]
    carousel = text["instagram/story/carousel.md"]
    first = carousel.split("## Slide 1 (cover): ", 1)[1].split("\n", 1)[0]
    assert re.findall(r"^## Slide \d+ \((\w+)\)", carousel, re.M)[-1] == "cta"  # the invitation closes it
    assert first == "실패 · 2025-11-12 — 카드뉴스 자동화는 접기로"
    assert images == {f"instagram/story/slide-{n:02d}.png" for n in range(1, carousel.count("\n## Slide ") + 1)}
    slides = re.findall(r"^from: part=(\w+) entries=([\d,-]*) insights=([\w,-]*)$", carousel, re.MULTILINE)
    assert [s[0] for s in slides][:1] == ["hook"] and {"self", "us", "now"} <= {s[0] for s in slides}
    assert 2 <= len(slides) <= 10
    caption = text["instagram/story/caption.txt"]
    assert caption.startswith("실패 · 2025-11-12") and "Self —" in caption and "Now —" in caption
    slides_md = text["workshop/osmu-제작기-slides.md"]
    assert "## 실습: 나의 제작기 (Self → Us → Now)" in slides_md
    for slide in re.sub(r"<!--.*?-->", "", slides_md, flags=re.DOTALL).split("\n---\n")[1:]:
        assert len([line for line in slide.split("\n") if line.startswith("- ")]) <= 6, slide
    preheader = text["newsletter/osmu-제작기.txt"].split("\n")[2]
    assert 85 <= len(preheader) <= 100, preheader
    guide = text["workshop/osmu-제작기-guide.md"]
    minutes = [int(m) for m in re.findall(r"^\| \d+분 \| (\d+)분 \|", guide, re.MULTILINE)]
    assert sum(minutes) == 90 and "## 참가자 활동: 나의 제작기" in guide and "## 토론 질문" in guide
    assert "| Self | 2025-11-03" in guide


def test_knowledge_notes_keep_their_own_templates() -> None:
    result = render(EXAMPLE_VAULT, "34-learning/34.01-books/books/프로세스-이코노미.md")
    paths = {o.path for o in result.outputs}
    assert "instagram/post-01/caption.txt" in paths and not any("story" in p for p in paths)


@pytest.mark.parametrize(
    ("log", "short"),
    # a log with no lesson, pivot or next step tells only Self: too little for a letter of three
    # takeaways or a carousel of four ideas, and the run says so
    [("unmarked-log.md", {"newsletter", "instagram"}), ("english-log.md", set())],
)
def test_fixture_logs_render_on_every_channel(log: str, short: set[str]) -> None:
    result = render(FIXTURES / "process", log)
    assert {o.channel for o in result.outputs} == {"blog", "newsletter", "instagram", "workshop"} - short
    assert {d.message.split(":", 1)[0] for d in result.diagnostics if d.code == "too-little"} == short
    assert all(r.ok for o in result.outputs for r in o.lint)
    blog = next(o for o in result.outputs if o.channel == "blog").content.decode()
    assert "## Self —" in blog and "## 타임라인" in blog


def test_unmarked_log_story_tells_everything_in_self() -> None:
    insights = pipeline(FIXTURES / "process", "unmarked-log.md")[3]
    story = build_story("x", insights)
    assert story.hook is not None and story.hook.type == "did"  # no failure, pivot or lesson to open with
    assert [len(p.insights) for p in story.parts] == [len(insights), 0, 0]


def test_daily_notes_log_renders_on_every_channel() -> None:
    result, insights = render_daily(EXAMPLE_VAULT, "cafe-pairing")
    assert result.source == "#process/cafe-pairing" and result.slug == "cafe-pairing"
    assert {i.source for i in insights} == {f"50-daily/2025-11-{d}.md" for d in ("10", "17", "24")}
    assert all(r.ok for o in result.outputs for r in o.lint)
    blog = next(o for o in result.outputs if o.channel == "blog").content.decode()
    assert "**피벗**: 점수 매기는 대신" in blog
    _check_traceable(result, "newsletter/cafe-pairing.html", insights)


def test_no_dated_entries_fails_in_the_insights_stage() -> None:
    with pytest.raises(NoteError, match=r"no dated entries"):
        pipeline(FIXTURES / "process", "no-dates.md")


def test_insights_dispatch_only_for_process_logs() -> None:
    parsed, note_roots, index, _, settings = pipeline(FIXTURES / "process", "english-log.md")
    knowledge = replace(parsed, note=replace(parsed.note, kind="knowledge"))
    cut = extract_insights(knowledge, NoteRoots(()), index)
    assert cut and not {i.type for i in cut} & {"failure", "pivot"}
    assert rendered(knowledge, cut, note_roots, index, settings, ("blog",)).outputs[0].path == "blog/english-log.md"


def _all_output_text(result: RenderResult) -> str:
    return "\n".join(
        o.content.decode("utf-8", "replace") for o in result.outputs if not o.path.endswith((".png", ".pptx"))
    )


def test_a_story_takes_only_the_tagged_bullets_of_a_daily_note(vault: Path) -> None:
    """Finding 9 of #18: a `#process/<project>` story included the untagged bullets of the same daily
    notes ("오전: 카페 재고 정리"). Only tagged bullets with their children belong to it (shared spec
    vault.md); another project's bullets and the note's own heading stay out too."""
    (vault / "50-daily" / "2025-11-18.md").write_text(
        "# 2025-11-18 (화) 세무사 만난 날\n\n"
        "- 오전: 카페 재고 정리\n"
        "- 점심: 원두 샘플 커핑\n"
        "- 오후 페어링 테스트 #process/cafe-pairing\n"
        "  - 한 일: 무화과 타르트 대신 레몬 파운드로 바꿔서 손님 다섯 분께 블라인드 테스트\n"
        "  - 배운 점: 산미 있는 원두에는 산미 있는 디저트가 오히려 부드럽게 느껴진다\n"
        "- 저녁: 가족 모임\n"
        "- 빵 반죽 실험 #process/sourdough\n"
        "  - 한 일: 호밀 비율을 30%로 올림\n\n"
        "오늘은 좀 피곤했음. 일찍 자기.\n",
        encoding="utf-8",
    )
    result, insights = render_daily(vault, "cafe-pairing")
    text = _all_output_text(result)
    assert "레몬 파운드" in text and "2025-11-18" in {i.date for i in insights}
    for private in ("카페 재고 정리", "원두 샘플 커핑", "가족 모임", "피곤했음", "호밀 비율", "세무사"):
        assert private not in text, private
    bread, _ = render_daily(vault, "sourdough")
    assert "호밀 비율" in _all_output_text(bread) and "레몬 파운드" not in _all_output_text(bread)
