"""`bench/run --only interactive`: what a writer waits for, each a real `osmu` process.

- `osmu run NOTE` on a note edited just before each run (a line appended, so its content
  changes), with the local Prefect server already running (`osmu server start`, once, in a
  PREFECT_HOME under bench/.work/), process start to exit;
- `osmu insights NOTE --json`, process start to exit, and whether it imported Prefect (it must not);
- `osmu watch`: from writing a note to its `manifest.json` being rewritten (the manifest is
  written last, once every output is), then the watch's peak RSS and its exit on SIGINT.

The server is stopped at the end, also when a measurement fails; the edited notes get their
bytes and times back.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

PYTHON = sys.executable
OSMU = [PYTHON, "-m", "flows.cli"]
"""The `osmu` console script (`flows.cli:main`), run by this interpreter with this checkout first."""
WATCH_START_TIMEOUT = 180.0
"""Seconds for `osmu watch` to print its `watching` line (Prefect client, Kiwi: ~5 s idle)."""
WATCH_UPDATE_TIMEOUT = 60.0
"""Seconds for one saved note's outputs to be rewritten before the measurement fails."""
SETTLE_S = 0.5
"""Pause after a watch render before the next save (so each save is its own burst of writes)."""
_SECONDS = re.compile(r"\((\d+(?:\.\d+)?) s\)\s*$")


def _h() -> Any:  # late import: harness imports this module
    from bench import harness

    return harness


def edited_note(vault: Path, offset: int = 0) -> Path:
    """The note the interactive figures edit: a knowledge note of the bench vault (as `run` always used)."""
    notes = sorted((vault / "30-knowledge").rglob("*.md"))
    return notes[offset % len(notes)]


@contextmanager
def restored(*notes: Path) -> Iterator[None]:
    """Inside: `notes` may be edited; on exit they get their bytes and times back (sweeps see the vault as it was)."""
    saved = [(n, n.read_bytes(), n.stat()) for n in notes]
    try:
        yield
    finally:
        for note, data, stat in saved:
            note.write_bytes(data)
            os.utime(note, ns=(stat.st_atime_ns, stat.st_mtime_ns))


class Editor:
    """Appends a new line to a note's original text before each run: the note's content always changes."""

    def __init__(self, note: Path) -> None:
        self.note = note
        self.original = note.read_bytes()
        self.count = 0

    def __call__(self) -> None:
        self.count += 1
        line = f"\n- 고쳐 쓴 줄 {self.count} ({time.time_ns()}): 과정을 다시 기록한다.\n"
        self.note.write_bytes(self.original + line.encode())


@contextmanager
def local_server(home: Path, env: dict[str, str]) -> Iterator[dict[str, Any]]:
    """`osmu server start` with PREFECT_HOME=`home` (fresh), yields what it reported; always stopped on exit."""
    from flows.local_server import LocalServer

    h = _h()
    server = LocalServer(home)
    server.stop()
    shutil.rmtree(home, ignore_errors=True)
    info: dict[str, Any] = {}
    try:
        started = h.run_child([*OSMU, "server", "start"], env, parse_json=False)
        info.update(start_s=round(started.wall, 2), pid=server.pid(), url=server.url())
        yield info
    finally:
        with suppress(Exception):
            h.run_child([*OSMU, "server", "stop"], env, parse_json=False)
        server.stop()  # whatever `osmu server stop` left (it failed, or was never reached)


def interactive(vault: Path, repeat: int, details: dict[str, Any], work: Path) -> dict[str, Any]:
    """The three interactive figures (medians of `repeat`), with the local server running throughout."""
    h = _h()
    note = edited_note(vault)
    home = work / "prefect-home-interactive"
    env = h.child_env(PREFECT_HOME=str(home), OSMU_PREFECT_SERVER="auto", PYTHONUNBUFFERED="1")
    figures: dict[str, Any] = {}
    with restored(note), local_server(home, env) as server:
        details["interactive_server"] = server
        figures |= run_edited(vault, note, work / "out-interactive-run", repeat, details, env)
        figures |= insights_json(vault, note, repeat, details, env)
        figures |= watch(vault, note, work / "out-interactive-watch", repeat, details, env)
    phases = h.median_runs(
        min(repeat, 3), lambda: h.run_child([PYTHON, "-m", "bench.work", "note-phases", str(vault), str(note)])
    )
    details["run_note_phases_s"] = {k: statistics.median(r.out[k] for r in phases) for k in phases[0].out}
    return figures


def explain(figures: dict[str, Any], details: dict[str, Any], met: dict[str, bool]) -> list[str]:
    """For each missed interactive target, where the time goes (from the measured phases)."""
    from flows.watch import QUIET_MS

    lines: list[str] = []
    p: dict[str, float] = details.get("run_note_phases_s", {})
    if not p:
        return lines
    imports = p["import_prefect_s"] + p["import_osmu_s"]
    kiwi, roots = p["kiwi_load_s"], p["open_vault_s"]
    note = p["cut_insights_s"] + p["render_s"] + p["write_s"]
    if not met.get("run_note_edited_s", True):
        run = figures["run_note_edited_s"]
        lines.append(
            f"osmu run NOTE {run:.2f} s: imports {imports:.2f} s (Prefect {p['import_prefect_s']:.2f}), the Korean "
            f"analyser's load and first call {kiwi:.2f} s, the vault's root notes {roots:.2f} s, the note itself "
            f"{note:.2f} s (cut {p['cut_insights_s']:.2f}, render {p['render_s']:.2f} of which PNG/PPTX/e-mail "
            f"builders {p['of_which_builders_s']:.2f}, write {p['write_s']:.2f}); the other "
            f"{max(0.0, run - imports - kiwi - roots - note):.2f} s are the interpreter's start and exit and "
            "Prefect's engine: the flow run and a task run per stage (API calls, walking each task's arguments)."
        )
    if not met.get("insights_json_s", True):
        shown = figures["insights_json_s"]
        inside = details.get("insights_json_in_process", {}).get("in_process_s", 0.0)
        lines.append(
            f"osmu insights NOTE --json {shown:.2f} s ({inside:.2f} s inside the command, no Prefect): the Korean "
            f"analyser {kiwi:.2f} s, root notes {roots:.2f} s, the note's cut {p['cut_insights_s']:.2f} s, osmu's "
            f"imports ~{p['import_osmu_s']:.2f} s, the rest the interpreter's start and exit: the analyser's load "
            "alone is most of the budget."
        )
    w = details.get("watch", {})
    if not met.get("watch_save_to_outputs_s", True) and w:
        save = figures["watch_save_to_outputs_s"]
        after = w["save_to_line_s"] - save
        lines.append(
            f"osmu watch, save → outputs {save:.2f} s: the watch waits {QUIET_MS} ms after the last write (editors "
            f"write in bursts), then one flow run (its own line says {w['flow_run_s (its line)']} s, to its end): "
            f"the note's work {note:.2f} s measured cold (render {p['render_s']:.2f}), Prefect's task runs, and "
            f"after the manifest another {after:.2f} s (artifacts, the state file, the flow's end) before the next "
            "save is looked at."
        )
    return lines


def run_edited(
    vault: Path, note: Path, out: Path, repeat: int, details: dict[str, Any], env: dict[str, str]
) -> dict[str, Any]:
    """`osmu run NOTE`, note edited (untimed) before each run, local server reused."""
    h = _h()
    shutil.rmtree(out, ignore_errors=True)
    argv = [*OSMU, "run", str(note), "--vault", str(vault), "--out", str(out)]
    edit = Editor(note)
    edit()
    first = h.run_child(argv, env, parse_json=False)  # untimed: the server's first flow run, an empty OUT
    runs = h.median_runs(repeat, lambda: h.run_child(argv, env, parse_json=False), edit)
    details["run_note_edited_runs_s"] = [round(r.wall, 2) for r in runs]
    details["run_note_edited_first_s"] = round(first.wall, 2)
    return {"run_note_edited_s": round(h.med(runs), 2), "run_note_edited_rss_mb": round(h.med(runs, "rss"), 1)}


def insights_json(vault: Path, note: Path, repeat: int, details: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    """`osmu insights NOTE --json`, process start to exit; then once in-process: no Prefect module imported."""
    h = _h()
    argv = [*OSMU, "insights", str(note), "--vault", str(vault), "--json"]
    runs = h.median_runs(repeat, lambda: h.run_child(argv, env, parse_json=False))
    shown = json.loads(h.run_child(argv, env, parse_json=False).stdout)
    imports = h.run_child([PYTHON, "-m", "bench.work", "insights-imports", str(vault), str(note)], env)
    details["insights_json_runs_s"] = [round(r.wall, 2) for r in runs]
    details["insights_json_in_process"] = {k: v for k, v in imports.out.items() if k != "work_s"}
    if imports.out["insights"] != len(shown["insights"]):
        raise RuntimeError(f"osmu insights: {len(shown['insights'])} insights, in-process {imports.out['insights']}")
    return {
        "insights_json_s": round(h.med(runs), 2),
        "insights_prefect_modules": imports.out["prefect_modules"],
    }


@dataclass
class Watch:
    """A running `osmu watch` whose output lines are collected with the time each arrived."""

    argv: list[str]
    env: dict[str, str]
    lines: list[tuple[float, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.proc = subprocess.Popen(
            self.argv,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own group: SIGINT as a terminal's Ctrl-C would send, SIGKILL as last resort
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append((time.monotonic(), line.rstrip("\n")))

    @property
    def output(self) -> str:
        return "\n".join(line for _, line in self.lines)

    def wait_for(self, check: Callable[[], Any], timeout: float, what: str, poll: float = 0.1) -> Any:
        """Poll `check()` until truthy; fail with the watch's output after `timeout` seconds or if it exits."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = check()
            if value:
                return value
            if self.proc.poll() is not None:
                raise RuntimeError(f"osmu watch exited ({self.proc.returncode}) before {what}:\n{self.output[-3000:]}")
            time.sleep(poll)
        raise RuntimeError(f"timed out after {timeout} s waiting for {what}:\n{self.output[-3000:]}")

    def line_after(self, since: float, name: str) -> tuple[float, str] | None:
        """The first `… NAME: N files written` (or `failed`) line that arrived after `since`."""
        for at, line in list(self.lines):
            if at > since and name in line and ("files written" in line or "failed" in line):
                return at, line
        return None

    def peak_rss_mb(self) -> dict[str, float]:
        """VmHWM of the watch and of each process it started (now alive), in MB."""
        found = {}
        for pid in [self.proc.pid, *descendants(self.proc.pid)]:
            kib = vm_hwm_kib(pid)
            if kib is not None:
                found[str(pid)] = round(kib / 1024, 1)
        return found

    def stop(self, grace: float = 30.0) -> tuple[int | None, float]:
        """SIGINT to its group (Ctrl-C); its exit code (None: it had to be killed) and seconds to exit."""
        start = time.monotonic()
        if self.proc.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
                return None, round(time.monotonic() - start, 2)
        with suppress(ProcessLookupError):  # anything it started and left behind
            os.killpg(self.proc.pid, signal.SIGKILL)
        self._reader.join(5)
        return self.proc.returncode, round(time.monotonic() - start, 2)


def descendants(pid: int) -> list[int]:
    """Every live process below `pid` (from /proc's parent ids)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])  # the name may hold spaces and parentheses
        parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def vm_hwm_kib(pid: int) -> int | None:
    """Peak resident set size of a live process (/proc/PID/status VmHWM), in KiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def manifest_of(out: Path, rel: str) -> Path | None:
    """The manifest of the note `rel` (vault-relative) under `out`, once there is one."""
    for manifest in out.glob("*/manifest.json"):
        with suppress(OSError, ValueError):
            if json.loads(manifest.read_text(encoding="utf-8")).get("source") == rel:
                return manifest
    return None


def _version(path: Path) -> tuple[int, int, int] | None:
    """What changes when a file is rewritten (osmu writes atomically: a new inode each time)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


def _changed(path: Path, before: tuple[int, int, int] | None) -> bool:
    return _version(path) != before


def watch(
    vault: Path, note: Path, out: Path, repeat: int, details: dict[str, Any], env: dict[str, str]
) -> dict[str, Any]:
    """`osmu watch`: seconds from writing `note` to its manifest rewritten, `repeat` saves; peak RSS; SIGINT exit.

    Each save writes a new text. The first save is untimed (the note's first render in the watch
    also makes its output folder). A save waits for the previous render's line, then `SETTLE_S`.
    """
    shutil.rmtree(out, ignore_errors=True)
    argv = [*OSMU, "watch", "--vault", str(vault), "--out", str(out)]
    started = time.monotonic()
    proc = Watch(argv, env)
    try:
        proc.wait_for(
            lambda: any(line.startswith("watching") for _, line in proc.lines), WATCH_START_TIMEOUT, "watching"
        )
        ready = round(time.monotonic() - started, 2)
        edit = Editor(note)
        rel = note.relative_to(vault).as_posix()
        manifest: Path | None = None
        first = 0.0
        to_outputs: list[float] = []
        to_line: list[float] = []
        flow_s: list[float] = []
        for _ in range(repeat + 1):
            before = _version(manifest) if manifest else None
            saved = time.monotonic()
            edit()
            if manifest is None:  # the note's first render: untimed, finds its manifest
                manifest = proc.wait_for(partial(manifest_of, out, rel), WATCH_UPDATE_TIMEOUT, f"{rel} rendered")
                first = round(time.monotonic() - saved, 2)
            else:
                proc.wait_for(partial(_changed, manifest, before), WATCH_UPDATE_TIMEOUT, f"{rel} re-rendered", 0.005)
                to_outputs.append(time.monotonic() - saved)
            at, line = proc.wait_for(partial(proc.line_after, saved, note.name), 30, f"{rel}'s line")
            if "files written" not in line:
                raise RuntimeError(f"osmu watch: {line}")
            if before is not None:
                to_line.append(at - saved)
                seconds = _SECONDS.search(line)
                if seconds:
                    flow_s.append(float(seconds.group(1)))
            time.sleep(SETTLE_S)
        rss = proc.peak_rss_mb()
    finally:
        code, exit_s = proc.stop()
    details["watch"] = {
        "ready_s": ready,
        "first_save_to_outputs_s": first,
        "save_to_outputs_runs_s": [round(t, 2) for t in to_outputs],
        "save_to_line_s": round(statistics.median(to_line), 2),
        "flow_run_s (its line)": statistics.median(flow_s) if flow_s else "n/a",
        "peak_rss_mb_by_pid": rss,
        "sigint_exit_code": code,
        "sigint_exit_s": exit_s,
    }
    if code != 0:
        raise RuntimeError(f"osmu watch did not exit cleanly on SIGINT ({code}):\n{proc.output[-3000:]}")
    return {
        "watch_save_to_outputs_s": round(statistics.median(to_outputs), 2),
        "watch_peak_rss_mb": round(sum(rss.values()), 1),
        "watch_ready_s": ready,
    }
