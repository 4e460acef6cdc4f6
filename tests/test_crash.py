"""Nothing lost: SIGKILL in the middle of writing, many times, at random points.

After every kill each output must be the complete old or the complete new version, the
manifest must be valid JSON recording only complete versions, and no run may mistake a
file written by a killed run for a hand edit. The next complete run repairs the rest:
the manifest then matches every file byte for byte.

The 50-kill test forks the test process (everything is imported already) and kills the
child while it writes several notes with `tasks.write.outputs.write_outputs`, the code that must be
crash-safe; a second test kills the real `osmu run` command (and its Prefect server) a few
times and checks the same.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tasks.model import Insight, RenderResult
from tasks.write.journal import JOURNAL, LOCK
from tasks.write.outputs import write_outputs
from tasks.write.preview import PAGE, note_preview
from tests.conftest import BOOK, ROOT, ROOT_NOTE
from tests.helpers import pipeline, render

NOTES = (
    BOOK,
    ROOT_NOTE,
    "10-projects/13-imi-work/13.01-osmu-system/osmu-제작기.md",
    "30-knowledge/33-insights/show-your-work.md",
    "10-projects/13-imi-work/13.01-osmu-system.md",
)
KILLS = 50
Version = list[tuple[RenderResult, str, tuple[Insight, ...]]]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _retitle(vault: Path, suffix: str) -> None:
    """Change every note's title, so every output of every note changes."""
    for note in NOTES:
        path = vault / note
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"^title: (.*)$", rf"title: \1{suffix}", text, count=1, flags=re.M), encoding="utf-8")


def _render_all(vault: Path) -> Version:
    rendered: Version = []
    for note in NOTES:
        parsed, _, _, insights, _ = pipeline(vault, note)
        rendered.append((render(vault, note), parsed.note.source_hash, insights))
    return rendered


def _write_all(version: Version, out: Path) -> None:
    for result, source_hash, insights in version:
        write_outputs(result, source_hash, insights, (), out)


def _expected(versions: list[Version], out: Path) -> dict[str, set[str]]:
    """Output path (relative to `out`) → the hashes of its complete versions."""
    expected: dict[str, set[str]] = {}
    for version in versions:
        for result, _, insights in version:
            for output in result.outputs:
                expected.setdefault(f"{result.slug}/{output.path}", set()).add(_sha(output.content))
            page = note_preview(result, insights)  # the note's preview page is written like an output
            expected.setdefault(f"{result.slug}/{PAGE}", set()).add(_sha(page))
    return expected


def _outputs_on_disk(out: Path) -> dict[str, Path]:
    from tasks.changes import STATE_FILE  # the sweep's run state, not an output

    skip = {"manifest.json", JOURNAL, LOCK, STATE_FILE}
    return {p.relative_to(out).as_posix(): p for p in out.rglob("*") if p.is_file() and p.name not in skip}


def _check_after_kill(out: Path, expected: dict[str, set[str]]) -> int:
    """Every output complete (old or new), none lost, manifests valid; returns stale temps."""
    files = _outputs_on_disk(out)
    temps = [rel for rel in files if rel.rsplit("/", 1)[-1].startswith(".") and rel.endswith(".tmp")]
    outputs = {rel: p for rel, p in files.items() if rel not in temps}
    assert set(outputs) == set(expected), "an output was lost, or a stray file appeared (false hand edit?)"
    for rel, path in outputs.items():
        assert _sha(path.read_bytes()) in expected[rel], f"{rel} is neither the old nor the new version"
    for manifest in out.glob("*/manifest.json"):
        data = json.loads(manifest.read_text(encoding="utf-8"))
        for entry in [*data["outputs"], data["preview"]]:
            assert entry["sha256"] in expected[f"{manifest.parent.name}/{entry['path']}"]
            assert "edited_by_hand" not in entry
    return len(temps)


def _check_repaired(out: Path) -> None:
    """After a complete run: every manifest matches its files exactly, nothing left over."""
    for folder in (p for p in out.iterdir() if p.is_dir()):  # note folders (not the sweep state file)
        data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        for entry in [*data["outputs"], data["preview"]]:
            assert _sha((folder / entry["path"]).read_bytes()) == entry["sha256"], entry["path"]
            assert "edited_by_hand" not in entry
        recorded = {e["path"] for e in [*data["outputs"], data["preview"]]}
        on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
        assert on_disk == recorded | {"manifest.json"}, on_disk ^ (recorded | {"manifest.json"})


def _timed_fork(version: Version, out: Path) -> tuple[int, float]:
    pid = os.fork()
    if pid == 0:  # child: write, never return into pytest
        code = 0
        try:
            _write_all(version, out)
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    return pid, time.perf_counter()


def test_fifty_sigkills_lose_nothing_and_the_next_run_repairs(vault: Path, tmp_path: Path) -> None:
    old = _render_all(vault)
    _retitle(vault, " (개정판)")
    new = _render_all(vault)
    out = tmp_path / "out"
    expected = _expected([old, new], out)
    _write_all(old, out)
    # How long a full rewrite takes here, to spread the kills over it.
    pid, start = _timed_fork(new, out)
    assert os.waitpid(pid, 0)[1] == 0
    duration = time.perf_counter() - start
    _write_all(old, out)
    rng = random.Random(20261125)
    temps_seen = killed_mid_run = attempts = 0
    while killed_mid_run < KILLS:  # 50 kills that land while the child is still writing
        assert attempts < 8 * KILLS, f"only {killed_mid_run} of {attempts} kills landed mid-run"
        version = new if attempts % 2 == 0 else old
        attempts += 1
        pid, start = _timed_fork(version, out)
        time.sleep(rng.uniform(0, duration))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        killed_mid_run += os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        temps_seen += _check_after_kill(out, expected)
    print(
        f"\n{attempts} runs, {killed_mid_run} killed mid-run, a full rewrite takes {duration * 1000:.0f} ms, "
        f"{temps_seen} stale temp files seen (removed by the next run)"
    )
    _write_all(new, out)
    _check_repaired(out)


def _osmu(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "flows.cli", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, killed as a whole
    )


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_killing_the_real_cli_loses_nothing(vault: Path, tmp_path: Path) -> None:
    from prefect.settings import PREFECT_API_URL

    out = tmp_path / "out"
    # The CLI talks to the session's Prefect server, so each run starts fast.
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PREFECT_API_URL": str(PREFECT_API_URL.value())}
    args = ["run", *NOTES[:3], "--vault", str(vault), "--out", str(out)]
    texts = {"old": {n: (vault / n).read_bytes() for n in NOTES}}
    old = _render_all(vault)
    _retitle(vault, " (개정판)")
    texts["new"] = {n: (vault / n).read_bytes() for n in NOTES}
    expected = {k: v for k, v in _expected([old, _render_all(vault)], out).items() if k.startswith(_slugs(old[:3]))}
    rng = random.Random(9)
    mid_run = 0
    for k in range(3):
        for note, data in texts["new" if k % 2 == 0 else "old"].items():
            (vault / note).write_bytes(data)
        before = _snapshot(out)
        proc = _osmu(args, env)
        if k == 0:  # the first run completes: there is an old version of everything
            assert proc.wait(timeout=240) == 0, proc.communicate()[1].decode()
            continue
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None and _snapshot(out) == before:
            time.sleep(0.02)  # wait for this run's first write, then kill at a random point after it
        time.sleep(rng.uniform(0, 1.0))
        mid_run += proc.poll() is None
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        _check_after_kill(out, expected)
    assert mid_run >= 1
    final = _osmu(args, env)
    assert final.wait(timeout=240) == 0, final.communicate()[1].decode()
    _check_repaired(out)


def _slugs(version: Version) -> tuple[str, ...]:
    return tuple(f"{result.slug}/" for result, _, _ in version)


def _snapshot(out: Path) -> dict[str, str]:
    """Hashes of the outputs while a run may be writing (temp files come and go)."""
    snap: dict[str, str] = {}
    for rel, path in _outputs_on_disk(out).items() if out.exists() else ():
        try:
            snap[rel] = _sha(path.read_bytes())
        except FileNotFoundError:
            continue
    return snap


def test_two_runs_on_the_same_notes_at_once_do_not_corrupt(vault: Path, tmp_path: Path) -> None:
    """Watch + schedule: two processes write the same notes, different versions, at once."""
    old = _render_all(vault)
    _retitle(vault, " (개정판)")
    new = _render_all(vault)
    out = tmp_path / "out"
    expected = _expected([old, new], out)
    _write_all(old, out)
    rounds = 6

    def writer(first: Version, second: Version) -> int:
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                for k in range(rounds):
                    _write_all(first if k % 2 == 0 else second, out)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        return pid

    pids = [writer(new, old), writer(old, new)]
    assert all(os.waitpid(pid, 0)[1] == 0 for pid in pids)
    _check_after_kill(out, expected)  # every file complete, no false hand edit
    _check_repaired(out)  # and each manifest records exactly the bytes on disk
