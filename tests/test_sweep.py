"""The real `vault-sweep` flow (and `osmu sweep`) on a copy of the example vault."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.sweep import vault_sweep
from tasks.vault.privacy import is_daily
from tasks.vault.read import list_vault
from tests.conftest import BOOK, FIXTURES

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]

OVERRIDE = """{% extends "builtin/post.md.j2" %}
{% block lead %}LEAD-OVERRIDE {{ lead }}{% endblock %}
"""


def public_notes(vault: Path) -> set[str]:
    """The vault's notes a sweep renders: all but the daily notes (private by default, #18 finding 9)."""
    return {n for n in list_vault(vault) if not is_daily(n)}


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _sweep(vault: Path, out: Path) -> tuple[set[str], set[str], set[str]]:
    """(rendered, skipped, failed) note paths of one sweep, checking none is counted twice."""
    report = vault_sweep(vault=str(vault), out=str(out))
    rendered = [r.source for r in report.rendered]
    failed = [r.source for r in report.failed]
    assert len(set(rendered)) == len(rendered)
    assert not set(rendered) & set(report.skipped)
    return set(rendered), set(report.skipped), set(failed)


def test_sweep_renders_once_skips_unchanged_and_rerenders_exactly_what_changed(vault: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    notes = public_notes(vault)
    assert len(notes) >= 10

    report = vault_sweep(vault=str(vault), out=str(out))
    assert {r.source for r in report.rendered} == notes and not report.skipped and not report.failed
    daily = set(list_vault(vault)) - notes  # #18 finding 9: daily journals are never published
    assert set(report.private) == daily and len(daily) == 4
    written = "".join(p.read_text(errors="ignore") for p in out.rglob("*") if p.is_file())
    assert "세무사 사무실 서류 보냄" not in written and "오늘은 좀 피곤했음" not in written
    assert len(list(out.glob("*/manifest.json"))) == len(notes)
    state = json.loads((out / ".osmu-state.json").read_text(encoding="utf-8"))
    assert set(state["notes"]) >= notes
    before = _snapshot(out)

    rendered, skipped, failed = _sweep(vault, out)
    assert not rendered and skipped == notes and not failed
    assert _snapshot(out) == before  # nothing written, not even the state file

    changed = vault / "30-knowledge" / "33-insights" / "show-your-work.md"
    changed.write_text(changed.read_text(encoding="utf-8") + "\n- Share the process, not only the result.\n")
    rendered, skipped, _ = _sweep(vault, out)
    # The note, and the one note linking to it (a linked note's content decides whether the link may show).
    assert rendered == {"30-knowledge/33-insights/show-your-work.md", "00-roots/root-07-아카이브-사고.md"}
    assert skipped == notes - rendered

    # A link target that appears re-renders the notes linking to it, and only those.
    (vault / "30-knowledge" / "브랜드-가치제안.md").write_text("# 브랜드 가치제안\n\n- 가치를 먼저 말한다.\n")
    rendered, _, _ = _sweep(vault, out)
    assert rendered == {"30-knowledge/브랜드-가치제안.md", BOOK, "00-roots/root-02-의미가치.md"}
    notes.add("30-knowledge/브랜드-가치제안.md")

    # A template override of one channel re-renders every note, and only that channel's files change.
    before = _snapshot(out)
    override = vault / ".osmu" / "templates" / "blog"
    override.mkdir(parents=True)
    (override / "post.md.j2").write_text(OVERRIDE, encoding="utf-8")
    rendered, skipped, _ = _sweep(vault, out)
    assert rendered == notes and not skipped
    after = _snapshot(out)
    differing = {path.split("/")[1] for path in after if after[path] != before.get(path) and "/" in path}
    assert differing <= {"blog", "manifest.json", "index.html"}  # the note's preview page shows the blog post
    assert "LEAD-OVERRIDE" in (out / "프로세스-이코노미" / "blog" / "프로세스-이코노미.md").read_text(encoding="utf-8")


def test_broken_note_is_reported_and_the_rest_of_the_sweep_finishes(vault: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copy(FIXTURES / "notes" / "malformed_front_matter.md", vault / "30-knowledge" / "broken.md")
    runner = CliRunner()
    result = runner.invoke(app, ["sweep", "--vault", str(vault), "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert "30-knowledge/broken.md:2:" in result.output
    good = public_notes(vault) - {"30-knowledge/broken.md"}
    assert len(list(out.glob("*/manifest.json"))) == len(good)
    assert f"{len(good)} rendered, 0 unchanged (skipped), 4 private (skipped), 1 failed" in result.output

    again = runner.invoke(app, ["sweep", "--vault", str(vault), "--out", str(out)])
    assert again.exit_code == 1
    assert f"0 rendered, {len(good)} unchanged (skipped), 4 private (skipped), 1 failed" in again.output
    assert "30-knowledge/broken.md:2:" in again.output  # still reported, not retried

    (vault / "30-knowledge" / "broken.md").write_text("# fixed\n\n- now it reads.\n", encoding="utf-8")
    fixed = runner.invoke(app, ["sweep", "--vault", str(vault), "--out", str(out)])
    assert fixed.exit_code == 0, fixed.output
    assert f"1 rendered, {len(good)} unchanged (skipped), 4 private (skipped), 0 failed" in fixed.output


def test_private_notes_are_skipped_and_turning_private_rerenders_linkers(vault: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    folder = vault / "30-knowledge"
    (folder / "공개.md").write_text("# 공개\n\n- 과정을 공유한다. [[비공개-후보]]\n", encoding="utf-8")
    (folder / "비공개-후보.md").write_text("# 후보\n\n- 아직은 공개.\n", encoding="utf-8")
    (folder / "비밀.md").write_text("---\npublish: false\n---\n# 비밀\n\n- SECRET-4410\n", encoding="utf-8")
    daily = set(list_vault(vault)) - public_notes(vault)
    report = vault_sweep(vault=str(vault), out=str(out))
    assert set(report.private) - daily == {"30-knowledge/비밀.md"} and not report.failed
    assert not (out / "비밀").exists()
    assert "SECRET-4410" not in "".join(p.read_text(errors="ignore") for p in out.rglob("*") if p.is_file())

    again = vault_sweep(vault=str(vault), out=str(out))
    assert set(again.private) - daily == {"30-knowledge/비밀.md"} and not again.rendered and not again.failed

    (folder / "비공개-후보.md").write_text("---\npublish: false\n---\n# 후보\n\n- 이제 비공개.\n", encoding="utf-8")
    turned = vault_sweep(vault=str(vault), out=str(out))
    assert {r.source for r in turned.rendered} == {"30-knowledge/공개.md"}
    assert set(turned.private) - daily == {"30-knowledge/비밀.md", "30-knowledge/비공개-후보.md"}
    public = (out / "공개" / "blog" / "공개.md").read_text(encoding="utf-8")
    assert "비공개-후보" not in public
