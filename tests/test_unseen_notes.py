"""Shapes learned from notes osmu had never seen (the blind held-aside notes of
tests/fixtures/insights, written in the author's style): each test names what such a note
showed and checks the rule that now holds for every note."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tasks.channels import instagram
from tasks.compose.outline import outline
from tasks.nlp.korean import as_title
from tests.conftest import EXAMPLE_VAULT, ROOT
from tests.helpers import output_text, pipeline, render

NOTES = ROOT / "tests" / "fixtures" / "insights"
SLOW = str(NOTES / "slow-marketing.md")
POPUP = str(NOTES / "팝업스토어-프로젝트.md")
LECTURE = str(NOTES / "강의-준비-메모.md")
LETTERS = str(NOTES / "뉴스레터-운영-메모.md")
BUILDING = str(NOTES / "building-in-public.md")


def _body(markdown: str) -> str:
    return markdown.split("\n---\n", 1)[1]


@pytest.fixture(scope="module")
def slow() -> str:
    return _body(output_text(render(EXAMPLE_VAULT, SLOW, ("blog",)), ".md", "blog"))


def test_a_short_link_list_stays_navigation_when_its_links_are_hidden(tmp_path: Path) -> None:
    """`## 관련 노트` with two links to notes not in the vault: the links become plain text, and the
    section still gives no insight (it once came out as a `case` and a blog section)."""
    parsed, _, _, insights, _ = pipeline(EXAMPLE_VAULT, POPUP)
    assert next(s for s in parsed.sections if s.title == "관련 노트").navigation
    assert not [i for i in insights if i.section == "관련 노트"]
    vault = tmp_path / "vault"
    (vault / ".obsidian").mkdir(parents=True)
    note = vault / "memo.md"
    note.write_text(
        "# 메모\n\n- 손님은 이유를 산다. 가격은 그다음이다.\n\n"
        "## 더 읽을 거리\n\n- [[없는-노트]] - 가게 이야기\n- [[또-없는-노트]]\n",
        encoding="utf-8",
    )
    parsed, _, _, insights, _ = pipeline(vault, str(note))
    assert [i.section for i in insights] == ["메모"]


def test_a_sentence_that_only_points_at_a_note_is_left_out(slow: str) -> None:
    """`See [[root-01-응원-경제|응원 경제]].` sends a reader nowhere once the link is gone."""
    _, _, _, insights, _ = pipeline(EXAMPLE_VAULT, SLOW)
    assert not any("See 응원" in i.text for i in insights)
    assert "Notes on building an audience slowly, after a month of reading about launches that went nowhere.\n" in slow
    assert "See 응원 경제" not in slow


def test_an_unfinished_line_before_a_list_numbered_from_1_introduces_it(slow: str) -> None:
    """`Slow marketing rests on three habits` + `1. …`: one insight, said as the list's lead-in."""
    _, _, _, insights, _ = pipeline(EXAMPLE_VAULT, SLOW)
    assert (18, 26) in [i.lines for i in insights]
    # the heading names the list (it is not said again as its lead-in)
    assert "## Slow marketing rests on three habits\n\n1. Pick one channel and stay there.\n" in slow


def test_no_chapter_says_the_note_title_again_and_a_lessons_heading_stays(slow: str) -> None:
    """A topic of the note's one generic section (`## Notes`) is named by its weightiest idea, never
    by the note's title; `## 배운 점` is a heading a reader needs (what follows are lessons)."""
    headings = [line for line in slow.split("\n") if line.startswith("## ")]
    assert "## Slow Marketing" not in headings and len(headings) == len(set(headings))
    assert headings[0] == "## Slow marketing rests on three habits"
    popup = _body(output_text(render(EXAMPLE_VAULT, POPUP, ("blog",)), ".md", "blog"))
    assert "## 배운 점" in popup and "## 하루결 성수 팝업스토어" not in popup
    assert "카페 브랜딩 메모" not in popup  # the navigation section


def test_a_lead_never_leaves_half_an_idea_behind(slow: str) -> None:
    """The hook `Every post is also an archive entry.` is one of two sentences of a bullet: the
    lead says both, and the body does not say the second alone."""
    lead = slow.strip().split("\n\n")[0]
    assert lead == "Every post is also an archive entry. In a year, the back catalogue does the selling."
    assert slow.count("the back catalogue does the selling") == 1


def test_a_memo_that_ends_on_errands_closes_on_its_last_claim() -> None:
    """The memo ends on `마이크 배터리 여분 챙기기.`: the closing section takes the last answered
    question instead, and the post has its closing section."""
    post = _body(output_text(render(EXAMPLE_VAULT, LECTURE, ("blog",)), ".md", "blog"))
    closing = post.split("## 마치며\n", 1)[1]
    assert closing.strip().startswith("왜 사장님들은 가게 이야기를 못 올릴까?")
    assert "즉, 올릴 게 없는 게 아니라 적어두지 않은 것이다." in closing


def test_a_lead_in_is_said_as_a_name_in_the_agenda() -> None:
    assert as_title("구독자가 늘어나는 이유는") == "구독자가 늘어나는 이유"
    assert as_title("아웃풋 이코노미에서 중요한건") == "아웃풋 이코노미에서 중요한건"  # never respelled
    assert as_title("Reasons:") == "Reasons"
    assert as_title("보이스를 찾는 순서") == "보이스를 찾는 순서"
    slides = output_text(render(EXAMPLE_VAULT, LETTERS, ("workshop",)), "-slides.md", "workshop")
    agenda = slides.split("\n---\n")[2]
    assert "\n구독자가 늘어나는 이유\n" in agenda and "이유는" not in agenda  # the agenda: topic names, a line each


def test_the_closing_question_is_never_the_hook_again() -> None:
    """The note's own question is the carousel's hook: the last slide and the caption ask another."""
    result = render(EXAMPLE_VAULT, BUILDING, ("instagram",))
    carousel = output_text(result, "carousel.md", "instagram")
    titles = [line.split(": ", 1)[-1] for line in carousel.split("\n") if line.startswith("## Slide")]
    assert titles[0] == "What do you do when the process is boring?"
    assert titles[-1] != titles[0]
    caption = output_text(result, "caption.txt", "instagram").split("\n·\n")
    assert sum(p.count("What do you do when the process is boring?") for p in caption) == 1


def test_a_numbered_list_is_shown_whole_or_not_at_all() -> None:
    """`… works for three reasons` with room for two of them is no slide at all."""
    parsed, _, _, insights, _ = pipeline(EXAMPLE_VAULT, BUILDING)
    told = outline(parsed, insights, "en")
    reasons = next(
        i for i in told.ideas if i.intro.startswith("Building in public works") or i.name.startswith("Building")
    )
    assert [p.number for p in reasons.points] == [1, 2, 3]
    whole = instagram._slides(told, (reasons,), 400)
    assert len(whole) == 1 and len(whole[0].points) == 3
    assert instagram._slides(told, (reasons,), 90) == []


def test_a_heading_named_after_an_idea_stands_over_that_idea(slow: str) -> None:
    """The ideas before the one that names a topic come first, without a heading of their own."""
    before, after = slow.split("## Slow marketing rests on three habits\n", 1)
    assert "Fast marketing buys attention" in before and "Fast marketing" not in after


def test_the_book_and_its_author_are_apart() -> None:
    """A book note titled `브랜드의 목소리 - 한정우`: the book in 『』, the author after it."""
    post = output_text(render(EXAMPLE_VAULT, str(NOTES / "브랜드-보이스-책노트.md"), ("blog",)), ".md", "blog")
    assert "『브랜드의 목소리』" in post and "『브랜드의 목소리 - 한정우』" not in post
    assert "- 『브랜드의 목소리』, 한정우" in post


def test_the_lead_is_neither_the_closing_nor_a_heading() -> None:
    """The note's last idea is its closing, and a line a heading says is no lead."""
    lecture = _body(output_text(render(EXAMPLE_VAULT, LECTURE, ("blog",)), ".md", "blog"))
    assert not lecture.strip().startswith("왜 사장님들은")
    book = _body(output_text(render(EXAMPLE_VAULT, str(NOTES / "브랜드-보이스-책노트.md"), ("blog",)), ".md", "blog"))
    lead = book.strip().split("\n\n")[0]
    headings = [line[3:] for line in book.split("\n") if line.startswith("## ")]
    assert lead.rstrip(".") not in headings
    assert book.count("브랜드 보이스는 로고보다 먼저 기억된다") == 1


def test_a_closing_that_was_its_sections_only_idea_keeps_the_sections_name() -> None:
    """The checklist under the note's last heading closes the post under that heading (not `## 마치며`)."""
    post = _body(output_text(render(EXAMPLE_VAULT, POPUP, ("blog",)), ".md", "blog"))
    assert "## 다음 팝업 체크리스트\n\n- 매장 안에서 보여줄" in post and "## 마치며" not in post


def test_a_question_a_heading_or_the_lead_asks_is_not_asked_again() -> None:
    letters = _body(output_text(render(EXAMPLE_VAULT, LETTERS, ("blog",)), ".md", "blog"))
    assert letters.count("왜 사람들은 광고 메일은 지우면서 가게 뉴스레터는 읽을까") == 1
    cafe = _body(output_text(render(EXAMPLE_VAULT, str(NOTES / "카페-브랜딩-메모.md"), ("blog",)), ".md", "blog"))
    assert cafe.count("왜 단골은 다른 카페로 옮기지 않을까?") == 1
    assert "**동네 카페가 살아남는 방법**" in cafe  # a lead-in label said as a name


def test_what_follows_the_closing_in_its_section_closes_the_post_with_it() -> None:
    """워크숍-회고: the checklist under `## 다음 기수 체크리스트` is her own to-do for her next cohort
    (`다음 기수 시작 전에 확인:`), left out with its heading (tests/test_logistics.py). The callout question
    after it never stands alone: it closes the post under the note's last heading left, `## 아쉬운 점`,
    with its own title."""
    post = _body(output_text(render(EXAMPLE_VAULT, str(NOTES / "워크숍-회고.md"), ("blog",)), ".md", "blog"))
    assert "다음 기수 체크리스트" not in post and "작업 로그 템플릿을 미리 배포했는가?" not in post
    closing = post.split("## 아쉬운 점\n", 1)[1]
    assert closing.rstrip().endswith("**아직 모르는 것**\n\n온라인 기수에서도 같은 분위기가 나올까?")
    assert "## 마치며" not in post


def test_an_html_list_is_numbered_once() -> None:
    """`<ol>` numbers its items: the author's `1.` is not said again (`1. 1. 매일 오는 …`)."""
    html = output_text(render(EXAMPLE_VAULT, str(NOTES / "카페-브랜딩-메모.md"), ("blog",)), ".naver.html", "blog")
    assert "<ol>\n<li>매일 오는 손님의 이름을 기억하기</li>" in html
    assert not re.search(r"<li>\s*\d+\.\s", html)
