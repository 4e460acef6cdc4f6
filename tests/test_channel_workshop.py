"""Workshop: Marp deck, the same deck as an editable PPTX with notes and a Korean font, and the guide."""

from __future__ import annotations

import io
import re

import pytest
from pptx import Presentation
from pptx.oxml.ns import qn
from pptx.util import Inches

from tasks.lint.rules import marp_slides
from tests.conftest import BOOK, EXAMPLE_VAULT, ROOT_NOTE
from tests.helpers import pipeline, render, rendered


def _workshop(note: str, total: int | None = None) -> dict[str, bytes]:
    parsed, note_roots, index, insights, settings = pipeline(EXAMPLE_VAULT, note)
    if total is not None:
        settings = settings.model_copy(update={"options": {"workshop": {"total_minutes": total}}})
    outputs = rendered(parsed, insights, note_roots, index, settings, ("workshop",)).outputs
    assert all(r.ok for o in outputs for r in o.lint), [(o.path, r) for o in outputs for r in o.lint if not r.ok]
    return {o.path.rsplit("-", 1)[-1]: o.content for o in outputs}


@pytest.fixture(scope="module")
def root_kit() -> dict[str, bytes]:
    return _workshop(ROOT_NOTE)


def test_marp_deck_has_directives_notes_and_bounded_lines(root_kit: dict[str, bytes]) -> None:
    deck = root_kit["slides.md"].decode()
    for directive in ("marp: true", "paginate: true", "size: 16:9", "theme: default"):
        assert f"\n{directive}\n" in deck
    for slide in marp_slides(deck):
        assert re.search(r"<!--\n\S.*?\n-->", slide, re.DOTALL), slide
        visible = [ln for ln in re.sub(r"<!--.*?-->", "", slide, flags=re.DOTALL).splitlines() if ln.strip()]
        assert len(visible) <= 6


def test_pptx_matches_the_marp_deck_with_notes_and_korean_font(root_kit: dict[str, bytes]) -> None:
    deck = Presentation(io.BytesIO(root_kit["slides.pptx"]))
    marp = marp_slides(root_kit["slides.md"].decode())
    assert len(deck.slides) == len(marp) >= 2
    assert (deck.slide_width, deck.slide_height) == (Inches(13.333), Inches(7.5))  # 16:9
    for slide, source in zip(deck.slides, marp, strict=True):
        notes = slide.notes_slide.notes_text_frame.text
        assert notes.strip() and notes.split("\n")[0][:20] in source
        title = next(s for s in slide.shapes if s.has_text_frame and s.text_frame.text.strip())
        assert title.text_frame.text.strip()[:15] in source
        for run in slide.shapes._spTree.iter(qn("a:r")):
            rpr = run.find(qn("a:rPr"))
            assert rpr.find(qn("a:latin")).get("typeface") == "Noto Sans CJK KR"
            assert rpr.find(qn("a:ea")).get("typeface") == "Noto Sans CJK KR"


def test_pptx_is_reproducible(root_kit: dict[str, bytes]) -> None:
    assert _workshop(ROOT_NOTE)["slides.pptx"] == root_kit["slides.pptx"]


@pytest.mark.parametrize("total", [45, 90, 120, 137])
def test_run_of_show_adds_up_to_the_requested_total(total: int) -> None:
    guide = _workshop(BOOK, total)["guide.md"].decode()
    rows = re.findall(r"^\| (\d+)분 \| (\d+)분 \| ([^|]+) \| ([^|]+) \| ([^|]+) \|", guide, re.MULTILINE)
    assert len(rows) >= 4
    assert sum(int(m) for _, m, *_ in rows) == total
    starts = [int(s) for s, *_ in rows]
    assert starts == sorted(starts) and starts[0] == 0
    assert all(say.strip() and do.strip() for *_, say, do in rows)  # Say / Do for every block


def test_guide_exercise_comes_from_the_note(root_kit: dict[str, bytes]) -> None:
    guide = root_kit["guide.md"].decode()
    exercise = guide.split("## 참가자 활동", 1)[1].split("## 토론 질문", 1)[0]
    assert "자가 점검" in exercise  # the root note's checklist, as a self-assessment
    assert "- [ ] Self-Us-Now 구조로 스토리를 만들고 있나요?" in exercise  # a self-check said to the reader
    assert re.search(r"## 토론 질문\n\n1\. \S", guide) and "## 마무리" in guide


def test_book_without_checklist_turns_its_frameworks_into_questions() -> None:
    guide = next(o for o in render(EXAMPLE_VAULT, BOOK, ("workshop",)).outputs if o.path.endswith("-guide.md"))
    exercise = guide.content.decode().split("## 참가자 활동", 1)[1].split("## 토론 질문", 1)[0]
    assert "프레임워크 적용: '불확실한 상황에 대처하며 성과를 내는 원리'" in exercise
    assert "- [ ] 손안의 새 : 지금 가진 자원에서부터 시작하라\n" in exercise  # the question is asked once, in the intro


def _sizes_that_fit(deck: Presentation) -> list[float]:
    """Font sizes of every text box, after checking each box's wrapped text fits inside it."""
    from tasks.builders.carousel import find_font, load, wrap
    from tasks.builders.deck import EMU_PER_PT, INSET_X, INSET_Y, LINE_HEIGHT, SPACE_AFTER

    face, sizes = find_font(), []
    for slide in deck.slides:
        boxes = [s for s in slide.shapes if s.has_text_frame and s.text_frame.text.strip()]
        assert boxes
        for box in boxes:
            paragraphs = box.text_frame.paragraphs
            size = paragraphs[0].runs[0].font.size.pt
            width = (box.width - 2 * INSET_X) / EMU_PER_PT
            rows = sum(len(wrap(p.text, load(face, int(size)), int(width))) for p in paragraphs)
            needed = rows * size * LINE_HEIGHT + (len(paragraphs) - 1) * size * SPACE_AFTER
            assert needed <= (box.height - 2 * INSET_Y) / EMU_PER_PT, (box.text_frame.text[:40], size)
            assert box.top + box.height <= deck.slide_height
            sizes.append(size)
    return sizes


def test_pptx_text_fits_its_boxes(root_kit: dict[str, bytes]) -> None:
    assert _sizes_that_fit(Presentation(io.BytesIO(root_kit["slides.pptx"])))


def test_long_text_is_set_smaller_rather_than_overflowing() -> None:
    from datetime import datetime

    from tasks.builders.deck import DeckSlide, build_deck

    title = "프로세스를 공유하는 브랜드가 결국 팬을 얻는 이유에 대한 아주 길고 긴 제목 " * 2
    lines = tuple(
        "과정을 공유하면 사람들은 결과보다 과정에 공감하고 함께 만들어 가는 즐거움을 느낀다" for _ in range(5)
    )
    data = build_deck(
        (DeckSlide(title, (), "표지"), DeckSlide(title, lines, "노트")), "Noto Sans CJK KR", "t", datetime(2025, 1, 1)
    )
    sizes = _sizes_that_fit(Presentation(io.BytesIO(data)))
    assert sizes[0] < 44 and sizes[1] < 34 and sizes[2] < 24


def test_a_control_character_in_the_title_does_not_break_the_deck() -> None:
    """Found by tests/test_properties.py: a front-matter title `"\\e"` (ESC) made lxml refuse the core properties."""
    from datetime import datetime

    from tasks.builders.deck import DeckSlide, build_deck

    slide = DeckSlide("제목\x1b", ("본문\x1b",), "노트\x1b")
    data = build_deck((slide,), "Noto Sans CJK KR", "제목\x1b", datetime(2026, 1, 1))
    deck = Presentation(io.BytesIO(data))
    assert deck.core_properties.title == "제목"
    assert len(deck.slides) == 1
