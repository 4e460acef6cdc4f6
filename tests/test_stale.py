"""Outputs a note no longer produces are removed on its next run, unless edited by hand."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.repurpose import repurpose_note
from tasks.write.outputs import write_outputs
from tests.helpers import pipeline, render

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]

NOTE = "30-knowledge/33-insights/show-your-work.md"
FOLDER = "show-your-work"


def _outputs(folder: Path) -> set[str]:
    return {o["path"] for o in json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["outputs"]}


def _atoms(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in (folder / "atoms").glob("*.md"))


def test_fewer_insights_remove_their_atoms_but_keep_a_hand_edited_one(vault: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    folder = out / FOLDER
    repurpose_note(note=NOTE, vault=str(vault), out=str(out))
    before = _atoms(folder)
    assert len(before) >= 6
    edited = folder / before[-1]
    edited.write_text(edited.read_text(encoding="utf-8") + "\nmy own addition\n", encoding="utf-8")

    note = vault / NOTE  # keep the front matter, the title and the first two ideas only
    lines = note.read_text(encoding="utf-8").split("\n")
    first_ideas = [i for i, line in enumerate(lines) if line.startswith("- ")][:2]
    note.write_text("\n".join(lines[: first_ideas[-1] + 1]) + "\n", encoding="utf-8")
    shown = CliRunner().invoke(app, ["run", NOTE, "--vault", str(vault), "--out", str(out)])
    assert shown.exit_code == 0, shown.output

    after = _atoms(folder)
    assert 0 < len(after) < len(before)
    listed = _outputs(folder)
    assert {p for p in listed if p.startswith("atoms/")} == set(after) - {before[-1]}
    assert all((folder / p).is_file() for p in listed)  # nothing listed is missing
    gone = set(before) - set(after)
    assert gone and not any((folder / p).exists() for p in gone)
    assert edited.is_file() and "my own addition" in edited.read_text(encoding="utf-8")  # never deleted
    assert "no longer produced but edited by hand, kept:" in shown.output
    assert str(edited) in shown.output.replace("\n", "")
    assert "removed" in shown.output


def test_a_channel_that_stops_producing_leaves_nothing_and_an_unrendered_channel_is_kept(
    vault: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    folder = out / FOLDER
    parsed, _, _, insights, _ = pipeline(vault, NOTE)
    full = render(vault, NOTE, ("blog", "newsletter", "atoms"))
    write_outputs(full, parsed.note.source_hash, insights, (), out)
    newsletter = {o.path for o in full.outputs if o.channel == "newsletter"}

    # `--channels blog`: the other channels' outputs are still the note's, kept and still recorded.
    report = write_outputs(render(vault, NOTE, ("blog",)), parsed.note.source_hash, insights, (), out)
    assert not any(f.status == "removed" for f in report.files)
    assert _outputs(folder) == {o.path for o in full.outputs}

    # A channel rendered again but producing nothing (its `when:` no longer matches): all its files go.
    no_atoms = replace(full, outputs=tuple(o for o in full.outputs if o.channel != "atoms"))
    report = write_outputs(no_atoms, parsed.note.source_hash, insights, (), out)
    removed = {f.path for f in report.files if f.status == "removed"}
    assert removed == {o.path for o in full.outputs if o.channel == "atoms"}
    assert not (folder / "atoms").exists()  # the emptied folder goes too
    assert newsletter <= _outputs(folder) and all((folder / p).is_file() for p in newsletter)
