"""Integration: the real `repurpose-note` flow and the `osmu` CLI, under a Prefect harness."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.repurpose import repurpose_note
from tests.conftest import BOOK, FIXTURES, ROOT_NOTE

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_flow_renders_book_and_root_and_reruns_byte_identical(vault: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    state = repurpose_note(note=BOOK, vault=str(vault), out=str(out), return_state=True)
    assert state.is_completed()
    result = state.result()
    assert {"프로세스-공유", "의미가치", "응원-경제"} <= set(result.roots)
    repurpose_note(note=ROOT_NOTE, vault=str(vault), out=str(out))
    for slug in ("프로세스-이코노미", "root-04-프로세스-공유"):
        for channel in ("blog", "newsletter", "instagram", "workshop"):
            assert any((out / slug / channel).iterdir()), (slug, channel)
    before = _snapshot(out)
    repurpose_note(note=BOOK, vault=str(vault), out=str(out))
    repurpose_note(note=ROOT_NOTE, vault=str(vault), out=str(out))
    assert _snapshot(out) == before


def test_cli_bad_front_matter_exits_nonzero_naming_file_and_line(tmp_path: Path) -> None:
    out = tmp_path / "out"
    runner = CliRunner()
    result = runner.invoke(
        app, ["run", "malformed_front_matter.md", "--vault", str(FIXTURES / "notes"), "--out", str(out)]
    )
    assert result.exit_code == 1
    assert "malformed_front_matter.md:2:" in result.output
    assert not out.exists() or not any(out.rglob("*.md"))


def test_cli_run_and_insights_json(vault: Path, tmp_path: Path) -> None:
    import json

    runner = CliRunner()
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", BOOK, "--vault", str(vault), "--out", str(out), "--channels", "blog"])
    assert result.exit_code == 0, result.output
    assert (out / "프로세스-이코노미" / "blog" / "프로세스-이코노미.md").is_file()
    assert not (out / "프로세스-이코노미" / "newsletter").exists()
    shown = runner.invoke(app, ["insights", BOOK, "--vault", str(vault), "--json"])
    data = json.loads(shown.stdout)
    assert data["insights"] and {"id", "type", "text", "lines", "roots"} <= data["insights"][0].keys()
