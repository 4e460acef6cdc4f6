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
NAMES = sorted(p.stem for p in NOTES.glob("*.md") if p.stem != "강의-준비-메모")  # too little left: no deck
OWN_EXERCISE = ROOT / "tests" / "fixtures" / "workshop" / "note-with-its-own-exercise.md"
HEADINGS = ("목표", "한 일", "잘된 점", "아쉬운 점", "내 생각", "배운 점")


@pytest.fixture(scope="module")
def kits() -> dict[str, tuple[str, str]]:
    out = {}
    for name, path in [*((n, NOTES / f"{n}.md") for n in NAMES), ("lecture", OWN_EXERCISE)]:
        result = render(EXAMPLE_VAULT, str(path), ("workshop",))
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
    assert "가져올 한 가지" in slides["한 일"]  # a case: what would you borrow
    building = kits["building-in-public"][0]
    levels = next(s for s in marp_slides(building) if "## The Pieter Levels model" in s)
    assert "bring into your own work" in levels and "weakest" not in levels
    lecture = kits["lecture"][0]
    exercise = next(s for s in marp_slides(lecture) if "한 줄로 쓰기" in s)
    assert "## 실습" in exercise and "동의" not in exercise


def test_speaker_notes_are_a_talk_track(kits: dict[str, tuple[str, str]]) -> None:
    """What to say beyond the slide, one fitting question and the next slide: never one boilerplate
    line on every slide."""
    for name, (deck, _) in kits.items():
        slides = marp_slides(deck)[1:]
        for n, slide in enumerate(slides):
            notes = _notes(slide)
            assert not any("천천히 읽고" in ln or "Read the slide slowly" in ln for ln in notes), name
            if n + 1 < len(slides) and "## 오늘의 흐름" not in slide and "## Today's path" not in slide:
                visible = re.sub(r"<!--.*?-->", "", slides[n + 1], flags=re.S).strip()
                following = visible.removeprefix("## ").split("\n", 1)[0]  # a statement slide: its first line
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
            lines = re.sub(r"<!--.*?-->", "", "\n".join(agenda), flags=re.S).splitlines()
            items = [ln for ln in lines if ln.strip() and not ln.startswith("## ")]
            assert items[-1] in ("실습", "Exercise"), name  # the agenda ends on the exercise
            assert int(said.group(1) or said.group(2)) == len(items) - 1, name
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
    statement = next(s for s in marp_slides(book) if "브랜드 보이스는 로고보다 먼저 기억된다." in s)
    assert "## " not in statement  # one sentence alone is a statement slide, never padded with a neighbour
    cover = marp_slides(book)[0]
    assert cover.count("브랜드의 목소리") == 1  # the title slide says the title once, never in a sentence of its note


def test_the_guide_is_timed_by_its_content(kits: dict[str, tuple[str, str]]) -> None:
    def rows(guide: str) -> list[tuple[int, str, str]]:
        found = re.findall(r"^\| \d+(?:분| min) \| (\d+)(?:분| min) \| ([^|]+) \| ([^|]+) \|", guide, re.M)
        return [(int(m), b.strip(), say) for m, b, say in found]

    lecture = rows(kits["lecture"][1])
    assert ("참가자 활동", 5) in [(b, m) for m, b, _ in lecture]  # the note's own 5-minute exercise
    assert "한 줄로 쓰기" in kits["lecture"][1].split("## 참가자 활동", 1)[1]
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


def _visible(slide: str) -> str:
    return re.sub(r"<!--.*?-->", "", slide, flags=re.S)


def _slide_with(deck: str, line: str) -> str:
    agenda = ("## 오늘의 흐름", "## Today's path")
    return next(_visible(s) for s in marp_slides(deck) if line in _visible(s) and not any(a in s for a in agenda))


def test_a_slide_holds_one_idea(kits: dict[str, tuple[str, str]]) -> None:
    """Never padded with a neighbouring idea: a lone claim gets a slide of its own; a quotation goes
    with the claim it illustrates (across a heading too), a `그래서 …` with its premise."""
    building = kits["building-in-public"][0]
    assert "People trust" not in _slide_with(building, "Most products fail quietly")
    assert "Show the kitchen" in _slide_with(building, "Sharing is not the same as promoting")
    cafe = kits["카페-브랜딩-메모"][0]
    assert "매일 오는 손님" not in _slide_with(cafe, "손님은 커피를 사러 오지만")
    assert "그래서 우리는 의미로 선택받아야 한다" in _slide_with(cafe, "가격으로는 프랜차이즈를 이길 수 없다")
    assert "카운터에서" not in _slide_with(cafe, "좋은 가게는 물건을 팔기 전에")
    slow = kits["slow-marketing"][0]
    passive = _slide_with(slow, "Slow is not the same as passive")
    assert "Nobody remembers the campaign" in passive and "back catalogue" not in passive
    assert "tasting day" in _visible(slow)  # a long claim with no short name is a statement slide, not dropped
    letter = kits["뉴스레터-운영-메모"][0]
    assert "발행 요일" not in _slide_with(letter, "카페 일지에 이미 다 있다")
    assert "구독 취소가" not in _slide_with(letter, "만드는 사람의 하루가 담겨 있어서다")


def _templates(question: str) -> str:
    """A question without the claim it quotes (`'…' — 이 말에 …?` → `이 말에 …?`)."""
    return question.rsplit(" — ", 1)[-1]


def test_no_question_template_twice_in_a_deck(kits: dict[str, tuple[str, str]]) -> None:
    """Slides, speaker notes and guide together: no template twice, no self-check in note register,
    no front-matter title in a sentence; a guide question quotes the claim it is about."""
    for name, (deck, guide) in kits.items():
        asked = [_templates(q) for q in _questions(deck, guide)]
        assert len(asked) == len(set(asked)), (name, asked)
        title = re.search(r'^title: "?(.+?)"?$', deck, re.M)
        assert title
        notes = [ln for s in marp_slides(deck) for ln in _notes(s)]
        assert not any(title.group(1) in ln for ln in notes), name
        assert not any(title.group(1) in q for q in _questions(deck, guide)), name
        for question in _questions(deck, guide):
            assert not question.endswith("는가?"), (name, question)
        activity = guide.split("## 참가자 활동", 1)[-1].split("## ", 1)[0]
        assert "는가?" not in activity, name
        discussion = re.split(r"^## (?:토론 질문|Discussion questions)", guide, flags=re.M)[1].split("\n## ")[0]
        for question in re.findall(r"^\d+\. (.+)$", discussion, re.M):
            assert "슬라이드" not in question and "(slide" not in question, (name, question)
    cafe_guide = kits["카페-브랜딩-메모"][1]
    assert "'가격으로는 프랜차이즈를 이길 수 없다.' — " in cafe_guide  # the claim it asks about, quoted
    popup = kits["팝업스토어-프로젝트"]
    assert "정했나요?" in popup[0] and "정했나요?" in popup[1]  # `~했는가?` said to the reader


def test_every_deck_ends_with_its_exercise_and_a_debrief(kits: dict[str, tuple[str, str]]) -> None:
    """The spec's shape: title, agenda, ideas, exercise, debrief; the note's own exercise is the
    exercise slide (once), else one built from its checklist or framework."""
    for name, (deck, _) in kits.items():
        titles = [re.findall(r"^## (.+)$", _visible(s), re.M) for s in marp_slides(deck)]
        assert titles[-2] in (["실습"], ["Exercise"]) and titles[-1] in (["마무리"], ["Debrief"]), (name, titles[-2:])
        assert re.search(r"^- \S", _visible(marp_slides(deck)[-1]), re.M), name  # the debrief's prompts
    lecture = kits["lecture"][0]
    assert _visible(marp_slides(lecture)[-2]).count("한 줄로 쓰기 (5분)") == 1
    assert _visible(lecture).count("한 줄로 쓰기") == 1  # the note's exercise is run once
    cafe = _visible(marp_slides(kits["카페-브랜딩-메모"][0])[-2])
    assert "'동네 카페가 살아남는 방법'" in cafe  # built from the note's framework


def test_a_memo_left_with_too_few_ideas_gets_no_deck() -> None:
    """강의-준비-메모 is mostly her own logistics (tests/test_logistics.py): one idea slide is no
    workshop, so the channel is skipped with one line, not padded to 90 minutes."""
    result = render(EXAMPLE_VAULT, str(NOTES / "강의-준비-메모.md"), ("workshop",))
    assert not [o for o in result.outputs if "workshop" in o.path]
    said = " ".join(d.message for d in result.diagnostics)
    assert "a workshop needs 3" in said, said
