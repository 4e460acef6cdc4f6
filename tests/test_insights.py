"""Stage insights: atomic cuts, stable ids, true line spans, roots with reasons."""

from __future__ import annotations

import shutil
from pathlib import Path

from bench.insight_eval import score
from tasks.nlp import korean
from tests.conftest import BOOK, EXAMPLE_VAULT, ROOT_NOTE
from tests.helpers import pipeline, render


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
    # `점점 상품 간의 격차가 사라진다.` + `이유는` + its two numbered reasons and their examples
    reason = next(i for i in insights if "이유는" in i.text)
    assert reason.text.startswith("점점 상품 간의 격차가 사라진다.")
    assert "1. 인터넷" in reason.text and "2. 입소문" in reason.text and "SNS 맛짐 공유" in reason.text
    assert reason.lines == (54, 68)
    lead = next(i for i in insights if i.text.startswith("아웃풋 이코노미에서 중요한건"))
    assert lead.lines == (48, 52) and "제품의 품질, 가격, 마케팅, 유통" in lead.text


def test_labels_head_what_follows_and_back_references_join() -> None:
    _, _, _, insights, _ = pipeline(EXAMPLE_VAULT, BOOK)
    spans = {i.lines for i in insights}
    assert (138, 148) in spans  # `Self Us Now` + the Obama story + its me/we/now structure
    assert (202, 208) in spans  # `라쿠텐 인기가게의 3가지 법칙` + its three rules
    assert (96, 98) in spans  # `이게 프로세스 이코노미.` points back
    assert (254, 260) in spans  # label `와이 콤비네이터 "오피스아워"`, `그들은 …` points back
    assert (264, 266) in spans  # a question takes its answer
    assert (44, 44) in spans and (46, 46) in spans  # plain sentences stand alone


def test_structured_root_note_splits_by_principles_cases_checklist_and_do_dont() -> None:
    _, _, _, insights, _ = pipeline(EXAMPLE_VAULT, ROOT_NOTE)
    by_span = {i.lines: i for i in insights}
    for span in ((23, 30), (32, 45), (47, 54), (56, 62), (64, 67)):  # the five principles, from their heading
        assert span in by_span, span
    assert by_span[(130, 133)].type == "case" and by_span[(130, 133)].title == "1. 파타고니아"
    assert by_span[(147, 154)].type == "checklist" and len(by_span[(147, 154)].points) == 6
    assert by_span[(158, 166)].type == "contrast" and "✅" in by_span[(158, 166)].text


def test_every_substantive_sentence_lands_in_exactly_one_insight() -> None:
    for note in (BOOK, ROOT_NOTE):
        parsed, _, _, insights, _ = pipeline(EXAMPLE_VAULT, note)
        figures = score(note, parsed, insights, ())
        assert figures.sentences > 40 and figures.missing == 0 and figures.duplicated == 0


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
    assert ("의미가치", "text") in {(t.slug, t.reason) for t in quote.roots}
    shared = next(i for i in insights if "프로세스를 공유해서" in i.text)  # morphemes, not substrings
    text_tag = next(t for t in shared.roots if t.reason == "text" and t.slug == "프로세스-공유")
    assert text_tag.line == 100 and 0 < text_tag.score <= 1
    all_slugs = {s for i in insights for s in i.root_slugs}
    assert {"프로세스-공유", "의미가치", "응원-경제"} <= all_slugs


def test_note_roots_are_not_stamped_on_every_insight() -> None:
    _, note_roots, _, insights, _ = pipeline(EXAMPLE_VAULT, BOOK)
    assert {t.slug for t in note_roots.tags} >= {"프로세스-공유", "의미가치", "응원-경제"}
    community = next(i for i in insights if i.text.startswith("현실 세계에서는 점점 커뮤니티가 사라지고"))
    assert "의미가치" not in community.root_slugs and "응원-경제" not in community.root_slugs
    assert sum(not i.roots for i in insights) >= 5
    inherited = [t for i in insights for t in i.roots if t.reason in ("frontmatter", "link")]
    assert inherited and all(";" in t.evidence for t in inherited)  # the supporting words are named


def test_a_root_note_never_carries_itself() -> None:
    _, note_roots, index, insights, _ = pipeline(EXAMPLE_VAULT, ROOT_NOTE)
    assert index.get("프로세스-공유").path == ROOT_NOTE  # type: ignore[union-attr]
    assert note_roots.tags and "프로세스-공유" not in {t.slug for t in note_roots.tags}  # note level
    # insight level: `프로세스 공유` is named in many of its insights, still not its own tag
    assert sum("프로세스 공유" in i.text for i in insights) >= 3
    assert all("프로세스-공유" not in i.root_slugs for i in insights)
    assert any(i.roots for i in insights)  # the roots it relates to are still tagged
    result = render(EXAMPLE_VAULT, ROOT_NOTE, ("blog", "atoms"))
    assert all("프로세스-공유" not in o.root_concepts for o in result.outputs)


def test_hashtags_have_no_spaces_particles_or_unsupported_roots() -> None:
    _, _, _, insights, _ = pipeline(EXAMPLE_VAULT, BOOK)
    for insight in insights:
        assert all(" " not in h and "-" not in h and h for h in insight.hashtags)
        roots_as_tags = {s.replace("-", "") for s in insight.root_slugs}
        assert {"프로세스공유", "의미가치", "응원경제"} & set(insight.hashtags) <= roots_as_tags
    assert korean.hashtag("의미가치를") == "의미가치" and korean.hashtag("프로세스-공유") == "프로세스공유"
    assert korean.hashtag("정글 크루즈형") == "정글크루즈형" and korean.hashtag("과도함") == "과도함"
