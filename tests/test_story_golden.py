"""Golden outputs for process stories: the example log and the cafe-pairing daily notes.

Regenerate with `OSMU_REGEN_GOLDEN=1 pytest tests/test_story_golden.py`, then review
`git diff tests/golden`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tasks.model import RenderResult
from tests.conftest import EXAMPLE_VAULT
from tests.helpers import render
from tests.story_helpers import EXAMPLE_LOG, render_daily

GOLDEN = Path(__file__).resolve().parent / "golden"
REGEN = os.environ.get("OSMU_REGEN_GOLDEN") == "1"


def _compare(result: RenderResult) -> None:
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
    assert sorted(expected) == sorted(produced), "story output files changed: regenerate and review"
    for rel, content in produced.items():
        assert content == expected[rel], f"{rel} differs from tests/golden: regenerate and review the diff"


@pytest.mark.parametrize("which", ["example-log", "daily-notes"])
def test_story_golden(which: str) -> None:
    result = (
        render(EXAMPLE_VAULT, EXAMPLE_LOG) if which == "example-log" else render_daily(EXAMPLE_VAULT, "cafe-pairing")[0]
    )
    _compare(result)
