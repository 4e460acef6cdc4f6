"""Hand edits are sacred: an edited or `locked: true` output is never overwritten without --force."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from tasks.model import WriteReport
from tasks.write.outputs import is_locked, write_outputs
from tests.conftest import BOOK
from tests.helpers import pipeline, render

BLOG = "blog/프로세스-이코노미.md"


def _write(vault: Path, out: Path, force: bool = False) -> WriteReport:
    parsed, _, _, insights, _ = pipeline(vault, BOOK)
    return write_outputs(render(vault, BOOK), parsed.note.source_hash, insights, (), out, force)


def _change_note(vault: Path, words: str) -> None:
    """A change every output shows: the title."""
    note = vault / BOOK
    text = note.read_text(encoding="utf-8")
    _head, rest = text.split("\ntags:", 1)
    note.write_text(f"---\ntitle: 프로세스 이코노미 — {words}\ntags:{rest}", encoding="utf-8")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _status(report: WriteReport, path: str) -> str:
    return next(f.status for f in report.files if f.path == path)


def _lock(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    path.write_text("---\nlocked: true\n" + text[4:], encoding="utf-8")


def test_is_locked_reads_only_the_front_matter() -> None:
    assert is_locked(b"---\ntitle: x\nlocked: true\n---\nbody\n")
    assert is_locked(b"---\r\nparams:\n  locked: yes\r\n---\r\n")
    assert not is_locked(b"---\ntitle: x\nlocked: false\n---\n")
    assert not is_locked(b"---\ntitle: x\n---\nlocked: true\n")
    assert not is_locked(b"locked: true\n")


def test_edit_survives_many_runs_and_each_new_version_goes_beside(vault: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    folder = Path(_write(vault, out).out_dir)
    blog = folder / BLOG
    edited = blog.read_text(encoding="utf-8").replace("\n\n", "\n\n손으로 다듬은 문단.\n\n", 1)
    blog.write_text(edited, encoding="utf-8")
    for i in range(3):
        _change_note(vault, f"새로 덧붙인 생각 {i}번.")
        report = _write(vault, out)
        assert blog.read_text(encoding="utf-8") == edited
        assert _status(report, BLOG) == "kept-edited"
        side = folder / "blog" / "프로세스-이코노미.osmu-new.md"
        assert f"새로 덧붙인 생각 {i}번" in side.read_text(encoding="utf-8")
        entry = next(o for o in json.loads((folder / "manifest.json").read_text())["outputs"] if o["path"] == BLOG)
        assert entry["edited_by_hand"] is True and entry["new_version"] == "blog/프로세스-이코노미.osmu-new.md"
    # Other outputs of the same note still follow the note.
    assert _status(report, "newsletter/프로세스-이코노미.txt") == "updated"


def test_edit_is_kept_even_when_the_manifest_is_lost_or_corrupt(vault: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    folder = Path(_write(vault, out).out_dir)
    blog = folder / BLOG
    blog.write_text(blog.read_text(encoding="utf-8") + "\n내가 쓴 맺음말\n", encoding="utf-8")
    (folder / "manifest.json").write_text("{ not json", encoding="utf-8")
    _change_note(vault, "매니페스트가 깨진 뒤의 생각.")
    report = _write(vault, out)
    assert "내가 쓴 맺음말" in blog.read_text(encoding="utf-8")
    assert _status(report, BLOG) == "kept-edited"
    json.loads((folder / "manifest.json").read_text(encoding="utf-8"))  # repaired


def test_locked_output_is_frozen_even_when_its_hash_is_recorded(vault: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    folder = Path(_write(vault, out).out_dir)
    blog = folder / BLOG
    _lock(blog)
    # A manifest that already records the locked bytes (say, rebuilt): the hash says
    # "osmu wrote this", the front matter says "frozen"; the lock wins.
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["outputs"]:
        if entry["path"] == BLOG:
            entry["sha256"] = _sha(blog)
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    frozen = blog.read_bytes()
    _change_note(vault, "잠긴 글에는 들어가지 않을 생각.")
    report = _write(vault, out)
    assert blog.read_bytes() == frozen
    assert _status(report, BLOG) == "locked"
    entry = next(o for o in json.loads((folder / "manifest.json").read_text())["outputs"] if o["path"] == BLOG)
    assert entry["locked"] is True and entry["sha256"] == _sha(blog)
    assert "잠긴 글에는" in (folder / "blog" / "프로세스-이코노미.osmu-new.md").read_text(encoding="utf-8")
    forced = _write(vault, out, force=True)
    assert _status(forced, BLOG) == "forced"
    assert (folder / "blog" / "프로세스-이코노미.osmu-backup.md").read_bytes() == frozen
    assert "잠긴 글에는" in blog.read_text(encoding="utf-8")
    assert not is_locked(blog.read_bytes())


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_cli_reports_kept_file_and_force_keeps_backup(vault: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "out"
    args = ["run", BOOK, "--vault", str(vault), "--out", str(out), "--channels", "blog"]
    assert runner.invoke(app, args).exit_code == 0
    blog = out / "프로세스-이코노미" / BLOG
    blog.write_text(blog.read_text(encoding="utf-8") + "\n직접 고친 결론\n", encoding="utf-8")
    _change_note(vault, "CLI로 다시 돌릴 때의 생각.")
    second = runner.invoke(app, args)
    assert second.exit_code == 0, second.output
    assert "edited by hand, kept" in second.output and "osmu-new" in second.output
    assert "직접 고친 결론" in blog.read_text(encoding="utf-8")
    forced = runner.invoke(app, [*args, "--force"])
    assert forced.exit_code == 0, forced.output
    assert "직접 고친 결론" not in blog.read_text(encoding="utf-8")
    assert "직접 고친 결론" in (blog.parent / "프로세스-이코노미.osmu-backup.md").read_text(encoding="utf-8")
