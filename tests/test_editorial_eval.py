"""bench/editorial_eval.py: the fixture notes go through the real pipeline and every failed check is counted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import editorial_eval
from tasks.lint.checks import lint_tree

FIXTURE_NOTES = sorted(
    p.name for folder in (editorial_eval.FIXTURE_NOTES, editorial_eval.LABELLED_NOTES) for p in folder.glob("*.md")
)


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, editorial_eval.Report]:
    work = tmp_path_factory.mktemp("editorial")
    return work, editorial_eval.run_eval(work, fixtures_only=True)


def test_the_fixture_notes_are_copied_into_the_example_vault_with_their_image(
    evaluated: tuple[Path, editorial_eval.Report],
) -> None:
    work, report = evaluated
    folder = work / "vault" / editorial_eval.FIXTURE_FOLDER
    assert (folder / "발효-탱크-기록.png").is_file()
    assert (work / "vault" / "34-learning" / "34.01-books" / "books" / "프로세스-이코노미.md").is_file()
    assert sorted(Path(n).name for n in report.notes) == FIXTURE_NOTES
    assert len(FIXTURE_NOTES) >= 4 and not report.skipped


def test_every_failed_check_of_the_written_outputs_is_counted_once(
    evaluated: tuple[Path, editorial_eval.Report],
) -> None:
    work, report = evaluated
    linted = lint_tree(work / "out")
    failed = [(path, r.rule) for path, results in linted.items() for r in results if not r.ok]
    assert report.outputs == len(linted) > 0
    assert report.checks == sum(len(r) for r in linted.values()) > report.outputs
    assert report.total == len(failed)
    assert sum(sum(c.values()) for c in report.by_note.values()) == report.total
    assert set(report.by_note) <= set(report.notes)
    for channel, rules in report.by_rule.items():
        want = {rule: sum(1 for p, r in failed if r == rule and f"/{channel}/" in p) for rule in rules}
        assert dict(rules) == want, channel
    assert {"blog", "newsletter", "instagram", "workshop"} <= report.channels


def test_the_command_prints_the_table_or_json_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert editorial_eval.main(["--fixtures-only", "--channels", "blog,newsletter"]) == 0
    text = capsys.readouterr().out
    assert "violations per channel and rule" in text and "violations per note" in text
    assert all(name in text for name in FIXTURE_NOTES)
    assert text.rstrip().splitlines()[-1].startswith("total: ")
    assert editorial_eval.main(["--fixtures-only", "--channels", "blog,newsletter", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data["per_channel"]) == {"blog", "newsletter"}
    assert data["total"] == sum(data["per_channel"].values())
    assert data["total"] == sum(n for rules in data["by_channel_rule"].values() for n in rules.values())
    assert len(data["notes"]) == len(FIXTURE_NOTES)


def test_the_fixture_notes_have_no_editorial_violation(evaluated: tuple[Path, editorial_eval.Report]) -> None:
    """The acceptance of the editorial spec: every channel's shape and every "sentences, not
    fragments" rule holds on the book note, the essay with a table and an image, the English
    note and the tech note with code (the example vault's notes: tests/test_channel_fixtures.py)."""
    _, report = evaluated
    assert report.total == 0, dict(report.by_rule)
