"""Stage insights: atomic cuts, stable ids, true line spans, roots with reasons."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import BOOK, EXAMPLE_VAULT, ROOT_NOTE
from tests.helpers import pipeline


def test_every_insight_lines_point_at_its_text() -> None:
    for note in (BOOK, ROOT_NOTE):
        parsed, _, _, insights, _ = pipeline(EXAMPLE_VAULT, note)
        lines = parsed.note.text.split("\n")
        assert insights
        for insight in insights:
            start, end = insight.lines
            span = "\n".join(lines[start - 1 : end])
            first_words = insight.text.split("\n")[-1].split(" ")[-1][:4]
            assert first_words in span or insight.title.split(" ")[0] in span, (insight.id, insight.lines)


def test_navigation_sections_give_no_insights() -> None:
    _, _, _, insights, _ = pipeline(EXAMPLE_VAULT, BOOK)
    assert all(i.section not in ("🌳 관련 Root Concepts", "관련 독서", "📚 Related Books") for i in insights)
    assert all(i.lines[0] >= 42 for i in insights)


def test_lead_in_takes_its_numbered_points() -> None:
    _, _, _, insights, _ = pipeline(EXAMPLE_VAULT, BOOK)
    reason = next(i for i in insights if i.text.startswith("이유는"))
    assert "1. 인터넷" in reason.text and "2. 입소문" in reason.text
    assert reason.lines == (56, 68)


def test_quotes_and_frameworks_are_typed() -> None:
    _, _, _, insights, _ = pipeline(EXAMPLE_VAULT, BOOK)
    assert next(i for i in insights if i.text.startswith("단 하나의 의자를")).type == "quote"
    assert next(i for i in insights if i.text.startswith("라쿠텐")).type == "framework"


def test_ids_are_stable_when_other_insights_move(tmp_path: Path) -> None:
    vault = tmp_path / "v"
    shutil.copytree(EXAMPLE_VAULT, vault, ignore=shutil.ignore_patterns("_osmu"))
    _, _, _, before, _ = pipeline(vault, BOOK)
    path = vault / BOOK
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("## 핵심 인사이트\n", "## 핵심 인사이트\n\n- 새로 추가한 생각 하나.\n"), encoding="utf-8"
    )
    _, _, _, after, _ = pipeline(vault, BOOK)
    assert len(after) == len(before) + 1
    assert {i.id for i in before} <= {i.id for i in after}


def test_insights_carry_roots_with_reasons() -> None:
    _, _, _, insights, _ = pipeline(EXAMPLE_VAULT, BOOK)
    quote = next(i for i in insights if "의미가치에 눈을 돌려" in i.text)
    reasons = {(t.slug, t.reason) for t in quote.roots}
    assert ("의미가치", "text") in reasons and ("프로세스-공유", "frontmatter") in reasons
    all_slugs = {s for i in insights for s in i.root_slugs}
    assert {"프로세스-공유", "의미가치", "응원-경제"} <= all_slugs
