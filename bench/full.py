"""`bench/run --only full`: the full cold job (every configured channel, PNG and PPTX builders
included) per note, this checkout against an earlier commit in the same run.

Each run is a fresh child (bench/full_job.py) with an empty output folder and an empty osmu
cache (`OSMU_CACHE_DIR`: slide PNGs, the root index and Jinja's bytecode live there otherwise),
over the same notes: `--full-notes` of the small bench vault spread evenly over it, plus every
note of this checkout's example vault. The earlier commit (`--full-before`, default 13d6336:
before the compose stage, when Instagram made up to 20 carousels a note) is checked out in a
temporary git worktree, put first on the child's PYTHONPATH (the same interpreter and
packages), and removed afterwards. Runs alternate before / after, so both see the same load.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
JOB = ROOT / "bench" / "full_job.py"
BEFORE = "13d6336"
"""Before the compose stage (issue #16): up to 20 Instagram carousels a note, each with PNG slides."""
NOTES = 100
"""Notes of the small bench vault in the full job (spread evenly over it)."""


def _h() -> Any:  # late import: harness imports this module
    from bench import harness

    return harness


def full(vault: Path, repeat: int, details: dict[str, Any], work: Path, notes: int, before: str) -> dict[str, Any]:
    """Seconds per note of the cold full job now and at `before`, files and PNG slides per note, their ratio."""
    h = _h()
    sources = [f"{vault}:{notes}", f"{ROOT / 'examples' / 'vault'}:0"]
    rev = subprocess.run(
        ["git", "rev-parse", "--short", before], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    old = work / f"before-{rev}"
    _git("worktree", "remove", "--force", str(old), check=False)
    shutil.rmtree(old, ignore_errors=True)
    _git("worktree", "add", "--detach", str(old), rev)
    runs: dict[str, list[Any]] = {"before": [], "after": []}
    loads: list[list[float]] = []
    try:
        for _ in range(repeat):
            for label, code in (("before", old), ("after", ROOT)):  # alternate: both see the same load
                loads.append([round(x, 2) for x in os.getloadavg()])
                runs[label].append(_cold(h, code, sources, work))
        loads.append([round(x, 2) for x in os.getloadavg()])
    finally:
        _git("worktree", "remove", "--force", str(old), check=False)
        shutil.rmtree(old, ignore_errors=True)
    for label, done in runs.items():
        for run in done:
            expected = old if label == "before" else ROOT
            assert Path(run.out["tasks"]) == expected, f"{label} ran {run.out['tasks']}, not {expected}"
            assert run.out["failed"] == 0, f"{label}: {run.out['failed']} notes failed"
    count = runs["after"][0].out["notes"]
    figures: dict[str, Any] = {"full_notes": count}
    for label, suffix in (("before", "_before"), ("after", "")):
        done = runs[label]
        first = done[0].out
        figures[f"full_s_per_note{suffix}"] = round(statistics.median(r.out["s_per_note"] for r in done), 3)
        figures[f"full_process_s{suffix}"] = round(h.med(done), 2)
        figures[f"full_files_per_note{suffix}"] = round(first["files"] / first["notes"], 1)
        figures[f"full_png_per_note{suffix}"] = round(first["png"] / first["notes"], 1)
        figures[f"full_mb_per_note{suffix}"] = round(first["bytes"] / first["notes"] / 1e6, 2)
        figures[f"full_rss_mb{suffix}"] = round(max(r.rss_mb for r in done), 1)
        details[f"full_runs_{label}"] = [
            {"wall_s": round(r.wall, 2), **{k: v for k, v in r.out.items() if k != "tasks"}} for r in done
        ]
    figures["full_vs_before"] = round(figures["full_s_per_note"] / figures["full_s_per_note_before"], 2)
    details["full_job"] = {
        "before": rev,
        "sources": sources,
        "channels": "every configured channel (config/osmu.yaml), PNG and PPTX builders included",
        "cold": "empty output folder and empty OSMU_CACHE_DIR per run",
        "load_avg_between_runs": loads,
    }
    return figures


def _cold(h: Any, code: Path, sources: list[str], work: Path) -> Any:
    """One cold full job with `code` first on the path: fresh output folder and osmu cache."""
    scratch = Path(tempfile.mkdtemp(prefix="full-", dir=work))
    try:
        env = h.child_env(OSMU_CACHE_DIR=str(scratch / "cache"))
        env = {k: v for k, v in env.items() if not k.startswith("OSMU_LLM_")}  # provider none: no network
        env["PYTHONPATH"] = str(code)
        return h.run_child([h.PYTHON, "-P", str(JOB), str(scratch / "out"), *sources], env, cwd=code)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _git(*args: str, check: bool = True) -> None:
    subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=check)
