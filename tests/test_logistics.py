"""The author's logistics never reach a reader (reviewer's top-10 item 7): the date and length of her
own event, her equipment, rules for her own material and to-dos addressed to herself are left out of
every reader-facing channel, while exercises, reader checklists and past stories stay content.

Fixture notes in tests/fixtures/logistics are named for the behaviour they show."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from tasks.compose.ideas import Idea, ideas_of
from tasks.compose.logistics import line_facts, logistics
from tasks.model import RenderResult
from tests.conftest import EXAMPLE_VAULT, ROOT
from tests.helpers import pipeline, render

FIXTURES = ROOT / "tests" / "fixtures" / "logistics"
INSIGHTS = ROOT / "tests" / "fixtures" / "insights"
LECTURE = INSIGHTS / "강의-준비-메모.md"
RETRO = INSIGHTS / "워크숍-회고.md"
BOOK_TALK = FIXTURES / "북토크-준비-메모-일정과-준비물은-빠진다.md"
TALK_PREP = FIXTURES / "talk-prep-notes-schedule-and-kit-are-left-out.md"
MEETUP_RETRO = FIXTURES / "모임-회고-자기-점검-목록은-빠지고-배운-점은-남는다.md"
MEMO = INSIGHTS / "12월-첫주-메모.md"
PROJECT = INSIGHTS / "군산-책방-느린오후-리브랜딩.md"
BOOK = EXAMPLE_VAULT / "34-learning" / "34.01-books" / "books" / "프로세스-이코노미.md"
CHANNELS = ("blog", "newsletter", "instagram", "workshop")
"""The reader-facing channels."""


@cache
def _ideas(note: Path) -> tuple[tuple[Idea, ...], tuple[Idea, ...]]:
    """(every idea, the ideas a channel sees) of one note."""
    parsed, _, _, insights, _ = pipeline(EXAMPLE_VAULT, str(note))
    return ideas_of(parsed, insights, keep_logistics=True), ideas_of(parsed, insights)


def _left_out(note: Path) -> list[str]:
    every, kept = _ideas(note)
    ids = {i.id for i in kept}
    return [i.text.split("\n", 1)[0] for i in every if i.id not in ids]


@cache
def _render(note: Path) -> RenderResult:
    return render(EXAMPLE_VAULT, str(note), CHANNELS)


def _shown(note: Path) -> dict[str, str]:
    """Every reader-facing text output of the note, by channel (front matter and HTML tags kept: a
    line must not hide there either)."""
    out: dict[str, str] = {}
    for o in _render(note).outputs:
        if o.channel in CHANNELS and o.path.endswith((".md", ".txt", ".html")):
            out[o.channel] = out.get(o.channel, "") + "\n" + o.content.decode()
    return out


def _skipped(note: Path) -> set[str]:
    return {d.message.split(":", 1)[0] for d in _render(note).diagnostics if d.code == "too-little"}


def test_the_lecture_memos_schedule_kit_and_production_rules_are_logistics() -> None:
    """강의-준비-메모: the talk's date and length, the time slots of its plan, her rules for her own
    slides and material, and the mic battery; the question, its answer, the exercise and the closing
    quote are what a reader gets."""
    assert _left_out(LECTURE) == [
        "다음 주 소상공인 브랜딩 강의, 90분.",
        "슬라이드는 30장을 넘기지 않는다.",
        "첫 10분에 할 이야기는",
        "강의 자료는 블로그 글 세 편을 다시 엮어서 만든다.",
        "마이크 배터리 여분 챙기기.",
    ]
    kept = [i.text for i in _ideas(LECTURE)[1]]
    assert any(t.startswith("왜 사장님들은 가게 이야기를 못 올릴까?") for t in kept)
    assert any(t.startswith("실습: 오늘 매장에서 있었던 장면 하나를 한 줄로 쓰기") for t in kept)
    assert "잘 가르치는 사람보다 같이 헤매 주는 사람이 오래 기억된다." in kept


def test_the_lecture_memo_shows_no_logistics_in_any_channel_and_skips_the_short_ones() -> None:
    """The blog carries what is left (the question, the exercise, the quote); the letter (three
    takeaways), the carousel (four slides) and the workshop (three idea slides) have too little
    left and say so."""
    shown = _shown(LECTURE)
    for channel, text in shown.items():
        # (`총 90분` in the guide is the workshop's own length, not the talk's)
        for line in ("다음 주", "강의, 90분", "30장", "블로그 글 세 편", "배터리", "첫 10분", "원두를 두 포대"):
            assert line not in text, (channel, line)
    assert set(shown) == {"blog"}
    assert _skipped(LECTURE) == {"newsletter", "instagram", "workshop"}
    assert "올릴 게 없는 게 아니라 적어두지 않은 것이다" in shown["blog"]
    assert "오늘 매장에서 있었던 장면 하나를 한 줄로 쓰기" in shown["blog"]


def test_the_author_is_told_which_lines_were_left_out_and_where() -> None:
    """One warning per idea set aside, at its line, so she can check the rule's reading of her note."""
    said = "left out of every reader-facing channel as the author's own logistics: "
    told = [(d.line, d.message) for d in _render(LECTURE).diagnostics if d.code == "logistics"]
    assert told == [
        (12, said + "다음 주 소상공인 브랜딩 강의, 90분."),
        (14, said + "슬라이드는 30장을 넘기지 않는다."),
        (16, said + "첫 10분에 할 이야기는"),
        (24, said + "강의 자료는 블로그 글 세 편을 다시 엮어서 만든다."),
        (34, said + "마이크 배터리 여분 챙기기."),
    ]
    assert not [d for d in _render(BOOK_TALK).diagnostics if d.code == "logistics" and "추천" in d.message]


def test_a_to_do_list_addressed_to_herself_is_left_out_with_its_heading() -> None:
    """워크숍-회고: `다음 기수 시작 전에 확인:` and its items are her own cohort prep; the open question
    after them stays, no longer under the heading that named the checklist: it reads on from the
    section before, as when an editor deletes the heading with the lines under it."""
    assert _left_out(RETRO) == ["다음 기수 시작 전에 확인"]
    question = next(i for i in _ideas(RETRO)[1] if i.text.startswith("온라인 기수에서도"))
    assert question.path == ("GPTers 워크숍 회고", "아쉬운 점")
    for channel, text in _shown(RETRO).items():
        assert "배포했는가" not in text and "볼트에 모으는" not in text, channel
        assert "다음 기수 체크리스트" not in re.sub(r"<!--.*?-->", "", text, flags=re.S), channel


def test_a_prep_memo_in_korean_keeps_its_claims_and_exercise_and_drops_its_schedule_and_kit() -> None:
    assert _left_out(BOOK_TALK) == [
        "이번 달 동네 책방 북토크, 60분.",
        "노트북 충전기랑 HDMI 젠더 챙길 것.",
        "발표 자료는 지난 뉴스레터 두 편을 묶어서 만든다.",
        "보조배터리",
        "무선 마이크",
    ]
    shown = _shown(BOOK_TALK)
    assert set(shown) == set(CHANNELS)
    for channel, text in shown.items():
        for line in ("60분", "충전기", "젠더", "뉴스레터 두 편", "보조배터리", "명찰", "마이크"):
            assert line not in text, (channel, line)
        assert not re.search(r"^#+ 준비물|>준비물<", text, re.M), channel  # no heading over nothing
    assert "내 가게에서만 할 수 있는 말 한 줄을 적기" in shown["workshop"]
    assert "좋은 추천은 상품이 아니라 사람을 보여준다." in shown["blog"]


def test_a_prep_memo_in_english_keeps_its_claims_and_exercise_and_drops_its_schedule_and_kit() -> None:
    assert _left_out(TALK_PREP) == [
        "Meetup talk next Thursday, 30 minutes.",
        "The deck stays under 20 slides.",
        "Bring a spare clicker battery.",
        "spare batteries",
        "name badges",
    ]
    shown = _shown(TALK_PREP)
    assert set(shown) == set(CHANNELS)
    for channel, text in shown.items():
        for line in ("next Thursday", "20 slides", "clicker", "batteries", "HDMI", "badges"):
            assert line not in text, (channel, line)
        assert not re.search(r"^#+ Packing list|>Packing list<", text, re.M), channel
    assert "write one sentence only your shop could say" in shown["workshop"]
    assert "Customers remember the owner's reason" in shown["blog"]


def test_her_to_do_list_and_her_calendar_are_left_out_of_a_memo_and_a_project() -> None:
    """Two notes of the blind set: `## 할 일` (`원두 발주 … - 수요일까지`, `세무사님께 부가세 자료 보내기`,
    `… 미팅 자료 정리 (12/3)`, `1월 강의장 대관 확정`) and `## 일정` (`12/3 2차 미팅 …`, `12/14 현장
    워크숍 …`); the memo's thoughts and the project's proposal and its reader checklist stay."""
    assert _left_out(MEMO) == ["원두 발주 (에티오피아 2kg, 콜롬비아 3kg) - 수요일까지"]  # the whole list
    assert len(_ideas(MEMO)[0]) - len(_ideas(MEMO)[1]) == 1
    assert _left_out(PROJECT) == [
        "12/3 2차 미팅 (온라인, 회원제 이름 같이 정하기)",
        "12/14 현장 워크숍 - 메모 촬영 가이드 (조명, 각도) 같이 만들기",
    ]
    for note, gone in ((MEMO, ("부가세", "대관", "할 일")), (PROJECT, ("2차 미팅", "12/14", "## 일정"))):
        for channel, text in _shown(note).items():
            assert not any(g in text for g in gone), (note.stem, channel)
    assert "역할이 하나라도 있는가?" in _shown(PROJECT)["blog"]


def test_a_checklist_a_reader_can_apply_and_a_past_story_stay_content() -> None:
    """모임-회고: `다음 행사 체크리스트` (lessons any host can apply, no to-do lead-in) and `저녁 7시에
    시작해서 …` (a time, told as a story) stay; `다음 달 모임 시작 전에 확인:` goes, with its heading."""
    assert _left_out(MEETUP_RETRO) == ["다음 달 모임 시작 전에 확인"]
    blog = _shown(MEETUP_RETRO)["blog"]
    assert "완성본 대신 과정을 보여줄 장면을 하나 정했는가?" in blog
    assert "저녁 7시에 시작해서 세 시간 동안 아무도 자리를 뜨지 않았다." in blog
    assert "온라인 모임에서도 초고를 먼저 꺼낼까?" in blog
    assert "초고 양식을 미리 보냈는가?" not in blog and "다음 기수 준비" not in blog


def test_the_seed_book_note_loses_no_idea() -> None:
    every, kept = _ideas(BOOK)
    assert len(every) > 30
    assert kept == every


@pytest.mark.parametrize(
    "note",
    [
        *(p for p in sorted(INSIGHTS.glob("*.md")) if p not in (LECTURE, RETRO, MEMO, PROJECT)),
        *sorted((ROOT / "tests" / "fixtures" / "editorial-notes").glob("*.md")),
        *sorted((ROOT / "tests" / "fixtures" / "editorial").rglob("*.md")),
        EXAMPLE_VAULT / "30-knowledge" / "33-insights" / "show-your-work.md",
        EXAMPLE_VAULT / "10-projects" / "13-imi-work" / "13.01-osmu-system.md",
    ],
    ids=lambda p: p.parent.name + "/" + p.stem,
)
def test_notes_without_logistics_lose_nothing(note: Path) -> None:
    """Times in a story (`매일 오후 3시에 뚜껑을 열었다`), `launchd`로 매일 아침 7시에, a reader's
    exercise (`this week's three lines before Friday`), `매일 오는 손님의 이름을 기억하기`: all content."""
    every, kept = _ideas(note)
    assert kept == every


def test_line_facts_read_the_morphemes_not_the_words() -> None:
    """The same words, told as a plan or as a story, addressed to herself or to the reader."""
    assert line_facts("다음 주 소상공인 브랜딩 강의, 90분.").dated
    assert not line_facts("지난주 강의는 90분 동안 이어졌다.").dated  # a past story
    assert line_facts("노트북 충전기 챙기기.").to_do
    assert not line_facts("매일 오는 손님의 이름을 기억하기").to_do  # a practice, no kit or date
    assert not line_facts("여러분도 노트북을 챙겨 오세요.").to_do  # said to the reader
    assert line_facts("다음 기수 시작 전에 확인").to_do
    assert line_facts("강의 자료는 블로그 글 세 편을 다시 엮어서 만든다.").subject == "event-material"
    assert line_facts("4주 뒤 기록이 그대로 발표 자료가 됨").subject == ""  # the material is no subject
    assert line_facts("실습: 오늘 장면 하나를 한 줄로 쓰기. 5분.").content
    assert line_facts("Bring a spare clicker battery.").to_do
    assert not line_facts("Write this week's three lines before Friday and post them.").to_do
    assert not line_facts("Pick one unfinished thing and post it this week.").to_do  # a date, no kit
    assert not line_facts("유튜브 강의 한 편을 블로그, 뉴스레터, 강의 자료로 다시 쓰기").to_do  # a way of working
    assert line_facts("이번 주 금요일까지 원고 보내기").to_do
    assert line_facts("12/3 2차 미팅 (온라인)").dated and line_facts("12월 3일 미팅").dated  # the analyser's date
    assert line_facts("원두 발주 - 수요일까지").chore and line_facts("1월 강의장 대관 확정").chore
    assert not line_facts("매일 오는 손님의 이름을 기억하기").chore  # a practice, not her errand
    assert not line_facts("매장 안에서 보여줄 장면을 하나 정했는가?").chore  # a question a reader can ask


def test_the_rule_reads_the_whole_note() -> None:
    """A rule for her slides is logistics only in a note that plans her event."""
    every, _ = _ideas(LECTURE)
    slides = next(i for i in every if i.text.startswith("슬라이드는"))
    assert slides.id in logistics(every)
    assert slides.id not in logistics([slides])  # alone, `슬라이드는 …` could be advice to a reader


def test_a_claim_with_a_length_in_it_stays_content_in_a_planned_note(tmp_path: Path) -> None:
    """In a memo that plans a talk, `첫 10분에 할 이야기는` is a slot of the plan; `하루 10분만 적어도 1년이면
    60시간이다.` is a claim that happens to count minutes."""
    note = tmp_path / "memo.md"
    note.write_text(
        "# 메모\n\n- 다음 주 북토크, 60분.\n\n- 첫 10분에 할 이야기는\n\n- 1. 책방을 연 날\n\n- 2. 첫 손님\n\n"
        "- 하루 10분만 적어도 1년이면 60시간이다.\n\n- 기록은 재능이 아니라 습관이다.\n",
        encoding="utf-8",
    )
    assert _left_out(note) == ["다음 주 북토크, 60분.", "첫 10분에 할 이야기는"]
