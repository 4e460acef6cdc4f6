"""Every channel on every note we have (seeds, example vault, odd fixtures): no crash, 0 lint violations."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.vault.privacy import PrivateNote, private_reason
from tasks.vault.read import read_note
from tests.conftest import EXAMPLE_VAULT
from tests.helpers import render

CHANNEL_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "channels"
BAD_CORPUS = CHANNEL_FIXTURES.parent / "bad"
NOTHING_TO_SAY = {"minimal.md", "empty.md", "only_front_matter.md"}
"""Notes without a single insight (empty, only front matter, a title alone)."""
UNREADABLE = {"binary.md", "invalid_utf8.md", "tabs_in_yaml.md", "unclosed_quote.md", "duplicate_keys.md"} | {
    "yaml_alias_bomb.md",  # #18 findings 11 and 17: refused with file, line and key (tests/test_bad_input.py)
    "impossible_date.md",
}
NOTES = (
    [(CHANNEL_FIXTURES, p.name) for p in sorted(CHANNEL_FIXTURES.glob("*.md"))]
    + [  # the bad-input corpus: every note that can be read must give clean outputs
        (BAD_CORPUS, p.name) for p in sorted(BAD_CORPUS.glob("*.md")) if p.name not in UNREADABLE
    ]
    + [  # the example vault except the two seeds (the golden tests cover those)
        (EXAMPLE_VAULT, p.relative_to(EXAMPLE_VAULT).as_posix())
        for p in sorted(EXAMPLE_VAULT.rglob("*.md"))
        if "_osmu" not in p.parts and p.name not in ("프로세스-이코노미.md", "root-04-프로세스-공유.md")
    ]
)


@pytest.mark.parametrize(("vault", "note"), NOTES, ids=[n for _, n in NOTES])
def test_all_channels_render_without_lint_violations(vault: Path, note: str) -> None:
    if private_reason(read_note(vault, Path(note)), ()):  # the production path refuses it (daily notes too)
        with pytest.raises(PrivateNote):
            render(vault, note)
        return
    result = render(vault, note)
    if note in NOTHING_TO_SAY:  # no insights: no posts at all (the pipeline reports it skipped)
        assert result.outputs == () and result.composition.outline is None
        return
    assert result.outputs
    failed = [(o.path, r.rule, r.message) for o in result.outputs for r in o.lint if not r.ok]
    assert failed == []
    checked = {o.path.rsplit(".", 1)[-1] for o in result.outputs if o.lint}
    skipped = set(result.composition.skipped if result.composition else ())
    deck = set() if "workshop" in skipped else {"pptx"}  # too few ideas for a workshop: no deck
    assert {"md", "html"} | deck | (set() if "newsletter" in skipped else {"txt", "eml"}) <= checked
    if vault == EXAMPLE_VAULT:  # her notes say enough for a deck; only odd fixtures are too thin
        assert "workshop" not in skipped, note
    for channel in skipped:  # a shape the note cannot fill: nothing written, one line says why
        assert any(d.code == "too-little" and d.message.startswith(f"{channel}: ") for d in result.diagnostics)
        assert not any(o.channel == channel for o in result.outputs)
