"""The workshop deck and guide of the labelled notes (tests/fixtures/insights), read as the facilitator
would: questions that fit the line they ask about, notes that are a talk track, counts taken from
the rendered deck, every idea group on a slide, and a run of show sized by the content."""

from __future__ import annotations

import re

import pytest

from tasks.lint.rules import marp_slides
from tests.conftest import EXAMPLE_VAULT, ROOT
from tests.helpers import render

NOTES = ROOT / "tests" / "fixtures" / "insights"
NAMES = sorted(p.stem for p in NOTES.glob("*.md"))
HEADINGS = ("목표", "한 일", "잘된 점", "아쉬운 점", "내 생각", "배운 점")


@pytest.fixture(scope="module")
def kits() -> dict[str, tuple[str, str]]:
    out = {}
    for name in NAMES:
        result = render(EXAMPLE_VAULT, str(NOTES / f"{name}.md"), ("workshop",))
        failed = [(o.path, r.rule, r.message) for o in result.outputs for r in o.lint if not r.ok]
        assert failed == [], failed
        text = {o.path.rsplit("-", 1)[-1]: o.content.decode() for o in result.outputs if o.path.endswith(".md")}
        out[name] = (text["slides.md"], text["guide.md"])
    return out


def _notes(slide: str) -> list[str]:
    return [ln for c in re.findall(r"<!--(.*?)-->", slide, re.DOTALL) for ln in c.strip().splitlines()]


def _questions(deck: str, guide: str) -> list[str]:
    asked = [ln for s in marp_slides(deck) for ln in _notes(s) if ln.startswith(("질문:", "Ask:"))]
    part = re.split(r"^## (?:토론 질문|Discussion questions)", guide, flags=re.M)[1].split("\n## ")[0]
    return asked + re.findall(r"^\d+\. (.+)$", part, re.M)


def test_questions_fit_the_line_they_ask_about(kits: dict[str, tuple[str, str]]) -> None:
    """No heading or section name quoted as a claim, no empty title, no lead-in with its particle,
    no 'do you agree' with an instruction, no 1–5 rating of yes/no items."""
    for name, (deck, guide) in kits.items():
        for question in _questions(deck, guide):
            assert "''" not in question, (name, question)
            assert not re.search(r"[은는]'(의|가운데| 가운데| 중)", question), (name, question)
            assert not any(f"'{h}'" in question for h in HEADINGS), (name, question)
            assert not re.search(r"'실습:.*동의", question), (name, question)
        assert "1(전혀 아니다)–5" not in guide and "from 1 (not at all)" not in guide, name


def test_the_question_is_chosen_by_the_idea_type(kits: dict[str, tuple[str, str]]) -> None:
    deck = kits["팝업스토어-프로젝트"][0]
    slides = {s.split("\n## ", 1)[-1].split("\n", 1)[0]: s for s in marp_slides(deck)}
    checklist = slides["다음 팝업 체크리스트"]
    assert "건너뛰고 있는 항목" in checklist  # a checklist: which item do you skip
    case = next(s for t, s in slides.items() if t.startswith("사례:"))
    assert "가져올 한 가지" in case  # a case: what would you borrow
    building = kits["building-in-public"][0]
    levels = next(s for s in marp_slides(building) if "## The Pieter Levels model" in s)
    assert "bring into your own work" in levels and "weakest" not in levels
    lecture = kits["강의-준비-메모"][0]
    exercise = next(s for s in marp_slides(lecture) if "한 줄로 쓰기" in s)
    assert "지금 직접 해 보세요" in exercise and "동의" not in exercise


def test_speaker_notes_are_a_talk_track(kits: dict[str, tuple[str, str]]) -> None:
    """What to say beyond the slide, one fitting question and the next slide: never one boilerplate
    line on every slide."""
    for name, (deck, _) in kits.items():
        slides = marp_slides(deck)[1:]
        for n, slide in enumerate(slides):
            notes = _notes(slide)
            assert not any("천천히 읽고" in ln or "Read the slide slowly" in ln for ln in notes), name
            if n + 1 < len(slides) and "## 오늘의 흐름" not in slide and "## Today's path" not in slide:
                following = slides[n + 1].split("\n## ", 1)[1].split("\n", 1)[0]
                assert any(following in ln for ln in notes if ln.startswith(("다음 슬라이드", "Next slide"))), (
                    name,
                    notes,
                )
    cafe = kits["카페-브랜딩-메모"][0]
    formula = next(s for s in marp_slides(cafe) if "## 동네 카페가 살아남는 방법" in s)
    assert "에티오피아 원두" in "\n".join(_notes(formula))  # the example the slide leaves out, to tell


def test_counts_come_from_the_rendered_deck(kits: dict[str, tuple[str, str]]) -> None:
    for name, (deck, guide) in kits.items():
        slides = marp_slides(deck)
        said = re.search(r"(\d+)개의 주제|(\d+) topics", slides[0])
        agenda = [s for s in slides if "## 오늘의 흐름" in s or "## Today's path" in s]
        if said:
            items = re.findall(r"^- ", re.sub(r"<!--.*?-->", "", agenda[0], flags=re.S), re.M)
            assert int(said.group(1) or said.group(2)) == len(items), name
        else:
            assert not agenda, name
        assert "1 topics" not in deck and "1개의 주제" not in deck, name
        stated = re.search(r"슬라이드 (\d+)장|· (\d+) slides", guide)
        assert stated and int(stated.group(1) or stated.group(2)) == len(slides), name
        referred = [int(n) for n in re.findall(r"(?:슬라이드|[Ss]lides?) (?:\d+–)?(\d+)", guide)]
        assert max(referred) <= len(slides), name


def test_every_idea_group_gets_a_slide_with_its_own_title(kits: dict[str, tuple[str, str]]) -> None:
    building = kits["building-in-public"][0]
    for line in ("Sharing is not the same as promoting", "Show the kitchen", "Record it anyway"):
        assert line in re.sub(r"<!--.*?-->", "", building, flags=re.S), line
    retro = re.sub(r"<!--.*?-->", "", kits["워크숍-회고"][0], flags=re.S)
    online = retro.split("온라인 기수에서도", 1)[0].rsplit("\n## ", 1)[1]
    assert not online.startswith("다음 기수 체크리스트")  # never under its neighbour's heading
    for item in ("첫 시간에 완성된 결과물부터 보여주기", "질문은 과정 중간중간에"):
        assert item in retro  # the lead-ins are shown with their lists
    popup = re.sub(r"<!--.*?-->", "", kits["팝업스토어-프로젝트"][0], flags=re.S)
    assert "방문자 수보다 다시 온 사람 수 세기" in popup
    cafe = re.sub(r"<!--.*?-->", "", kits["카페-브랜딩-메모"][0], flags=re.S)
    assert "다음 주 시그니처가 되었다" in cafe  # the payoff stays with its story
    assert "## 그래서" not in cafe  # a line leaning on the one before never titles a slide
    slow = re.sub(r"<!--.*?-->", "", kits["slow-marketing"][0], flags=re.S)
    habits = slow.split("## Slow marketing rests on three habits", 1)[1].split("\n---", 1)[0]
    assert "Pick one channel" in habits  # the title sits over its own body
    book = kits["브랜드-보이스-책노트"][0]
    assert "## 브랜드 보이스는 로고보다 먼저 기억된다\n" in book  # the chapter named after an idea titles its slide
    cover = marp_slides(book)[0]
    assert cover.count("브랜드의 목소리") == 1 + cover.count("<!--")  # the title slide says the title once


def test_the_guide_is_timed_by_its_content(kits: dict[str, tuple[str, str]]) -> None:
    def rows(guide: str) -> list[tuple[int, str, str]]:
        found = re.findall(r"^\| \d+(?:분| min) \| (\d+)(?:분| min) \| ([^|]+) \| ([^|]+) \|", guide, re.M)
        return [(int(m), b.strip(), say) for m, b, say in found]

    lecture = rows(kits["강의-준비-메모"][1])
    assert ("참가자 활동", 5) in [(b, m) for m, b, _ in lecture]  # the note's own 5-minute exercise
    assert "한 줄로 쓰기" in kits["강의-준비-메모"][1].split("## 참가자 활동", 1)[1]
    popup = rows(kits["팝업스토어-프로젝트"][1])
    blocks = {b: m for m, b, _ in popup}
    assert blocks["한 일"] > blocks["목표"]  # three slides take longer than one
    for name, (_, guide) in kits.items():
        timed = rows(guide)
        assert sum(m for m, *_ in timed) == 90, name
        for minutes, _, say in timed:  # no block of slides gets more than 12 minutes a slide
            shown = re.search(r"(\d+)(?:–(\d+))?", say) if re.search(r"슬라이드|slide", say, re.I) else None
            if shown:
                count = int(shown.group(2) or shown.group(1)) - int(shown.group(1)) + 1
                assert minutes <= 12 * count, (name, minutes, say)


def test_a_deck_too_long_for_its_limit_keeps_every_chapter() -> None:
    """Over `max_slides`, the weakest slide of the fullest chapter goes first: no chapter is lost."""
    from types import SimpleNamespace

    import yaml

    from tasks.channels.workshop import plan
    from tasks.compose.outline import outline
    from tasks.render.labels import LABELS_FILE
    from tests.helpers import pipeline

    parsed, _, _, insights, settings = pipeline(EXAMPLE_VAULT, str(NOTES / "팝업스토어-프로젝트.md"))
    shape = outline(parsed, insights, "ko")
    labels = yaml.safe_load(LABELS_FILE.read_text(encoding="utf-8"))["ko"]
    limits = {"max_lines_per_slide": 6, "slide_chars": 260, "max_slides": 9, "ideas_per_chapter": 2}
    deck = plan(shape, SimpleNamespace(limits=limits), {}, labels, settings)[0]
    ideas = [s for s in deck.slots if s.role == "idea"]
    assert len(ideas) <= 7
    chapters = {c.title for c in shape.chapters for i in c.ideas for s in ideas if i.id in s.insights}
    assert {"목표", "한 일", "배운 점", "다음 팝업 체크리스트"} <= chapters
