"""Sections of `bench/run` beyond the cold text run: sweeps, `osmu run NOTE`, binary outputs."""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def _h():  # late import: harness imports this module
    from bench import harness

    return harness


def has_sweep_flow() -> bool:
    """True once the `vault-sweep` flow (issue 6) is in this checkout."""
    return (ROOT / "flows" / "sweep.py").is_file()


def sweeps(vaults: dict[int, Path], args: argparse.Namespace, details: dict[str, Any], work: Path) -> dict[str, Any]:
    """No-change sweep of the small and the large vault (outputs made first, untimed), peak RSS of the large one."""
    h = _h()
    figures: dict[str, Any] = {}
    mode = "vault-sweep flow" if has_sweep_flow() else "fallback: no vault-sweep flow yet, full re-render"
    details["sweep_mode"] = mode
    for label, n in (("1k", args.small), ("10k", args.large)):
        if label == "10k" and args.large == args.small:
            continue
        if not has_sweep_flow() and label == "10k":  # a full re-render of 10k notes per run: not a sweep figure
            figures |= {"sweep_10k_s": "n/a", "sweep_10k_process_s": "n/a", "sweep_10k_rss_mb": "n/a"}
            continue
        vault, out = vaults[n], work / f"out-sweep-{n}"
        argv = [PYTHON, "-m", "bench.work", "sweep", str(vault), str(out)]
        stamp = out / ".bench-complete"
        if label == "10k" and args.large_outputs == "stub":  # a real sweep state, stub outputs (bench.work)
            shutil.rmtree(out, ignore_errors=True)
            prep = h.run_child([PYTHON, "-m", "bench.work", "sweep-prep", str(vault), str(out)])
            details["sweep_10k_outputs"] = "stub: notes read and parsed, one manifest each (--large-outputs stub)"
            details["sweep_10k_prep"] = {**prep.out, "wall_s": round(prep.wall, 2)}
            stamp.unlink(missing_ok=True)
        elif label == "1k" or not stamp.exists():  # the first sweep renders everything: the cold sweep
            if label == "1k":  # the same cold sweep spread over two worker processes (sweep.processes: 2)
                shutil.rmtree(out, ignore_errors=True)
                two = h.run_child([*argv, "2"])
                figures["cold_1k_sweep_flow_2proc_s"] = round(two.wall, 2)
                details["cold_1k_sweep_2proc"] = two.out
            shutil.rmtree(out, ignore_errors=True)
            first = h.run_child([*argv, "0"] if label == "1k" else argv)  # 1k: in one process, to compare
            figures[f"cold_{label}_sweep_flow_s"] = round(first.wall, 2)
            details[f"cold_{label}_sweep"] = first.out
            stamp.write_text(mode)
        else:  # outputs from an earlier bench run: bring them up to date (code may have changed), untimed
            h.run_child(argv)
        runs = h.median_runs(
            args.repeat if n <= args.small else max(1, args.repeat), lambda argv=argv: h.run_child(argv)
        )
        figures[f"sweep_{label}_s"] = round(h.med(runs, "seconds"), 3)
        figures[f"sweep_{label}_process_s"] = round(h.med(runs), 3)
        details[f"sweep_{label}_last"] = {k: v for k, v in runs[-1].out.items() if k != "work_s"}
        if label == "10k":
            figures["sweep_10k_rss_mb"] = round(max(r.rss_mb for r in runs), 1)
    return figures


def run_note(vault: Path, repeat: int, details: dict[str, Any], work: Path) -> dict[str, Any]:
    """`osmu run NOTE`, process start to exit, in each way of reaching Prefect (flows/local_server.py):
    embedded (a temporary server per process), the local server that `osmu run` starts once and
    reuses, and that server plus the warm process (flows/warm.py; the default once both run), for an
    unchanged note (every stage a cache hit) and a changed one."""
    from flows.local_server import LocalServer

    h = _h()
    note = sorted((vault / "30-knowledge").rglob("*.md"))[0]
    out = work / "out-run"
    argv = [PYTHON, "-m", "flows.cli", "run", str(note), "--vault", str(vault), "--out", str(out)]
    home = work / "prefect-home"
    shutil.rmtree(home, ignore_errors=True)
    embedded = h.child_env(PREFECT_HOME=str(home), OSMU_PREFECT_SERVER="embedded")
    fresh = h.run_child(argv, embedded)
    ephemeral = h.median_runs(repeat, lambda: h.run_child(argv, embedded))
    figures: dict[str, Any] = {
        "run_note_ephemeral_fresh_home_s": round(fresh.wall, 2),
        "run_note_ephemeral_s": round(h.med(ephemeral), 2),
    }
    server_home = work / "prefect-server-home"
    server = LocalServer(server_home)
    server.stop()
    shutil.rmtree(server_home, ignore_errors=True)
    auto = h.child_env(PREFECT_HOME=str(server_home), OSMU_PREFECT_SERVER="auto")
    original, stat = note.read_bytes(), note.stat()
    edits = iter(range(1, 1_000_000))

    def edit() -> None:  # what a writer does between two runs: the note changes, so no stage is cached
        note.write_bytes(original + f"\n- 고쳐 쓴 줄 {next(edits)}: 과정을 다시 기록한다.\n".encode())

    launcher = [PYTHON, "-m", "flows.launch", *argv[3:]]  # the `osmu` console script
    try:
        figures["run_note_first_auto_s"] = round(h.run_child(argv, auto).wall, 2)  # starts the server
        details["prefect_server_pid"] = server.pid()
        served = h.median_runs(repeat, lambda: h.run_child(argv, auto))
        figures["run_note_s"] = round(h.med(served), 2)
        changed = h.median_runs(repeat, lambda: h.run_child(argv, auto), edit)
        figures["run_note_changed_s"] = round(h.med(changed), 2)
        # The warm process (flows/warm.py), started as `osmu server start` does; runs go through the launcher.
        h.run_child([PYTHON, "-m", "flows.launch", "server", "start"], auto)
        details["warm_process"] = warm_info(server_home)
        h.run_child(launcher, auto)  # untimed: the first child of a new warm process
        warm = h.median_runs(max(repeat, 5), lambda: h.run_child(launcher, auto))
        figures["run_note_warm_s"] = round(h.med(warm), 2)
        warm_changed = h.median_runs(max(repeat, 5), lambda: h.run_child(launcher, auto), edit)
        figures["run_note_changed_warm_s"] = round(h.med(warm_changed), 2)
        details["run_note_changed_warm_runs_s"] = [round(r.wall, 2) for r in warm_changed]
    finally:
        note.write_bytes(original)
        os.utime(note, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # the sweeps see the vault as it was
        h.run_child([PYTHON, "-m", "flows.launch", "server", "stop"], auto)
        server.stop()
    phases = h.median_runs(
        repeat, lambda: h.run_child([PYTHON, "-m", "bench.work", "note-phases", str(vault), str(note)])
    )
    details["run_note_phases_s"] = {k: statistics.median(r.out[k] for r in phases) for k in phases[0].out}
    return figures


def warm_info(home: Path) -> dict[str, Any]:
    """The warm process bench/run started (pid, loaded code's fingerprint), or why there is none."""
    from flows.warm import info

    found = info(home)
    if found is None:
        raise RuntimeError(f"the warm process did not start: {home / 'osmu-warm' / 'warm.log'}")
    return {k: found[k] for k in ("pid", "api_url")}


def builders() -> dict[str, list[str]]:
    """Binary outputs the channels declare (`builder:` in channel.yaml), by channel."""
    from tasks.settings import CHANNELS_DIR

    found: dict[str, list[str]] = {}
    for spec in sorted(CHANNELS_DIR.glob("*/channel.yaml")):
        data = yaml.safe_load(spec.read_text(encoding="utf-8")) or {}
        names = [o["builder"] for o in data.get("outputs", []) if o.get("builder")]
        if names:
            found[spec.parent.name] = names
    return found


def binaries(vault: Path, repeat: int, details: dict[str, Any]) -> dict[str, Any]:
    """Carousel PNG seconds per slide and PPTX seconds per deck, when those builders exist."""
    h = _h()
    declared = builders()
    details["builders"] = declared
    if not declared:
        return {"carousel_s_per_slide": "n/a", "pptx_s_per_deck": "n/a"}
    runs = h.median_runs(repeat, lambda: h.run_child([PYTHON, "-m", "bench.work", "binaries", str(vault)]))
    figures: dict[str, Any] = {}
    for key in ("carousel_s_per_slide", "pptx_s_per_deck"):
        values = [r.out[key] for r in runs if isinstance(r.out.get(key), float)]
        figures[key] = round(statistics.median(values), 3) if values else "n/a"
    details["binaries_last"] = runs[-1].out
    return figures
