"""Stage parse: sections, blocks with true line spans, every wikilink form, Korean emphasis."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.markdown.parse import parse_note
from tasks.markdown.wikilink import display_text
from tasks.vault.read import read_note
from tests.conftest import BOOK, EXAMPLE_VAULT, FIXTURES
from tests.helpers import settings_for


def _parsed(vault: Path, path: str):  # type: ignore[no-untyped-def]
    settings = settings_for(vault)
    return parse_note(read_note(vault, Path(path)), settings.navigation_sections)


def test_block_lines_point_at_their_text() -> None:
    parsed = _parsed(EXAMPLE_VAULT, BOOK)
    lines = parsed.note.text.split("\n")
    for section in parsed.sections:
        for block in section.blocks:
            first = lines[block.lines[0] - 1]
            if block.text and block.kind in ("item", "paragraph") and "[[" not in first:  # links read as names
                head = block.text.split("\n")[0].split(" ", 1)[-1][:8]
                assert head in first, (block.lines, head, first)


def test_navigation_sections_are_flagged() -> None:
    parsed = _parsed(EXAMPLE_VAULT, BOOK)
    nav = {s.title for s in parsed.sections if s.navigation}
    assert {"🌳 관련 Root Concepts", "컨설팅 프로젝트", "📚 Related Books"} <= nav
    assert "핵심 인사이트" not in nav


def test_quote_headings_inside_the_list_stay_in_the_section() -> None:
    parsed = _parsed(EXAMPLE_VAULT, BOOK)
    insights = next(s for s in parsed.sections if s.title == "핵심 인사이트")
    quotes = [b for b in insights.blocks if b.kind == "heading"]
    assert [q.lines[0] for q in quotes] == [103, 269, 277]


def test_bullet_holding_a_number_is_one_numbered_item() -> None:
    parsed = _parsed(EXAMPLE_VAULT, BOOK)
    block = next(b for s in parsed.sections for b in s.blocks if "넘처난다" in b.text)
    assert block.text.startswith("1. 인터넷") and block.depth == 0 and block.ordered
    child = next(b for s in parsed.sections for b in s.blocks if b.text.startswith("요요 챔피언"))
    assert child.depth == 1


def test_every_wikilink_form() -> None:
    parsed = _parsed(FIXTURES / "notes", "obsidian_syntax.md")
    by_target = {(link.target, link.anchor): link for link in parsed.links}
    assert by_target[("folder/target", "")].display == "별칭"
    assert by_target[("target", "제목")].line == 9
    assert by_target[("target", "^block1")].anchor == "^block1"
    rel = by_target[("../../00-roots/root-08-프로세스-공유", "")]
    assert rel.line == 10 and rel.display == "프로세스 공유"  # a reader never sees a root-NN- slug
    image = by_target[("image.png", "")]
    assert image.embed and image.alias == "200"


@pytest.mark.parametrize(
    ("stem", "shown"),
    [
        ("root-07-아카이브-사고", "아카이브 사고"),
        ("인간적인-브랜드가-살아남는다---마크-W셰퍼-20220206", "인간적인 브랜드가 살아남는다 — 마크 W셰퍼"),
        ("Show Your Work", "Show Your Work"),
        ("osmu", "osmu"),
    ],
)
def test_a_link_without_alias_reads_as_a_name(stem: str, shown: str) -> None:
    assert display_text(f"folder/{stem}", "", None) == shown
    assert display_text(f"folder/{stem}", "", "별칭") == "별칭"


def test_korean_emphasis_comments_highlights_callouts_tasks() -> None:
    parsed = _parsed(FIXTURES / "notes", "obsidian_syntax.md")
    blocks = [b for s in parsed.sections for b in s.blocks]
    emphasis = next(b for b in blocks if "과정(Process)" in b.text)
    assert "**" not in emphasis.text and "==" not in emphasis.text
    assert "비밀" not in " ".join(b.text + b.source for b in blocks)
    callout = next(b for b in blocks if b.kind == "callout")
    assert dict(callout.meta) == {"type": "note", "title": "접힌 콜아웃"} and callout.text == "콜아웃 본문"
    tasks = [b for b in blocks if b.kind == "task"]
    assert [dict(t.meta)["task"] for t in tasks] == ["open", "done"]


def test_link_lists_make_a_navigation_section_even_without_a_known_title() -> None:
    parsed = _parsed(FIXTURES / "notes", "obsidian_syntax.md")
    assert next(s for s in parsed.sections if s.title == "Related Notes").navigation
