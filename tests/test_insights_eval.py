"""Insight quality against the hand labels (tests/fixtures/labels): the figures printed by
bench/eval_insights.py, pinned as floors so quality cannot silently drop. The labelled notes
are split, by whole note, into a tuning half (the bars were set on it) and a held-aside half
(the check); each half is pinned on its own."""

from __future__ import annotations

import pytest

from bench.insight_eval import SPLITS, Score, evaluate_label_file, halves, split_of, total
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


def test_every_note_is_in_one_half() -> None:
    splits = {f.stem: split_of(f) for f in LABELS.glob("*.yaml")}
    assert set(splits.values()) == set(SPLITS)
    # the seeds were read while tuning; the held-aside half was written and labelled blind
    assert splits["process-economy"] == splits["root-process-sharing"] == "tuning"
    blind = {"brand-voice-book", "popup-project", "lecture-memo", "slow-marketing"}
    assert {n for n, half in splits.items() if half == "held-aside"} == blind
    # each half holds a written Korean note and an English one
    english = {"building-in-public", "show-your-work", "slow-marketing"}
    assert {splits[n] for n in english} == set(SPLITS)


def test_held_aside_figures(scores: dict[str, Score]) -> None:
    """Issue #16 targets on the held-aside half (4 notes written and labelled blind, 41
    insights): coverage 100 % (met), boundary F1 ≥ 0.9 (met: 0.930), root precision ≥ 0.9 and
    recall ≥ 0.8 (not met: 19 of 31 tags right = 0.613, 19 of 44 labelled roots found = 0.432).
    The floors sit at the figures measured; the earlier held-aside half, read while tuning,
    gave 0.867 / 0.743 and is now tuning."""
    held = halves(scores, {n: split_of(LABELS / f"{n}.yaml") for n in scores})[1]
    assert held.name == "held-aside"
    assert held.coverage == 1.0 and held.missing == 0 and held.duplicated == 0, held.row()
    assert held.boundary[2] >= 0.9, held.row()
    precision, recall, _ = held.roots
    assert precision >= 0.61 and recall >= 0.43, held.row()


def test_tuning_and_overall_figures_do_not_drop(scores: dict[str, Score]) -> None:
    """Floors at the figures measured: tuning root P/R 0.891 / 0.796 (90 of 101, 90 of 113),
    overall 0.826 / 0.694 (109 of 132, 109 of 157). Before the main root was inherited across
    scripts (an English insight under Korean root notes) and lent one word of its link line,
    the same tuning notes gave 0.884 / 0.743 (84 of 95, 84 of 113)."""
    tuning = halves(scores, {n: split_of(LABELS / f"{n}.yaml") for n in scores})[0]
    assert tuning.coverage == 1.0 and tuning.boundary[2] >= 0.99, tuning.row()
    assert tuning.roots[0] >= 0.89 and tuning.roots[1] >= 0.79, tuning.row()
    seeds = total([scores[s] for s in SEEDS], "seeds")
    assert seeds.type_accuracy >= 0.89, seeds.row()
    overall = total(list(scores.values()))
    assert overall.coverage == 1.0 and overall.boundary[2] >= 0.97, overall.row()
    assert overall.roots[0] >= 0.82 and overall.roots[1] >= 0.69, overall.row()


def test_labels_name_real_lines(scores: dict[str, Score]) -> None:
    """A label span must start and end on a non-blank line of its note (typos in labels fail)."""
    import yaml

    for path in LABELS.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        lines = (ROOT / data["note"]).read_text(encoding="utf-8").split("\n")
        for item in data["insights"]:
            start, end = item["lines"]
            assert start <= end and lines[start - 1].strip() and lines[end - 1].strip(), (path.name, item)
