"""Insight quality against the hand labels: coverage, boundaries, types, roots.

    python bench/eval_insights.py [--json] [LABEL.yaml …]

Prints one row per labelled note, one per half (`tuning`: the notes the bars were tuned on;
`held-aside`: the check), the seeds (the two real seed notes) and an overall row.
tests/test_insights_eval.py pins these figures as floors.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.insight_eval import Score, evaluate_label_file, halves, split_of, total  # noqa: E402

LABELS = ROOT / "tests" / "fixtures" / "labels"
SEEDS = ("process-economy", "root-process-sharing")
COLUMNS = (
    "coverage",
    "missing",
    "duplicated",
    "boundary_p",
    "boundary_r",
    "boundary_f1",
    "type_acc",
    "root_p",
    "root_r",
)


def main(argv: list[str]) -> int:
    as_json = "--json" in argv
    files = [Path(a) for a in argv if not a.startswith("--")] or sorted(LABELS.glob("*.yaml"))
    started = time.perf_counter()
    scores: list[Score] = [evaluate_label_file(f, ROOT)[0] for f in files]
    splits = {f.stem: split_of(f) for f in files}
    seeds = [s for s in scores if s.name in SEEDS]
    rows = [{**s.row(), "split": splits[s.name]} for s in scores]
    rows.extend(h.row() for h in halves({s.name: s for s in scores}, splits) if h.sentences)
    if seeds:
        rows.append(total(seeds, "seeds").row())
    rows.append(total(scores).row())
    elapsed = time.perf_counter() - started
    if as_json:
        print(json.dumps({"rows": rows, "seconds": round(elapsed, 2)}, ensure_ascii=False, indent=2))
        return 0
    print(f"{'note':24}" + "".join(f"{c:>12}" for c in COLUMNS))
    for row in rows:
        print(f"{row['note']:24}" + "".join(f"{row[c]:>12}" for c in COLUMNS))
    print(f"({len(files)} notes, {elapsed:.2f} s including the analyser's first load)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
