"""The letter, as the creator reads it (reviewer's report on 8 notes osmu had never seen): three
takeaways written as complete short paragraphs, a subject the body develops, a whole quote that
is neither the subject nor a takeaway, and a preheader of whole sentences."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tasks.channels.newsletter import letter_preheader
from tests.conftest import EXAMPLE_VAULT, ROOT
from tests.helpers import render

NOTES = sorted((ROOT / "tests" / "fixtures" / "insights").glob("*.md"))
GENERIC = {"목표", "한 일", "잘된 점", "아쉬운 점", "배운 점", "내 생각", "메모", "Notes", "Checklist"}


def _letter(note: Path) -> dict[str, str] | None:
    """The letter's parts; None when the note has too little to say to subscribers (강의-준비-메모, once
    its logistics are left out: tests/test_logistics.py)."""
    result = render(EXAMPLE_VAULT, str(note), ("newsletter",))
    failed = [(o.path, r.rule, r.message) for o in result.outputs for r in o.lint if not r.ok]
    assert failed == []
    shown = [o for o in result.outputs if o.path.endswith((".txt", ".html"))]
    if not shown:
        return None
    files = {o.path.rsplit(".", 1)[-1]: o.content.decode() for o in shown}
    text = files["txt"]
    subject, preheader, rest = text.split("\n\n", 2)
    body = rest.split("\n--\n", 1)[0]
    body = re.split(r"^(전문 읽기|Read the full post): ", body, flags=re.M)[0]
    quote = next((line[2:] for line in body.splitlines() if line.startswith("> ")), "")
    return {"subject": subject, "preheader": preheader, "body": body, "quote": quote, **files}


@pytest.fixture(scope="module")
def letters() -> dict[str, dict[str, str]]:
    made = {note.stem: _letter(note) for note in NOTES}
    return {name: letter for name, letter in made.items() if letter is not None}


def _paragraphs(body: str) -> list[str]:
    """The takeaways and the quote (the greeting is the first paragraph)."""
    return [p for p in body.strip().split("\n\n")[1:] if p.strip()]


def test_the_text_part_has_no_markdown_headings_and_three_takeaways(letters: dict[str, dict[str, str]]) -> None:
    for name, letter in letters.items():
        assert not re.search(r"^#+ ", letter["txt"], re.M), name
        assert letter["html"].count('class="takeaway"') == 3, name
        takeaways = [p for p in _paragraphs(letter["body"]) if not p.startswith("> ")]
        assert len(takeaways) == 3, (name, takeaways)


def test_the_body_develops_the_subject_and_the_quote_is_not_the_subject(letters: dict[str, dict[str, str]]) -> None:
    """`Sharing is not the same as promoting.` was the subject of a letter that never said it; the
    lecture memo's subject came back as its quote. A subject whose idea says more is developed in the
    body; one that is its idea whole is never a takeaway said again word for word."""
    for name, letter in letters.items():
        assert letter["quote"] != letter["subject"], name
        assert not any(p.strip() == letter["subject"] for p in _paragraphs(letter["body"])), name
        if letter["subject"] in letter["body"]:  # the subject's idea is no takeaway, unless it carries a list
            after = letter["body"].split(letter["subject"], 1)[1].split("\n\n", 1)[0]
            assert re.search(r"^\s*(- |\d+\. |\|)", after, re.M), name
    assert "Sharing is not the same as promoting." not in letters["building-in-public"]["body"]


def test_the_quote_is_whole_and_not_a_takeaway(letters: dict[str, dict[str, str]]) -> None:
    """`마지막 주말에는 … '실패작 할인'으로 내놓았다.` was shown without `제일 먼저 팔렸다.`: a quote is
    the author's whole line (every sentence of it), never said again in a takeaway."""
    for note in (n for n in NOTES if n.stem in letters):
        letter = letters[note.stem]
        quote = letter["quote"]
        if not quote:
            continue  # a note that quotes no one has no quote
        first = re.split(r"(?<=[.!?])\s", quote)[0]
        line = next(raw for raw in note.read_text(encoding="utf-8").splitlines() if first.strip('"') in raw)
        said = re.sub(r"^\s*(?:[-*]\s+|#+\s+|>\s*)", "", line).strip()
        assert said.strip('"') in quote.strip('"'), (note.stem, quote, said)
        takeaways = [p for p in _paragraphs(letter["body"]) if not p.startswith("> ")]
        assert not any(quote in p for p in takeaways), note.stem


def test_takeaways_are_whole_ideas_named_only_by_real_names(letters: dict[str, dict[str, str]]) -> None:
    """A lead-in stands right before its list (`구독자가 늘어나는 이유는:`), a takeaway never opens
    with `그래서` away from its premise, a generic section name never titles one, and the note's
    opening context (`Notes on building an audience…`) is not a takeaway."""
    for name, letter in letters.items():
        for paragraph in _paragraphs(letter["body"]):
            first = paragraph.splitlines()[0]
            assert first not in GENERIC, (name, first)
            assert not re.match(r"(그래서|하지만|즉|이게|He|It)\b", first), (name, first)
            assert not first.endswith(("은", "는")), (name, first)  # a lead-in said without its colon
    assert "구독자가 늘어나는 이유는:\n1. 매번 같은 요일 아침에 도착한다" in letters["뉴스레터-운영-메모"]["body"]
    assert "Notes on building an audience" not in letters["slow-marketing"]["body"]
    popup = letters["팝업스토어-프로젝트"]["body"]
    assert "클라이언트는 제주 감귤 발효잼 브랜드 '하루결'" not in popup
    cafe = letters["카페-브랜딩-메모"]["body"]
    assert "동네 카페가 살아남는 방법은:" in cafe
    assert "그날 만든 디저트 페어링 실험이 다음 주 시그니처가 되었다." in cafe  # the payoff child kept


def test_the_quote_stands_under_the_claim_it_follows(letters: dict[str, dict[str, str]]) -> None:
    body = letters["카페-브랜딩-메모"]["body"]
    assert "- 이게 현장감이다.\n\n> 좋은 가게는 물건을 팔기 전에 이야기를 판다." in body


def test_the_preheader_is_whole_sentences_that_continue_the_subject(letters: dict[str, dict[str, str]]) -> None:
    """`…The Pieter Levels model More next time.`: labels glued to a template sentence."""
    for name, letter in letters.items():
        preheader = letter["preheader"]
        assert 20 <= len(preheader) <= 100, (name, preheader)
        assert " · " not in preheader and not preheader.startswith(("이번 편지:", "In this letter:")), name
        assert re.search(r"[.!?]['\"]?$", preheader), (name, preheader)
    assert letters["뉴스레터-운영-메모"]["preheader"].startswith("끝까지 함께 가는 사람이 생긴다.")


def test_letter_preheader_keeps_whole_sentences_in_the_window() -> None:
    pieces = ["끝까지 함께 가는 사람이 생긴다.", "가" * 120 + "."]
    assert letter_preheader(pieces, 85, 100, "뉴스레터 운영 메모") == pieces[0]  # shorter, never filler
    more = ["매주 쓸 거리가 없다는 건 거짓말이다.", "기록하지 않은 하루는 보낼 뉴스레터도 없다.", "뉴스레터 운영 메모"]
    text = letter_preheader(pieces, 40, 100, "뉴스레터 운영 메모", more)
    assert text.startswith(pieces[0]) and 40 <= len(text) <= 100 and "가" * 10 not in text
    assert "뉴스레터 운영 메모" not in text.replace("뉴스레터도", "")
    assert letter_preheader([], 85, 100, "Building in Public") == ""  # never filler: the caller decides
