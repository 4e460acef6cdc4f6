"""How far two people agree on the root labels, next to how far osmu agrees with each.

    python bench/label_agreement.py

`tests/fixtures/labels/second-annotator/` holds a second, independent labelling of the roots of
seven labelled notes (the four held-aside notes and three tuning notes), over the same insight
spans and types as the first. It was written by someone who never saw the first labels, osmu's
output or its tagger. Reading the first labeller as the answer and the second as a guess gives
the agreement between people: the ceiling a tagger can be asked to reach. osmu is scored
against each labelling, and against the roots both gave.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.insight_eval import evaluate_label_file, split_of  # noqa: E402

LABELS = ROOT / "tests" / "fixtures" / "labels"
SECOND = LABELS / "second-annotator"


def _roots(data: dict[str, Any]) -> dict[tuple[int, int], set[str]]:
    return {(int(i["lines"][0]), int(i["lines"][1])): set(i.get("roots") or ()) for i in data["insights"]}


def agreement() -> dict[tuple[str, str], list[int]]:
    """(half, comparison) → [agreed, guessed, answered] root tags, summed over the notes."""
    sums: dict[tuple[str, str], list[int]] = {}

    def add(key: tuple[str, str], tp: int, pred: int, gold: int) -> None:
        row = sums.setdefault(key, [0, 0, 0])
        row[0], row[1], row[2] = row[0] + tp, row[1] + pred, row[2] + gold

    with tempfile.TemporaryDirectory() as tmp:
        for second in sorted(SECOND.glob("*.yaml")):
            first = LABELS / second.name
            half = split_of(first)
            one = yaml.safe_load(first.read_text(encoding="utf-8"))
            two = yaml.safe_load(second.read_text(encoding="utf-8"))
            a, b = _roots(one), _roots(two)
            if a.keys() != b.keys():
                raise ValueError(f"{second.name}: the second labelling must use the first one's spans")
            add(
                (half, "second vs first"),
                sum(len(a[k] & b[k]) for k in a),
                sum(map(len, b.values())),
                sum(map(len, a.values())),
            )
            both = dict(
                two, insights=[dict(i, roots=sorted(a[k] & b[k])) for i, k in zip(two["insights"], b, strict=True)]
            )
            agreed = Path(tmp) / second.name
            agreed.write_text(yaml.safe_dump(both, allow_unicode=True), encoding="utf-8")
            for name, path in (("osmu vs first", first), ("osmu vs second", second), ("osmu vs both", agreed)):
                score = evaluate_label_file(path, ROOT)[0]
                add((half, name), score.root_tp, score.root_pred, score.root_gold)
    return sums


def main() -> int:
    print(f"{'half':12}{'comparison':18}{'precision':>16}{'recall':>16}")
    for (half, name), (tp, pred, gold) in sorted(agreement().items()):
        p = f"{tp / pred:.3f} ({tp}/{pred})" if pred else "-"
        r = f"{tp / gold:.3f} ({tp}/{gold})" if gold else "-"
        print(f"{half:12}{name:18}{p:>16}{r:>16}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
