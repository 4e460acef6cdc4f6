"""Stage roots: identity by slug, aliases, number drift, missing links."""

from __future__ import annotations

from tasks.roots import match_text, normalize_slug
from tests.conftest import BOOK, EXAMPLE_VAULT
from tests.helpers import pipeline


def test_slugs_ignore_numbers_and_path_forms() -> None:
    for raw in ("[[../../00-roots/root-08-프로세스-공유]]", "root-04-프로세스-공유", "프로세스 공유", "프로세스-공유"):
        assert normalize_slug(raw) == "프로세스-공유"


def test_root_index_has_the_vault_ontology() -> None:
    _, _, index, _, _ = pipeline(EXAMPLE_VAULT, BOOK)
    slugs = {r.slug for r in index.roots}
    assert {"프로세스-공유", "의미가치", "응원-경제", "인사이드-아웃", "아카이브-사고", "과도함", "현장감"} <= slugs
    root = index.get("프로세스-공유")
    assert root is not None and root.number == 4 and "Process Sharing" in root.aliases


def test_book_note_roots_from_front_matter_and_links_with_number_warnings() -> None:
    _, note_roots, _, _, _ = pipeline(EXAMPLE_VAULT, BOOK)
    reasons = {(t.slug, t.reason) for t in note_roots.tags}
    for slug in ("프로세스-공유", "의미가치", "응원-경제"):
        assert (slug, "frontmatter") in reasons and (slug, "link") in reasons
    drift = [d for d in note_roots.diagnostics if d.code == "root-number"]
    assert {d.line for d in drift} == {15, 16, 17}
    assert "root-08" in drift[0].message and "root-04" in drift[0].message
    missing = [d for d in note_roots.diagnostics if d.code == "missing-link"]
    assert len(missing) >= 15 and all(d.file == BOOK for d in missing)


def test_text_match_names_the_evidence() -> None:
    _, _, index, _, _ = pipeline(EXAMPLE_VAULT, BOOK)
    tags = match_text("결국 의미가치에 눈을 돌려야 한다", index, line=7)
    assert [(t.slug, t.reason, t.line) for t in tags] == [("의미가치", "text", 7)]
