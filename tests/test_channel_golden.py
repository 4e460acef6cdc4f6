"""Golden outputs of every channel for our own fixture notes (English, emoji-heavy, very long).

Regenerate with `OSMU_REGEN_GOLDEN=1 pytest tests/test_channel_golden.py`, then review
`git diff tests/golden/fixtures`. PNG and PPTX are checked by their properties elsewhere.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import compare_golden, render

HERE = Path(__file__).resolve().parent
CHANNEL_FIXTURES = HERE / "fixtures" / "channels"
GOLDEN = HERE / "golden" / "fixtures"
NOTES = ["english-essay.md", "emoji-heavy.md", "long-everything.md"]


@pytest.mark.parametrize("note", NOTES)
def test_fixture_golden_outputs(note: str) -> None:
    result = render(CHANNEL_FIXTURES, note)
    compare_golden(result, GOLDEN)
