"""Process-log reader: dated entries, Korean/English markers, callouts, unmarked text, daily notes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.markdown.parse import parse_note
from tasks.model import NoteError, ParsedNote
from tasks.process.daily import daily_entry, gather_daily, process_projects
from tasks.process.log import log_warnings, parse_date, read_log, split_marker
from tasks.vault.read import iter_note_paths, read_note
from tests.conftest import EXAMPLE_VAULT, FIXTURES

PROCESS = FIXTURES / "process"
EXAMPLE_LOG = "10-projects/13-imi-work/13.01-osmu-system/osmu-제작기.md"


def parsed(vault: Path, rel: str) -> ParsedNote:
    return parse_note(read_note(vault, Path(rel)))


def all_parsed(vault: Path) -> list[ParsedNote]:
    return [parse_note(read_note(vault, p)) for p in iter_note_paths(vault)]


def test_example_log_entries_markers_and_callouts() -> None:
    log = read_log(parsed(EXAMPLE_VAULT, EXAMPLE_LOG))
    assert log.title == "OSMU 시스템 제작기" and log.project == "13.01-osmu-system"
    assert [e.date for e in log.entries] == [
        "2025-11-03", "2025-11-07", "2025-11-12", "2025-11-18", "2025-11-24", "2025-11-28", "2025-12-05",
    ]  # fmt: skip
    first = log.entries[0]
    assert first.title == "자막 추출 자동화" and first.line == 14
    assert [p.kind for p in first.parts] == ["did", "why", "failure", "learned", "next"]
    assert first.parts[2].text.startswith('자동 생성 자막이라 "의미가치"') and first.parts[2].lines == (18, 18)
    failure = log.entries[2].parts[0]
    assert (failure.kind, failure.title, failure.lines) == ("failure", "카드뉴스 자동화는 접기로", (32, 36))
    assert failure.text.endswith("그래도 뭐가 안 되는지는 확실히 알았다")
    pivot = log.entries[3].parts[0]
    assert (pivot.kind, pivot.title) == ("pivot", "콘텐츠 공장 → 내 생각의 아카이브")
    unmarked = log.entries[5]
    assert unmarked.title == "" and [(p.kind, p.marked) for p in unmarked.parts] == [("did", False)]
    assert "유튜브 강의 한 편으로" in log.intro
    assert log.diagnostics == ()


def test_log_with_only_unmarked_entries() -> None:
    log = read_log(parsed(PROCESS, "unmarked-log.md"))
    assert [e.date for e in log.entries] == ["2025-09-01", "2025-09-08", "2025-09-15"]
    assert all(p.kind == "did" and not p.marked for e in log.entries for p in e.parts)
    first = log.entries[0].parts
    assert first[0].text.startswith("카페 입구에 손글씨로")
    assert first[1].text == "책은 각자 가져오기로\n장르 제한 없음"  # a nested bullet continues its parent
    assert first[1].lines == (13, 14)
    assert log.entries[2].parts[0].text.startswith("다음엔 책 한 권을")  # a quote is text too
    assert log.diagnostics == ()


def test_english_markers_callout_and_warnings_with_file_and_line() -> None:
    log = read_log(parsed(PROCESS, "english-log.md"))
    day_one = log.entries[0]
    assert [p.kind for p in day_one.parts] == ["did", "why", "failure", "learned", "next"]
    assert day_one.parts[2].text == "forgot the jar next to the oven, it overheated"  # `**Failed**:` marker
    pivot = log.entries[2].parts[0]  # sorted by date: 2025-10-03 (written later) comes first
    assert pivot.kind == "pivot" and pivot.title == "Feed twice a day instead of once"
    assert [p.kind for p in log.entries[2].parts] == ["pivot", "learned"]
    assert [e.date for e in log.entries] == ["2025-10-01", "2025-10-03", "2025-10-05", "2025-10-05"]
    found = {(d.code, d.line) for d in log.diagnostics}
    assert found == {
        ("process-order", 26),  # 2025-10-03 written after 2025-10-05
        ("process-duplicate", 30),  # 2025-10-05 again
        ("process-undated", 34),  # `## Ideas` has no date
        ("process-bad-date", 38),  # 2025-02-30
    }
    assert all(d.file == "english-log.md" for d in log.diagnostics)
    duplicate = next(d for d in log.diagnostics if d.code == "process-duplicate")
    assert "2025-10-05" in duplicate.message and "line 18" in duplicate.message
    # the parse stage carries the same warnings, so every flow reports them
    assert {(d.code, d.line) for d in log_warnings(parsed(PROCESS, "english-log.md"))} == found


def test_log_without_dated_entries_is_a_clear_error() -> None:
    note = parsed(PROCESS, "no-dates.md")
    assert note.note.kind == "process-log"
    with pytest.raises(NoteError) as err:
        read_log(note)
    assert err.value.file == "no-dates.md" and err.value.line == 5
    assert "no dated entries" in str(err.value) and "## YYYY-MM-DD" in str(err.value)


def test_daily_notes_gathered_per_project() -> None:
    notes = all_parsed(PROCESS)
    assert process_projects(parsed(PROCESS, "daily/2025-10-06.md").note) == ("sourdough",)  # front matter tag
    assert process_projects(parsed(PROCESS, "daily/2025-10-02.md").note) == ()
    log = gather_daily(notes, "sourdough")
    assert log.path == "#process/sourdough"
    assert [(e.date, e.source) for e in log.entries] == [
        ("2025-10-01", "daily/2025-10-01.md"),
        ("2025-10-06", "archive/2025-10-06.md"),
        ("2025-10-06", "daily/2025-10-06.md"),
    ]
    first = log.entries[0]
    assert first.title == "Sourdough day one"  # the line carrying the tag, tag removed
    assert [p.kind for p in first.parts] == ["did", "why", "failure"]
    assert [p.kind for p in log.entries[2].parts] == ["did", "pivot", "learned", "next"]
    assert [(d.code, d.file, d.line) for d in log.diagnostics] == [("process-duplicate", "daily/2025-10-06.md", 5)]
    with pytest.raises(NoteError, match="no daily notes"):
        gather_daily(notes, "unknown-project")


def test_example_daily_notes_of_cafe_pairing() -> None:
    log = gather_daily(all_parsed(EXAMPLE_VAULT), "cafe-pairing")
    assert [e.date for e in log.entries] == ["2025-11-10", "2025-11-17", "2025-11-24"]  # 11-12 is untagged
    assert log.entries[1].title == "Dessert pairing round 2"
    assert log.entries[0].title == "겨울 시즌 디저트 페어링 첫 테스트"
    kinds = [p.kind for p in log.entries[2].parts]
    assert kinds == ["did", "failure", "pivot", "learned", "next"]


def test_daily_entry_needs_a_dated_file_name() -> None:
    assert daily_entry(parsed(PROCESS, "english-log.md")) is None


@pytest.mark.parametrize(
    ("text", "kind", "rest"),
    [
        ("한 일: 스크립트 만듦", "did", "스크립트 만듦"),
        ("배운점: 붙여 써도", "learned", "붙여 써도"),
        ("**Did**: bold marker", "did", "bold marker"),
        ("Learned：full-width colon", "learned", "full-width colon"),
        ("NEXT: upper case", "next", "upper case"),
        ("실패 : 띄어 쓴 콜론", "failure", "띄어 쓴 콜론"),
        ("결과: 마커가 아님", None, "결과: 마커가 아님"),
        ("그냥 문장", None, "그냥 문장"),
    ],
)
def test_split_marker(text: str, kind: str | None, rest: str) -> None:
    assert split_marker(text) == (kind, rest)


def test_parse_date() -> None:
    assert parse_date("2025-11-10 (월)") == ("2025-11-10", "")
    assert parse_date("2025.11.3 월간 회고") == ("2025-11-03", "월간 회고")
    assert parse_date("2025-11-03 - 자막 추출") == ("2025-11-03", "자막 추출")
    assert parse_date("Notes") is None
    with pytest.raises(ValueError):
        parse_date("2025-13-01 impossible")
