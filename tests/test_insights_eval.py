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
    gave 0.867 / 0.743 and is now tuning. A second blind set of 6 notes (now tuning) gave
    0.650 / 0.302 at its first run; two annotators agree at 0.952 / 0.909 on this half
    (bench/label_agreement.py)."""
    held = halves(scores, {n: split_of(LABELS / f"{n}.yaml") for n in scores})[1]
    assert held.name == "held-aside"
    assert held.coverage == 1.0 and held.missing == 0 and held.duplicated == 0, held.row()
    assert held.boundary[2] >= 0.9, held.row()
    precision, recall, _ = held.roots
    assert precision >= 0.61 and recall >= 0.43, held.row()


def test_tuning_and_overall_figures_do_not_drop(scores: dict[str, Score]) -> None:
    """Floors at the figures measured: tuning root P/R 0.851 / 0.660 (103 of 121, 103 of 156),
    boundary F1 0.965, overall 0.803 / 0.610. The tuning half grew by 6 notes written and
    labelled blind on 2026-12-07 (their first run: boundary F1 0.899, root P/R 0.650 / 0.302);
    on the 7 notes it held before, it gave 0.891 / 0.796 (90 of 101, 90 of 113)."""
    tuning = halves(scores, {n: split_of(LABELS / f"{n}.yaml") for n in scores})[0]
    assert tuning.coverage == 1.0 and tuning.boundary[2] >= 0.96, tuning.row()
    assert tuning.roots[0] >= 0.85 and tuning.roots[1] >= 0.66, tuning.row()
    seeds = total([scores[s] for s in SEEDS], "seeds")
    assert seeds.type_accuracy >= 0.89, seeds.row()
    overall = total(list(scores.values()))
    assert overall.coverage == 1.0 and overall.boundary[2] >= 0.96, overall.row()
    assert overall.roots[0] >= 0.80 and overall.roots[1] >= 0.61, overall.row()


def test_labels_name_real_lines(scores: dict[str, Score]) -> None:
    """A label span must start and end on a non-blank line of its note (typos in labels fail)."""
    import yaml

    for path in LABELS.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        lines = (ROOT / data["note"]).read_text(encoding="utf-8").split("\n")
        for item in data["insights"]:
            start, end = item["lines"]
            assert start <= end and lines[start - 1].strip() and lines[end - 1].strip(), (path.name, item)


def test_the_second_annotator_labels_the_same_spans() -> None:
    """bench/label_agreement.py compares two labellings of the roots over one cut: the second
    must use the first one's spans and types, and only root names the vault has."""
    import yaml

    roots = {"응원-경제", "의미가치", "과도함", "프로세스-공유", "인사이드-아웃", "현장감", "아카이브-사고"}
    seconds = sorted((LABELS / "second-annotator").glob("*.yaml"))
    assert len(seconds) == 7
    for path in seconds:
        one = yaml.safe_load((LABELS / path.name).read_text(encoding="utf-8"))
        two = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert one["note"] == two["note"], path.name
        assert [(i["lines"], i["type"]) for i in one["insights"]] == [(i["lines"], i["type"]) for i in two["insights"]]
        assert all(set(i["roots"]) <= roots for i in two["insights"]), path.name
