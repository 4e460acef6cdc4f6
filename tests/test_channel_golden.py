"""Golden outputs of every channel for our own fixture notes (English, emoji-heavy, very long).

Regenerate with `OSMU_REGEN_GOLDEN=1 pytest tests/test_channel_golden.py`, then review
`git diff tests/golden/fixtures`. PNG and PPTX are checked by their properties elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import render

HERE = Path(__file__).resolve().parent
CHANNEL_FIXTURES = HERE / "fixtures" / "channels"
GOLDEN = HERE / "golden" / "fixtures"
REGEN = os.environ.get("OSMU_REGEN_GOLDEN") == "1"
NOTES = ["english-essay.md", "emoji-heavy.md", "long-everything.md"]


@pytest.mark.parametrize("note", NOTES)
def test_fixture_golden_outputs(note: str) -> None:
    result = render(CHANNEL_FIXTURES, note)
    folder = GOLDEN / result.slug
    produced = {o.path: o.content for o in result.outputs if not o.path.endswith((".png", ".pptx"))}
    if REGEN:
        for old in folder.rglob("*") if folder.exists() else ():
            if old.is_file():
                old.unlink()
        for rel, content in produced.items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_bytes(content)
    expected = {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert sorted(expected) == sorted(produced), "output files changed: regenerate and review"
    for rel, content in produced.items():
        assert content == expected[rel], f"{rel} differs from tests/golden/fixtures: regenerate and review the diff"
