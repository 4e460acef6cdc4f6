"""Integration: the `process-story` and `process-digest` flows and CLI commands, under a Prefect harness."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.digest import WEEKLY_CRON, process_digest, process_story, weekly_deployment
from flows.repurpose import repurpose_note
from tests.conftest import FIXTURES
from tests.story_helpers import EXAMPLE_LOG

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]

NEW_ENTRY = """
## 2025-12-12 실습 자료 배포

- 한 일: 스터디원용 볼트 템플릿 배포
- 실패: 윈도우에서 한글 파일명이 깨짐
- 다음: 파일명 규칙 정리해서 공유
"""


def _snapshot(folder: Path) -> dict[str, str]:
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def _manifest(folder: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def test_story_flow_tells_new_entries_since_the_last_story(vault: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    state = process_story(log=EXAMPLE_LOG, vault=str(vault), out=str(out), return_state=True)
    assert state.is_completed()
    folder = out / "osmu-제작기"
    assert (folder / "instagram" / "story" / "carousel.md").is_file()
    first = _manifest(folder)
    assert {i["date"] for i in first["insights"]} >= {"2025-11-03", "2025-12-05"}
    before = _snapshot(out)
    process_story(log=EXAMPLE_LOG, vault=str(vault), out=str(out))  # nothing new: the same story, no byte changed
    assert _snapshot(out) == before
    with (vault / EXAMPLE_LOG).open("a", encoding="utf-8") as handle:
        handle.write(NEW_ENTRY)
    result = process_story(log=EXAMPLE_LOG, vault=str(vault), out=str(out))
    assert result.insights == 3
    assert {i["date"] for i in _manifest(folder)["insights"]} == {"2025-12-12"}
    blog = (folder / "blog" / "osmu-제작기.md").read_text(encoding="utf-8")
    assert "윈도우에서 한글 파일명이 깨짐" in blog and "카드뉴스" not in blog
    again = process_story(log=EXAMPLE_LOG, since="2025-11-12", until="2025-11-18", vault=str(vault), out=str(out))
    assert {i["date"] for i in _manifest(folder)["insights"]} == {"2025-11-12", "2025-11-18"}
    assert again.insights == 7


def test_story_flow_for_daily_notes_and_repurpose_of_a_log(vault: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = process_story(log="#process/cafe-pairing", vault=str(vault), out=str(out))
    assert result.source == "#process/cafe-pairing" and result.insights == 17
    assert (out / "cafe-pairing" / "newsletter" / "cafe-pairing.html").is_file()
    repurposed = repurpose_note(note=EXAMPLE_LOG, vault=str(vault), out=str(out))
    assert repurposed.insights == 28 and not repurposed.lint_failures
    assert (out / "osmu-제작기" / "workshop" / "osmu-제작기-guide.md").is_file()


def test_digest_gathers_every_log_in_the_range(vault: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    state = process_digest(since="2025-11-17", until="2025-11-24", vault=str(vault), out=str(out), return_state=True)
    assert state.is_completed()
    result = state.result()
    folder = Path(result.out_dir)
    assert folder.name == "process-digest-2025-11-17-2025-11-24"
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert [f for f in files if not f.endswith(".png")] == [
        "index.html",  # the digest's preview page
        "instagram/story/caption.txt",
        "instagram/story/carousel.md",
        "manifest.json",
        "newsletter/process-digest-2025-11-17-2025-11-24.eml",
        "newsletter/process-digest-2025-11-17-2025-11-24.html",
        "newsletter/process-digest-2025-11-17-2025-11-24.txt",
    ]
    assert len([f for f in files if f.startswith("instagram/story/slide-")]) >= 2
    sources = {i.get("source") for i in _manifest(folder)["insights"]}
    assert sources == {EXAMPLE_LOG, "50-daily/2025-11-17.md", "50-daily/2025-11-24.md"}
    text = (folder / "newsletter" / "process-digest-2025-11-17-2025-11-24.txt").read_text(encoding="utf-8")
    assert "Self —" in text and "Now —" in text and "2025-11-24" in text
    default = process_digest(vault=str(vault), out=str(out))  # the week of the newest entry
    assert Path(default.out_dir).name == "process-digest-2025-11-29-2025-12-05"


def test_weekly_digest_deployment_is_scheduled() -> None:
    deployment = weekly_deployment(vault="examples/vault")
    assert deployment.name == "weekly-process-digest"
    assert [s.schedule.cron for s in deployment.schedules] == [WEEKLY_CRON]
    assert deployment.parameters == {"vault": "examples/vault"}


def test_cli_story_and_digest(vault: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "out"
    result = runner.invoke(app, ["story", "#process/cafe-pairing", "--vault", str(vault), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "cafe-pairing" / "blog" / "cafe-pairing.md").is_file()
    result = runner.invoke(app, ["digest", "--since", "2025-11-24", "--vault", str(vault), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "process-digest-2025-11-24-2025-12-05" / "manifest.json").is_file()


def test_cli_log_without_dates_fails_naming_file_and_line(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["--vault", str(FIXTURES / "process"), "--out", str(tmp_path / "out")]
    for command in (["story", "no-dates.md"], ["run", "no-dates.md"]):
        result = runner.invoke(app, [*command, *args])
        assert result.exit_code == 1, command
        assert "no-dates.md:5:" in result.output and "no dated entries" in result.output, command
    result = runner.invoke(app, ["story", "#process/nothing", *args])
    assert result.exit_code == 1 and "no daily notes" in result.output
    result = runner.invoke(app, ["story", "english-log.md", "--since", "2030-01-01", *args])
    assert result.exit_code == 1 and "no process entries between 2030-01-01" in result.output
