"""Insight quality against the hand labels (tests/fixtures/labels): the figures printed by
bench/eval_insights.py, pinned as floors so quality cannot silently drop."""

from __future__ import annotations

import pytest

from bench.insight_eval import Score, evaluate_label_file, total
from tests.conftest import ROOT

LABELS = ROOT / "tests" / "fixtures" / "labels"
SEEDS = ("process-economy", "root-process-sharing")


@pytest.fixture(scope="module")
def scores() -> dict[str, Score]:
    return {f.stem: evaluate_label_file(f, ROOT)[0] for f in sorted(LABELS.glob("*.yaml"))}


def test_labels_cover_the_seeds_and_written_notes(scores: dict[str, Score]) -> None:
    assert set(SEEDS) <= set(scores) and len(scores) >= 7
    english = [p for p in LABELS.glob("*.yaml") if "examples/vault/30-knowledge" in p.read_text(encoding="utf-8")]
    assert english, "the English vault note is labelled"


def test_seed_figures_meet_the_issue(scores: dict[str, Score]) -> None:
    seeds = total([scores[s] for s in SEEDS], "seeds")
    assert seeds.coverage == 1.0 and seeds.missing == 0 and seeds.duplicated == 0
    for name in SEEDS:
        assert scores[name].boundary[2] >= 0.9, (name, scores[name].row())
    assert seeds.boundary[2] >= 0.99


def test_root_and_type_figures_do_not_drop(scores: dict[str, Score]) -> None:
    """The issue asks for root precision ≥ 0.9 and recall ≥ 0.8 on the seeds; the floors sit
    at the figures measured (seeds 0.918 / 0.821; all 7 notes 0.909 / 0.746, English recall
    being the weak part)."""
    seeds = total([scores[s] for s in SEEDS], "seeds")
    precision, recall, _ = seeds.roots
    assert precision >= 0.9 and recall >= 0.8, seeds.row()
    assert precision >= 0.91 and recall >= 0.82, seeds.row()
    assert seeds.type_accuracy >= 0.89, seeds.row()
    overall = total(list(scores.values()))
    assert overall.coverage == 1.0 and overall.boundary[2] >= 0.99, overall.row()
    assert overall.roots[0] >= 0.9 and overall.roots[1] >= 0.74, overall.row()


def test_labels_name_real_lines(scores: dict[str, Score]) -> None:
    """A label span must start and end on a non-blank line of its note (typos in labels fail)."""
    import yaml

    for path in LABELS.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        lines = (ROOT / data["note"]).read_text(encoding="utf-8").split("\n")
        for item in data["insights"]:
            start, end = item["lines"]
            assert start <= end and lines[start - 1].strip() and lines[end - 1].strip(), (path.name, item)
