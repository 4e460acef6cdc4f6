"""Golden outputs for process stories: the example log and the cafe-pairing daily notes.

Regenerate with `OSMU_REGEN_GOLDEN=1 pytest tests/test_story_golden.py`, then review
`git diff tests/golden`.
"""

from __future__ import annotations

import pytest

from tests.conftest import EXAMPLE_VAULT
from tests.helpers import compare_golden, render
from tests.story_helpers import EXAMPLE_LOG, render_daily


@pytest.mark.parametrize("which", ["example-log", "daily-notes"])
def test_story_golden(which: str) -> None:
    result = (
        render(EXAMPLE_VAULT, EXAMPLE_LOG) if which == "example-log" else render_daily(EXAMPLE_VAULT, "cafe-pairing")[0]
    )
    compare_golden(result)
