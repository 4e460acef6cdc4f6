"""Sections of `bench/run` beyond the cold text run: sweeps, `osmu run NOTE` (embedded Prefect,
first run), binary outputs. What a writer waits for is bench/interactive.py."""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def _h() -> Any:  # late import: harness imports this module
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
    """`osmu run NOTE`, process start to exit, in the ways of reaching Prefect that bench/interactive.py
    does not time (flows/local_server.py): embedded (a temporary server per process, in a fresh and
    in a used PREFECT_HOME) and the first run of `auto`, which starts the local server. The runs
    that reuse it are the interactive section's `run_note_edited_s`."""
    from flows.local_server import LocalServer

    h = _h()
    note = sorted((vault / "30-knowledge").rglob("*.md"))[0]
    out = work / "out-run"
    argv = [PYTHON, "-m", "flows.cli", "run", str(note), "--vault", str(vault), "--out", str(out)]
    home = work / "prefect-home"
    shutil.rmtree(home, ignore_errors=True)
    embedded = h.child_env(PREFECT_HOME=str(home), OSMU_PREFECT_SERVER="embedded")
    fresh = h.run_child(argv, embedded, parse_json=False)
    ephemeral = h.median_runs(repeat, lambda: h.run_child(argv, embedded, parse_json=False))
    figures: dict[str, Any] = {
        "run_note_ephemeral_fresh_home_s": round(fresh.wall, 2),
        "run_note_ephemeral_s": round(h.med(ephemeral), 2),
    }
    server_home = work / "prefect-server-home"
    server = LocalServer(server_home)
    server.stop()
    shutil.rmtree(server_home, ignore_errors=True)
    auto = h.child_env(PREFECT_HOME=str(server_home), OSMU_PREFECT_SERVER="auto")
    try:
        figures["run_note_first_auto_s"] = round(h.run_child(argv, auto, parse_json=False).wall, 2)  # starts it
        details["prefect_server_pid"] = server.pid()
    finally:
        server.stop()
    return figures


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
