"""Stage write: atomic files, manifest, no-change re-runs, hand edits kept."""

from __future__ import annotations

import json
from pathlib import Path

from tasks.write.outputs import write_outputs
from tests.conftest import BOOK
from tests.helpers import pipeline, render


def _write(vault: Path, out: Path, force: bool = False):  # type: ignore[no-untyped-def]
    parsed, _, _, insights, _ = pipeline(vault, BOOK)
    result = render(vault, BOOK)
    return write_outputs(result, parsed.note.source_hash, insights, (), out, force)


def test_manifest_contract(vault: Path, tmp_path: Path) -> None:
    report = _write(vault, tmp_path / "out")
    manifest = json.loads(Path(report.manifest_path).read_text(encoding="utf-8"))
    assert manifest["source"] == BOOK and manifest["source_hash"].startswith("sha256:")
    ids = {i["id"] for i in manifest["insights"]}
    for insight in manifest["insights"]:
        assert len(insight["lines"]) == 2 and all({"slug", "reason", "score"} <= r.keys() for r in insight["roots"])
    assert sum(bool(i["roots"]) for i in manifest["insights"]) * 2 > len(manifest["insights"])
    for output in manifest["outputs"]:
        assert set(output["insights"]) <= ids
        file = Path(report.out_dir) / output["path"]
        assert file.is_file()
        import hashlib

        assert hashlib.sha256(file.read_bytes()).hexdigest() == output["sha256"]


def test_rerun_changes_no_byte_and_no_mtime(vault: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = _write(vault, out)
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    second = _write(vault, out)
    assert {f.status for f in second.files} == {"unchanged"}
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == stamps
    assert len(first.files) == len(second.files)


def test_hand_edit_is_kept_and_new_version_goes_beside(vault: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    report = _write(vault, out)
    blog = Path(report.out_dir) / "blog" / "프로세스-이코노미.md"
    blog.write_text(blog.read_text(encoding="utf-8") + "\n손으로 고친 문장\n", encoding="utf-8")
    note = vault / BOOK
    note.write_text(note.read_text(encoding="utf-8") + "\n- 새 인사이트 한 줄.\n", encoding="utf-8")
    second = _write(vault, out)
    assert "손으로 고친 문장" in blog.read_text(encoding="utf-8")
    kept = [f for f in second.files if f.status == "kept-edited"]
    assert [f.path for f in kept] == ["blog/프로세스-이코노미.md"]
    assert (blog.parent / "프로세스-이코노미.osmu-new.md").is_file()
    third = _write(vault, out, force=True)
    assert any(f.status == "forced" for f in third.files)
    assert (blog.parent / "프로세스-이코노미.osmu-backup.md").read_text(encoding="utf-8").endswith("손으로 고친 문장\n")


def test_no_temp_files_left(vault: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _write(vault, out)
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
