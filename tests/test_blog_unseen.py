"""Blog rules learned from the second review of eight notes (/tmp/review2): a description that says
something, a title for a note titled only by its kind, callout titles kept, the closing section named
after the note, labels without the note-taker's prefix or a second colon."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tasks.channels.blog import label, subject
from tasks.lint.editorial import blog_shape
from tasks.model import RenderResult
from tests.conftest import EXAMPLE_VAULT, ROOT
from tests.helpers import render

NOTES = ROOT / "tests" / "fixtures" / "insights"
ALL = sorted(p.name for p in NOTES.glob("*.md"))


def _post(note: str | Path, vault: Path = EXAMPLE_VAULT) -> tuple[dict[str, object], str, str]:
    """Front matter, Markdown body and Naver HTML of a note's post (lint clean)."""
    result: RenderResult = render(vault, str(note), ("blog",))
    bad = [(o.path, r) for o in result.outputs for r in o.lint if not r.ok]
    assert not bad, bad
    md = next(o.content.decode() for o in result.outputs if o.path.endswith(".md"))
    html = next(o.content.decode() for o in result.outputs if o.path.endswith(".naver.html"))
    head, body = re.match(r"\A---\n(.*?)\n---\n(.*)\Z", md, re.DOTALL).groups()  # type: ignore[union-attr]
    return yaml.safe_load(head), body, html


@pytest.mark.parametrize("name", ALL)
def test_the_description_is_a_sentence_that_is_neither_the_title_the_lead_nor_the_chapter_names(name: str) -> None:
    """It was the title again (`Building in Public`) or the chapter names after it (`Slow Marketing:
    Slow marketing rests on three habits, The Seth Godin test`); the lead is said once, on the page."""
    front, body, _ = _post(NOTES / name)
    description, title = str(front["description"]), str(front["title"])
    lead = body.strip().split("\n\n")[0]
    assert 0 < len(description) <= 160 and "\n" not in description
    assert description not in (title, lead) and description not in title
    assert not description.startswith(f"{title}:")
    assert re.search(r"[.!?다]['\"’”]?$", description), description  # a sentence, not a list of names


def test_the_description_takes_the_idea_whole_from_its_first_sentence() -> None:
    """뉴스레터: the question and its answer, not the answer alone; short lines yield to a fuller idea."""
    front, _, _ = _post(NOTES / "뉴스레터-운영-메모.md")
    assert front["description"] == (
        "왜 사람들은 광고 메일은 지우면서 가게 뉴스레터는 읽을까? "
        "물건 소개가 아니라 만드는 사람의 하루가 담겨 있어서다."
    )


def test_a_title_that_only_says_what_kind_of_note_it_is_becomes_subject_and_hook() -> None:
    """`강의 준비 메모`, `뉴스레터 운영 메모`, `GPTers 워크숍 회고`, a project's name: the subject, then the
    note's best short hook that opens its idea; a real title and a book note stay as they were."""
    assert subject("강의 준비 메모", "knowledge", []) == "강의 준비"
    assert subject("GPTers 워크숍 회고", "knowledge", []) == "GPTers 워크숍"
    assert subject("Reading notes", "knowledge", []) == "Reading"
    assert subject("하루결 성수 팝업스토어", "knowledge", ["프로젝트", "팝업"]) == "하루결 성수 팝업스토어"
    assert subject("하루결 성수 팝업스토어", "project", []) == "하루결 성수 팝업스토어"
    assert subject("Slow Marketing", "knowledge", ["marketing"]) is None
    letters, _, html = _post(NOTES / "뉴스레터-운영-메모.md")
    assert letters["title"] == "뉴스레터 운영: 답장 한 통이 구독자 백 명보다 힘이 세다"
    assert "<h1>뉴스레터 운영: 답장 한 통이 구독자 백 명보다 힘이 세다</h1>" in re.sub(r"<h1[^>]*>", "<h1>", html)
    assert str(_post(NOTES / "강의-준비-메모.md")[0]["title"]).startswith("강의 준비: ")
    assert str(_post(NOTES / "팝업스토어-프로젝트.md")[0]["title"]).startswith("하루결 성수 팝업스토어: ")
    assert _post(NOTES / "slow-marketing.md")[0]["title"] == "Slow Marketing"
    assert str(_post(NOTES / "브랜드-보이스-책노트.md")[0]["title"]).startswith("『브랜드의 목소리』: ")
    # never a second sentence without its first: `넘으면 읽기만 하다 끝난다` is no title
    for name in ALL:
        title = str(_post(NOTES / name)[0]["title"])
        assert not re.search(r": (넘으면|제일 먼저|끝까지|그래서|즉|근데)", title), title


def test_a_callout_keeps_its_title_as_a_label_or_as_the_closing_heading() -> None:
    """`> [!question] 아직 모르는 것` is said with its title; `> [!note] For the cafe` closing the note
    names the closing section instead of `## Closing thoughts`."""
    _, retro, retro_html = _post(NOTES / "워크숍-회고.md")
    assert "**아직 모르는 것**\n\n온라인 기수에서도 같은 분위기가 나올까?" in retro
    assert "<strong>아직 모르는 것</strong>" in retro_html
    _, slow, slow_html = _post(NOTES / "slow-marketing.md")
    assert "## For the cafe\n\nThe tasting day is slow marketing in a room" in slow
    assert "## Closing thoughts" not in slow and re.search(r">For the cafe</h2>", slow_html)


def test_the_closing_section_is_the_notes_last_heading_when_the_closing_is_under_it() -> None:
    """`## 아쉬운 점` (워크숍-회고, once its to-do checklist is left out as logistics), `## 내 생각` hold
    the closing idea: that heading closes the post, once; the header records it so `blog-shape` knows
    the closing; a memo with no heading of its own keeps 마치며."""
    front, retro, _ = _post(NOTES / "워크숍-회고.md")
    assert retro.count("## 아쉬운 점") == 1 and "## 마치며" not in retro
    assert front["params"]["osmu"]["closing"] == "아쉬운 점"  # type: ignore[index]
    _, book, _ = _post(NOTES / "브랜드-보이스-책노트.md")
    assert book.count("## 내 생각") == 1 and "## 마치며" not in book
    assert book.index("## 내 생각") < book.index("보이스 가이드도 완성본이 아니라")
    front, cafe, _ = _post(NOTES / "카페-브랜딩-메모.md")
    assert "## 마치며" in cafe and "closing" not in front["params"]["osmu"]  # type: ignore[index,operator]


def test_a_label_loses_the_note_takers_prefix_and_never_gets_a_second_colon(tmp_path: Path) -> None:
    """`저자가 든 예: 동네 서점 '밤의 책방'` is shown as the example's name; a lead-in that already has
    a colon (`정리: 손님이 돌아오는 이유는`) is not given another."""
    assert label("저자가 든 예: 동네 서점 '밤의 책방'") == "동네 서점 '밤의 책방'"
    assert label("The author's example: a corner bookshop") == "a corner bookshop"
    assert label("구독자가 늘어나는 이유는:") == "구독자가 늘어나는 이유"
    assert label("예: 동네 서점") == "예: 동네 서점"  # the author's own `예:` is hers
    _, book, html = _post(NOTES / "브랜드-보이스-책노트.md")
    assert "**동네 서점 '밤의 책방'**" in book and "저자가 든 예" not in book + html
    vault = tmp_path / "vault"
    (vault / ".obsidian").mkdir(parents=True)
    note = vault / "단골.md"
    note.write_text(
        "---\ntitle: 단골 이야기\n---\n\n## 단골\n\n"
        "가게는 기억으로 남는다. 오래 본 손님일수록 작은 변화를 먼저 알아챈다. 정리: 손님이 다시 오는 이유는:\n\n"
        "- 이름을 불러준다.\n- 지난번 주문을 기억한다.\n\n"
        "## 더 할 일\n\n손님이 남긴 말을 매일 적어둔다. 적어둔 말이 다음 메뉴가 된다.\n",
        encoding="utf-8",
    )
    _, body, html = _post(note, vault)
    assert "정리: 손님이 다시 오는 이유는\n\n- 이름을 불러준다." in body and "이유는:" not in body
    assert not re.search(r":[^:<]*:</p>", html)


def test_blog_shape_knows_a_closing_named_after_the_note_from_the_header() -> None:
    """`## 다음 기수 체크리스트` is the closing when the header records it (`closing:`); any other
    heading without `마치며` is still no closing."""
    body = "\n본문\n\n## 잘된 점\n\n좋았다.\n\n## 다음 기수 체크리스트\n\n- 템플릿 배포\n"
    named = '---\ntitle: t\nparams:\n  osmu:\n    closing: "다음 기수 체크리스트"\n---\n' + body
    assert blog_shape(named, min_sections=1, closing=["마치며"], rule="r").ok
    assert not blog_shape("---\ntitle: t\n---\n" + body, min_sections=1, closing=["마치며"], rule="r").ok
    other = '---\ntitle: t\nosmu:\n  closing: "다른 이름"\n---\n' + body
    assert not blog_shape(other, min_sections=1, closing=["마치며"], rule="r").ok
