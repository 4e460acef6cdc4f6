"""Golden outputs for the seed notes: every byte is reviewed as a diff.

Regenerate with `make golden` (OSMU_REGEN_GOLDEN=1), then review `git diff tests/golden`.
"""

from __future__ import annotations

import pytest

from tests.conftest import BOOK, EXAMPLE_VAULT, ROOT_NOTE
from tests.helpers import compare_golden, render


@pytest.mark.parametrize("note", [BOOK, ROOT_NOTE], ids=["book", "root"])
def test_golden_outputs(note: str) -> None:
    result = render(EXAMPLE_VAULT, note)
    compare_golden(result)
