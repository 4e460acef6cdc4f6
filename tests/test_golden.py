"""Golden outputs for the seed notes: every byte is reviewed as a diff.

Regenerate with `make golden` (OSMU_REGEN_GOLDEN=1), then review `git diff tests/golden`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import BOOK, EXAMPLE_VAULT, ROOT_NOTE
from tests.helpers import render

GOLDEN = Path(__file__).resolve().parent / "golden"
REGEN = os.environ.get("OSMU_REGEN_GOLDEN") == "1"


@pytest.mark.parametrize("note", [BOOK, ROOT_NOTE], ids=["book", "root"])
def test_golden_outputs(note: str) -> None:
    result = render(EXAMPLE_VAULT, note)
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
    assert sorted(expected) == sorted(produced), "output files changed: run `make golden` and review"
    for rel, content in produced.items():
        assert content == expected[rel], f"{rel} differs from tests/golden: run `make golden` and review the diff"
