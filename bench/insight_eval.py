"""Scoring insights against hand labels (tests/fixtures/labels/*.yaml).

Figures per note: **coverage** (share of the note's sentences found in exactly one
insight), **boundary** precision/recall/F1 (insight start and end lines against the
labelled ones), **type accuracy** (over labelled insights whose span osmu reproduces
exactly) and **root** precision/recall (per labelled insight, the roots of the osmu
insight holding its first line against the labelled roots). Pure: the caller reads files.

Every label file declares its half (`split: tuning` or `split: held-aside`): the bars of the
root tagger and the cutter are tuned on the tuning half only; the held-aside half checks them.
A root note never carries its own root (issue #16), so in a root note's labels that root
is not expected (labels written before the rule list it on every insight); osmu giving it
still counts against precision.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from tasks.insight.cut import FILE_ONLY, SKIPPED_KINDS
from tasks.model import Insight, ParsedNote
from tasks.nlp import korean

SPLITS = ("tuning", "held-aside")
"""The halves of the labelled notes, by whole note (`split:` in each label file)."""


@dataclass(frozen=True, slots=True)
class Label:
    """One hand-labelled insight."""

    lines: tuple[int, int]
    """1-based inclusive span."""
    type: str
    """Expected type."""
    roots: tuple[str, ...]
    """Expected root slugs."""


@dataclass(frozen=True, slots=True)
class Score:
    """Evaluation figures for one note (or the sum of several)."""

    name: str
    """Label file stem, or `overall`."""
    sentences: int
    """Substantive sentences in the note."""
    covered: int
    """… found in exactly one insight."""
    missing: int
    """… found in none."""
    duplicated: int
    """… found in more than one."""
    boundary_tp: int
    """Predicted boundaries (start or end lines) that are labelled."""
    boundary_pred: int
    """Predicted boundaries."""
    boundary_gold: int
    """Labelled boundaries."""
    type_ok: int
    """Exactly reproduced insights with the labelled type."""
    type_total: int
    """Exactly reproduced insights."""
    root_tp: int
    """Root tags osmu and the label agree on."""
    root_pred: int
    """Root tags osmu gives (on labelled insights)."""
    root_gold: int
    """Labelled root tags."""

    @property
    def coverage(self) -> float:
        """Share of sentences in exactly one insight."""
        return self.covered / self.sentences if self.sentences else 1.0

    @property
    def boundary(self) -> tuple[float, float, float]:
        """Boundary precision, recall and F1."""
        return _prf(self.boundary_tp, self.boundary_pred, self.boundary_gold)

    @property
    def type_accuracy(self) -> float:
        """Share of exactly reproduced insights typed as labelled."""
        return self.type_ok / self.type_total if self.type_total else 1.0

    @property
    def roots(self) -> tuple[float, float, float]:
        """Root precision, recall and F1."""
        return _prf(self.root_tp, self.root_pred, self.root_gold)

    def row(self) -> dict[str, Any]:
        """Rounded figures for printing."""
        bp, br, bf = self.boundary
        rp, rr, _rf = self.roots
        return {
            "note": self.name,
            "coverage": round(self.coverage, 3),
            "missing": self.missing,
            "duplicated": self.duplicated,
            "boundary_p": round(bp, 3),
            "boundary_r": round(br, 3),
            "boundary_f1": round(bf, 3),
            "type_acc": round(self.type_accuracy, 3),
            "root_p": round(rp, 3),
            "root_r": round(rr, 3),
        }


def _prf(tp: int, pred: int, gold: int) -> tuple[float, float, float]:
    p = tp / pred if pred else 1.0
    r = tp / gold if gold else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def labels_from(data: dict[str, Any]) -> tuple[Label, ...]:
    """Labels from a parsed label file."""
    return tuple(
        Label((int(i["lines"][0]), int(i["lines"][1])), str(i["type"]), tuple(i.get("roots") or ()))
        for i in data["insights"]
    )


def _sentences(parsed: ParsedNote) -> list[tuple[int, int, str]]:
    """(first line, last line, sentence) for every sentence of the non-navigation blocks."""
    out: list[tuple[int, int, str]] = []
    for section in parsed.sections:
        if section.navigation:
            continue
        for block in section.blocks:
            if block.kind in SKIPPED_KINDS or not block.text.strip() or FILE_ONLY.match(block.text):
                continue  # an embedded file's name is not a sentence of the author
            out.extend((block.lines[0], block.lines[1], s) for s in korean.sentences(block.text))
    return out


def _holds(insight: Insight, start: int, end: int, sentence: str) -> bool:
    squash = "".join(sentence.split())
    return insight.lines[0] <= start and end <= insight.lines[1] and squash in "".join(insight.text.split())


def _bounds(spans: Iterable[tuple[int, int]]) -> set[tuple[str, int]]:
    return {b for a, z in spans for b in (("start", a), ("end", z))}


def score(
    name: str, parsed: ParsedNote, insights: Sequence[Insight], labels: Sequence[Label], own_root: str = ""
) -> Score:
    """Figures for one note; `own_root` is the slug of the root whose note this is (not expected)."""
    counts = [sum(_holds(i, a, z, s) for i in insights) for a, z, s in _sentences(parsed)]
    gold = _bounds(label.lines for label in labels)
    pred = _bounds(i.lines for i in insights)
    by_span = {i.lines: i for i in insights}
    exact = [(label, by_span[label.lines]) for label in labels if label.lines in by_span]
    root_tp = root_pred = root_gold = 0
    for label in labels:
        match = next((i for i in insights if i.lines[0] <= label.lines[0] <= i.lines[1]), None)
        got = set(match.root_slugs) if match else set()
        want = set(label.roots) - {own_root}
        root_tp += len(got & want)
        root_pred += len(got)
        root_gold += len(want)
    return Score(
        name,
        len(counts),
        sum(c == 1 for c in counts),
        sum(c == 0 for c in counts),
        sum(c > 1 for c in counts),
        len(gold & pred),
        len(pred),
        len(gold),
        sum(label.type == i.type for label, i in exact),
        len(exact),
        root_tp,
        root_pred,
        root_gold,
    )


def total(scores: Sequence[Score], name: str = "overall") -> Score:
    """Figures summed over notes (micro averages)."""
    names = [f.name for f in fields(Score)][1:]
    return Score(name, *(sum(getattr(s, n) for s in scores) for n in names))


def split_of(path: Path) -> str:
    """The half a label file declares (`split:`); an undeclared or unknown half is an error."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    half = str(data.get("split", ""))
    if half not in SPLITS:
        raise ValueError(f"{path.name}: split must be one of {SPLITS}, not {half!r}")
    return half


def halves(scores: Mapping[str, Score], splits: Mapping[str, str]) -> tuple[Score, ...]:
    """One summed `Score` per half (named after it), in `SPLITS` order; `splits`: note → half."""
    return tuple(total([s for n, s in scores.items() if splits[n] == half], half) for half in SPLITS)


def evaluate_label_file(path: Path, repo: Path) -> tuple[Score, tuple[Insight, ...], tuple[Label, ...]]:
    """Score the labelled note's insights, cut by tasks/pipeline.py (read → parse → privacy → roots → insights)."""
    from tasks.pipeline import cut_insights, open_vault
    from tasks.settings import load_settings

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    vault = (repo / data["vault"]).resolve()
    settings = load_settings(None, {"vault": vault})
    vault_context = open_vault(settings)
    cut = cut_insights(settings, vault_context, (repo / data["note"]).resolve())
    parsed, insights = cut.parsed, cut.insights
    labels = labels_from(data)
    own = next((r.slug for r in vault_context.roots.roots if r.path == parsed.note.path), "")
    return score(path.stem, parsed, insights, labels, own), insights, labels
