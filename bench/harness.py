"""`bench/run`: generate the vaults, run every workload in fresh processes, print the table.

Each figure is the median of `--repeat` runs, each run a fresh child process timed from
start to exit (`os.wait4`, which also gives the child's peak RSS). Ratios compare figures
measured in the same invocation on the same notes. Results go to bench/results/latest.json.
`--only interactive` measures just what a writer waits for (bench/interactive.py), in minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import anchors, full, interactive
from bench.generate import generate
from bench.pelican_site import make_site
from bench.work import note_files

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
PROFILE_NOTES = 200
"""Notes of the cProfile run that shows where a missed cold target's time goes."""

TARGETS = {
    "cold_1k_vs_pelican": ("≤", 1.0),
    "cold_1k_vs_floor": ("≤", 2.0),
    "sweep_1k_s": ("≤", 0.5),
    "sweep_10k_s": ("≤", 5.0),
    "sweep_10k_rss_mb": ("≤", 500.0),
    "run_note_edited_s": ("≤", 3.0),
    "insights_json_s": ("≤", 1.5),
    "insights_prefect_modules": ("=", 0),
    "watch_save_to_outputs_s": ("≤", 1.5),
    "carousel_s_per_slide": ("≤", 0.2),
    "full_vs_before": ("≤", 1.0),
}
SECTIONS = ("cold", "run", "interactive", "binary", "full", "sweep")
"""What `--skip` and `--only` name, in the order they run."""
REPEAT = {"interactive": 5}
"""Runs per figure when `--repeat` is not given (3 for the other sections)."""


@dataclass
class Run:
    """One child process: wall seconds, peak RSS, its JSON line (if any) and its whole stdout."""

    wall: float
    rss_mb: float
    out: dict[str, Any] = field(default_factory=dict)
    stdout: str = ""


def child_env(**extra: str) -> dict[str, str]:
    """The environment of every child: this checkout first on the path, Prefect quiet and offline."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(
        PYTHONPATH=str(ROOT),
        PREFECT_HOME=str(WORK / "prefect-home"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
    )
    env.update(extra)
    return env


def run_child(argv: list[str], env: dict[str, str] | None = None, cwd: Path = ROOT, parse_json: bool = True) -> Run:
    """Start `argv`, wait for it, return its wall time, its own peak RSS and its last JSON line
    (`parse_json=False`: a command's output, kept whole in `stdout`)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=env or child_env(), stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)  # rusage of this child alone (ru_maxrss in KiB)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}):\n{stderr[-3000:]}")
    found: dict[str, Any] = {}
    for line in reversed(stdout.strip().splitlines() if parse_json else []):
        if line.startswith("{"):
            found = json.loads(line)
            break
    return Run(wall, usage.ru_maxrss / 1024, found, stdout)


def median_runs(repeat: int, make: Callable[[], Run], before: Callable[[], None] | None = None) -> list[Run]:
    """`repeat` runs of `make` (calling `before` first, untimed)."""
    runs = []
    for _ in range(repeat):
        if before:
            before()
        runs.append(make())
    return runs


def med(runs: list[Run], key: str = "wall") -> float:
    """Median of one figure over runs."""
    values = [r.wall if key == "wall" else r.rss_mb if key == "rss" else float(r.out[key]) for r in runs]
    return statistics.median(values)


def fresh(path: Path) -> Callable[[], None]:
    """A `before` hook that deletes `path` (a cold run writes into an empty folder)."""
    return lambda: shutil.rmtree(path, ignore_errors=True)


def prepare(sizes: tuple[int, ...]) -> dict[int, Path]:
    """Generate one vault per size under bench/.work/ (reused when the size file matches)."""
    vaults = {}
    for n in sizes:
        vault = WORK / f"vault-{n}"
        stamp = vault / ".bench-notes"
        if not (stamp.exists() and stamp.read_text() == str(n)):
            generate(vault, n)
            stamp.write_text(str(n))
        vaults[n] = vault
    return vaults


def machine() -> dict[str, Any]:
    """Where the figures were measured."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit.stdout.strip(),
        "python": platform.python_version(),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores",
        "load_avg": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> None:
    """Entry point of `bench/run`."""
    parser = argparse.ArgumentParser(description="osmu benchmark (see README, 'Benchmark').")
    parser.add_argument(
        "--repeat", type=int, default=None, help="runs per figure, median reported (default 3; interactive: 5)"
    )
    parser.add_argument("--small", type=int, default=1000, help="notes in the small vault")
    parser.add_argument("--large", type=int, default=10000, help="notes in the large vault")
    parser.add_argument("--skip", default="", help=f"comma-separated sections to skip: {','.join(SECTIONS)}")
    parser.add_argument(
        "--only", default="", help="comma-separated sections to run, nothing else (e.g. --only interactive)"
    )
    parser.add_argument(
        "--large-outputs",
        choices=("full", "stub"),
        default="full",
        help="outputs the large vault's no-change sweeps start from: a full cold sweep (slow; also times it) "
        "or a real sweep state with stub outputs (a no-change sweep only checks that each manifest exists)",
    )
    parser.add_argument(
        "--full-notes", type=int, default=full.NOTES, help="small-vault notes in the full job (plus the example vault)"
    )
    parser.add_argument(
        "--full-before", default=full.BEFORE, help="commit the full job is compared with (a temporary git worktree)"
    )
    args = parser.parse_args()
    chosen = chosen_sections(args.only, args.skip)
    repeat = {name: args.repeat or REPEAT.get(name, 3) for name in SECTIONS}
    args.repeat = repeat["sweep"]
    WORK.mkdir(parents=True, exist_ok=True)
    vaults = prepare((args.small, args.large) if "sweep" in chosen else (args.small,))
    figures: dict[str, Any] = {"notes_small": args.small, "repeat": {k: v for k, v in repeat.items() if k in chosen}}
    if "sweep" in chosen:
        figures["notes_large"] = args.large
    details: dict[str, Any] = {"sections": list(chosen)}
    small = vaults[args.small]
    sections = {
        "cold": lambda: cold_text(small, repeat["cold"], details),
        "run": lambda: anchors.run_note(small, repeat["run"], details, WORK),
        "interactive": lambda: interactive.interactive(small, repeat["interactive"], details, WORK),
        "binary": lambda: anchors.binaries(small, repeat["binary"], details),
        "full": lambda: full.full(small, repeat["full"], details, WORK, args.full_notes, args.full_before),
        "sweep": lambda: anchors.sweeps(vaults, args, details, WORK),  # last: the 10k outputs take longest
    }
    for name in chosen:
        figures |= sections[name]()
        save(figures, details, partial=True)
    if isinstance(figures.get("cold_1k_sweep_flow_s"), float) and "cold_1k_pelican_s" in figures:
        figures["cold_1k_sweep_flow_vs_pelican"] = round(
            figures["cold_1k_sweep_flow_s"] / figures["cold_1k_pelican_s"], 2
        )
    report(figures, details)


def chosen_sections(only: str, skip: str) -> tuple[str, ...]:
    """The sections to run, in `SECTIONS` order: `only`'s (all when empty) less `skip`'s."""
    named = {
        "only": {s.strip() for s in only.split(",") if s.strip()},
        "skip": {s.strip() for s in skip.split(",") if s.strip()},
    }
    for option, names in named.items():
        unknown = names - set(SECTIONS)
        if unknown:
            known = ", ".join(SECTIONS)
            raise SystemExit(f"--{option}: unknown section(s) {', '.join(sorted(unknown))} (known: {known})")
    return tuple(s for s in SECTIONS if (not named["only"] or s in named["only"]) and s not in named["skip"])


def cold_text(vault: Path, repeat: int, details: dict[str, Any]) -> dict[str, Any]:
    """Cold text-channel run vs Pelican and vs the markdown-it-py parse floor, same notes."""
    out = WORK / "out-cold"
    site = make_site(vault, note_files(vault), WORK / "pelican-site")
    osmu = median_runs(
        repeat, lambda: run_child([PYTHON, "-m", "bench.work", "osmu-text", str(vault), str(out)]), fresh(out)
    )
    pelican = median_runs(repeat, lambda: run_child([PYTHON, "-m", "bench.work", "pelican", str(site)]))
    floor = median_runs(repeat, lambda: run_child([PYTHON, "-m", "bench.work", "parse-floor", str(vault)]))
    stages = {k: statistics.median(r.out["stages"][k] for r in osmu) for k in osmu[0].out["stages"]}
    details["cold_stages_s"] = stages
    details["cold_kiwi_s"] = statistics.median(r.out["kiwi_s"] for r in osmu)
    details["cold_kiwi_texts"] = osmu[0].out["kiwi_texts"]
    details["cold_files"] = osmu[0].out["files"]
    o, p, f = med(osmu), med(pelican), med(floor)
    if o > p:  # the target is missed: say where the time goes, function by function
        fresh(out)()
        profiled = run_child([PYTHON, "-m", "bench.work", "profile-osmu", str(vault), str(out), str(PROFILE_NOTES)])
        details["cold_profile"] = {"notes": PROFILE_NOTES, **{k: profiled.out[k] for k in ("profiled_s", "top")}}
    return {
        "cold_1k_osmu_s": round(o, 3),
        "cold_1k_pelican_s": round(p, 3),
        "cold_1k_floor_s": round(f, 3),
        "cold_1k_vs_pelican": round(o / p, 2),
        "cold_1k_vs_floor": round(o / f, 2),
        "cold_1k_osmu_work_s": round(med(osmu, "work_s"), 3),
        "cold_1k_pelican_work_s": round(med(pelican, "work_s"), 3),
        "cold_1k_floor_work_s": round(med(floor, "work_s"), 3),
    }


def explain(figures: dict[str, Any], details: dict[str, Any], met: dict[str, bool]) -> list[str]:
    """For each missed target, where the time goes (from the measured stages) and what would meet it."""
    lines: list[str] = []
    stages: dict[str, float] = details.get("cold_stages_s", {})
    notes = figures.get("notes_small", 1)
    if stages and not (met.get("cold_1k_vs_pelican", True) and met.get("cold_1k_vs_floor", True)):
        per_note = {k: 1000 * v / notes for k, v in stages.items() if k not in ("import", "setup", "kiwi-load")}
        fixed = sum(stages.get(k, 0.0) for k in ("import", "setup", "kiwi-load"))
        budget = 1000 * figures["cold_1k_pelican_s"] / notes
        spent = ", ".join(f"{k} {v:.1f}" for k, v in sorted(per_note.items(), key=lambda kv: -kv[1]))
        lines.append(
            f"cold run: fixed {fixed:.1f} s (imports {stages.get('import', 0):.1f}, Korean analyser load "
            f"{stages.get('kiwi-load', 0):.1f}), then per note in ms: {spent}; Pelican's whole budget is "
            f"{budget:.1f} ms a note, the parse floor's {1000 * figures['cold_1k_floor_s'] / notes:.1f} ms."
        )
        kiwi = 1000 * details.get("cold_kiwi_s", 0.0) / notes
        lines.append(
            f"of which Kiwi's morphological analysis alone is {kiwi:.1f} ms a note "
            f"({details.get('cold_kiwi_texts', 0) / notes:.0f} texts a note, each line analysed once; Kiwi costs "
            "~7-8 µs per Hangul character whatever its knobs): more than Pelican's whole budget, for work Pelican "
            "and the floor do not do (keywords, hashtags, insight cutting and root tagging read morphemes). The "
            "rest is Python: cutting and root scoring, Jinja, the e-mail message and its lint, "
            f"{details.get('cold_files', 0) / notes:.0f} fsynced files a note with its manifest (Pelican writes "
            "one page a note, unsynced). Meeting ratio 1.0 would need: no per-sentence analysis for the text "
            "channels (cut and tag from the markdown alone, analyse only for hashtags), or a ~10x faster "
            "analyser; the floor ratio 2.0 is a parse-only budget no analysing pipeline meets. Sweeps spread "
            "notes over worker processes (sweep.processes: auto, one per core), which gains most with idle cores."
        )
    profile = details.get("cold_profile")
    if profile and lines:
        top = "; ".join(f"{name} {100 * share:.0f}%" for share, _, _, name in profile["top"][:8])
        lines.append(f"cProfile of {profile['notes']} notes ({profile['profiled_s']:.1f} s profiled), own time: {top}.")
    lines += interactive.explain(figures, details, met)
    if not met.get("full_vs_before", True):
        lines.append(
            f"full cold job: {figures['full_s_per_note']} s a note against {figures['full_s_per_note_before']} s "
            f"at {details.get('full_job', {}).get('before')} ({figures['full_png_per_note']} PNG slides a note against "
            f"{figures['full_png_per_note_before']}); each run's stages are in full_runs_before / full_runs_after."
        )
    if not met.get("sweep_10k_rss_mb", True):
        lines.append(
            "peak RSS: the Korean analyser alone is ~330 MB once loaded (~520 MB with its multi-word dictionary)."
        )
    for key in ("sweep_1k_s", "sweep_10k_s"):
        if not met.get(key, True):
            lines.append(f"{key}: mode '{details.get('sweep_mode')}' — see sweep_*_last for what it rendered.")
    return lines


def merged(figures: dict[str, Any], details: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """This run's figures and details over those already in latest.json (a run of some sections
    keeps the others' figures), and when, at which commit and load each section was last measured."""
    path = RESULTS / "latest.json"
    previous: dict[str, Any] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    old_figures, old_details = previous.get("figures", {}), previous.get("details", {})
    measured: dict[str, Any] = previous.get("measured") or {
        name: {k: previous[k] for k in ("date", "commit", "load_avg") if k in previous}
        for name in old_details.get("sections", [])
    }
    where = machine()
    for name in details.get("sections", []):
        measured[name] = {k: where[k] for k in ("date", "commit", "load_avg")}
    all_figures = {**old_figures, **figures, "repeat": {**old_figures.get("repeat", {}), **figures.get("repeat", {})}}
    all_details = {**old_details, **details, "sections": [s for s in SECTIONS if s in measured]}
    return all_figures, all_details, {s: measured[s] for s in SECTIONS if s in measured}


def verdicts(figures: dict[str, Any]) -> dict[str, bool]:
    """Each figure that has a target: met or not."""
    met = {}
    for key, value in figures.items():
        target = TARGETS.get(key)
        if target is not None and isinstance(value, int | float):
            met[key] = value <= target[1] if target[0] == "≤" else value == target[1]
    return met


def save(figures: dict[str, Any], details: dict[str, Any], partial: bool = False) -> None:
    """Write what is measured so far, merged into latest.json (a long run that is stopped still
    leaves its figures; sections not run keep theirs)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    all_figures, all_details, measured = merged(figures, details)
    met = verdicts(all_figures)
    payload = {
        **machine(),
        "partial": partial,
        "measured": measured,
        "figures": all_figures,
        "targets_met": met,
        "details": all_details,
        "why": [] if partial else explain(all_figures, all_details, met),
    }
    (RESULTS / "latest.json").write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def report(figures: dict[str, Any], details: dict[str, Any]) -> None:
    """Print the table and write bench/results/latest.json."""
    where = machine()
    rows = [(key, figures[key], TARGETS.get(key)) for key in figures]
    print(f"\nosmu bench — {where['date']} — {where['machine']} — Python {where['python']} — {where['commit']}")
    print(f"load average at the end: {where['load_avg']} (a shared machine: figures move with it)\n")
    width = max(len(k) for k, _, _ in rows)
    met = verdicts(figures)
    for key, value, target in rows:
        verdict = ""
        if key in met and target:
            verdict = f"target {target[0]} {target[1]:g}  {'MET' if met[key] else 'NOT MET'}"
        print(f"  {key:<{width}}  {value!s:>10}  {verdict}")
    for key, value in details.items():
        if isinstance(value, str) and "\n" in value:
            print(f"\n{key}:\n{value}")
        else:
            print(f"\n{key}: {json.dumps(value, ensure_ascii=False)}")
    why = explain(figures, details, met)
    if why:
        print("\nwhy a target is missed, and what would meet it:")
        for line in why:
            print(f"  - {line}")
    save(figures, details)
    print(f"\nwritten: {(RESULTS / 'latest.json').relative_to(ROOT)}")


if __name__ == "__main__":
    main()
