"""Which task runner renders a full vault sweep faster? Prints one line per runner.

    python bench/sweep_runners.py [--notes 1000] [--runners threads,processes,dask] [--channels blog,…]

Builds a vault of N notes from the example vault (each note copied with a unique line, so
every one renders), then times `vault-sweep` with `--all` once per runner, each into a
fresh output folder. `dask` is measured only when prefect-dask is installed. Process-based
runners need a Prefect server: start one first (`eval "$(scripts/prefect-server.sh start)"`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LOGGERS_PREFECT_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_LOGGING_LOGGERS_PREFECT_TASK_RUNS_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_LOGGING_LOGGERS_PREFECT_FLOW_RUNS_LEVEL", "WARNING")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flows.sweep import sweep_with_runner  # noqa: E402
from tasks.vault.read import iter_note_paths  # noqa: E402

EXAMPLE = ROOT / "examples" / "vault"


def make_vault(target: Path, count: int) -> int:
    """Copy the example vault, then add copies of its non-root notes until there are `count` notes."""
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns("_osmu"))
    sources = [p for p in iter_note_paths(target) if "00-roots" not in p.parts]
    have = len(list(iter_note_paths(target)))
    for i in range(max(0, count - have)):
        source = sources[i % len(sources)]
        folder = target / "bench" / f"{i // 100:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        text = source.read_text(encoding="utf-8") + f"\n- 벤치마크 노트 {i}: 과정을 공유한다.\n"
        (folder / f"{source.stem}-{i:05d}.md").write_text(text, encoding="utf-8")
    return len(list(iter_note_paths(target)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--runners", default="threads,serial,processes,dask")
    parser.add_argument("--channels", default="")
    args = parser.parse_args()
    channels = [c for c in args.channels.split(",") if c] or None
    work = Path(tempfile.mkdtemp(prefix="osmu-bench-"))
    try:
        vault = work / "vault"
        total = make_vault(vault, args.notes)
        print(f"vault: {total} notes, channels: {channels or 'all'}, cpus: {os.cpu_count()}")
        warm = work / "warm"
        shutil.copytree(EXAMPLE / "00-roots", warm / "00-roots")
        sweep_with_runner("threads")(vault=str(warm), out=str(work / "out-warm"), full=True)  # start Prefect
        for runner in args.runners.split(","):
            try:
                flow_fn = sweep_with_runner(runner)
            except ValueError as exc:
                print(f"{runner:>10}: skipped ({exc})")
                continue
            started = time.perf_counter()
            try:
                report = flow_fn(vault=str(vault), out=str(work / f"out-{runner}"), channels=channels, full=True)
            except Exception as exc:
                print(f"{runner:>10}: failed ({type(exc).__name__}: {exc})")
                continue
            seconds = time.perf_counter() - started
            rate = len(report.rendered) / seconds if seconds else 0.0
            print(
                f"{runner:>10}: {seconds:7.1f} s wall, {len(report.rendered)} rendered, "
                f"{len(report.failed)} failed, {rate:.1f} notes/s",
                flush=True,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
