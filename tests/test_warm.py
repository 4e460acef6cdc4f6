"""The warm process (flows/warm.py) behind the `osmu` launcher (flows/launch.py), for real.

One local Prefect server and warm process for the module (`osmu server start` in a private
PREFECT_HOME); every command goes through the launcher as a subprocess, as `osmu` does.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.launch import CODE_DIRS, warm_dir
from flows.local_server import LocalServer
from flows.warm import info
from tests.conftest import BOOK, EXAMPLE_VAULT, ROOT, ROOT_NOTE
from tests.servers import base_env, run_cli

pytestmark = [pytest.mark.flow, pytest.mark.timeout(600)]
SCRIPT = "import sys\nfrom flows.launch import main\nsys.exit(main())\n"
"""What pip writes as the `osmu` console script (`[project.scripts]`), run from its own folder."""


class Warm:
    """The module's PREFECT_HOME, its environment and helpers."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.env = base_env(PREFECT_HOME=str(home), OSMU_PREFECT_SERVER="auto")
        script = home.parent / "bin" / "osmu"
        script.parent.mkdir(parents=True)
        script.write_text(SCRIPT, encoding="utf-8")
        self.cmd = [sys.executable, str(script)]

    def osmu(self, *args: str, env: dict[str, str] | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.cmd, *args], env=env or self.env, cwd=cwd, capture_output=True, text=True, timeout=240, check=False
        )

    def served(self) -> int:
        """How many commands the warm processes of this PREFECT_HOME ran (their log says)."""
        log = warm_dir(self.home) / "warm.log"
        return log.read_text(encoding="utf-8").count(" serving `osmu ") if log.exists() else 0

    def wait_for_warm(self, other_than: int | None = None, timeout: float = 120) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = info(self.home)
            if found and found["pid"] != other_than:
                return int(found["pid"])
            time.sleep(0.2)
        raise AssertionError((warm_dir(self.home) / "warm.log").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def warm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warm]:
    w = Warm(tmp_path_factory.mktemp("warm") / "prefect-home")
    try:
        started = w.osmu("server", "start")
        assert started.returncode == 0, started.stdout + started.stderr
        assert "warm process: started" in started.stdout, started.stdout
        yield w
    finally:
        w.osmu("server", "stop")
        LocalServer(w.home).stop(grace=5)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _own(stderr: str) -> str:
    """osmu's own lines (without Prefect's "Still processing items" at exit, which comes with a slow drain)."""
    return "".join(line for line in stderr.splitlines(keepends=True) if "Still processing items" not in line)


def _tree(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _vault(tmp_path: Path) -> Path:
    target = tmp_path / "vault"
    shutil.copytree(EXAMPLE_VAULT, target, ignore=shutil.ignore_patterns("_osmu"))
    return target


def test_a_warm_run_writes_and_prints_what_an_in_process_run_does(warm: Warm, tmp_path: Path) -> None:
    vault, out = _vault(tmp_path), tmp_path / "out"
    args = ("run", BOOK, ROOT_NOTE, "--vault", str(vault), "--out", str(out))
    here = warm.osmu(*args, env={**warm.env, "OSMU_NO_WARM": "1"})  # the launcher's own fallback
    assert here.returncode == 0, here.stdout + here.stderr
    expected, expected_out = _tree(out), here.stdout
    shutil.rmtree(out)

    folder = warm_dir(warm.home)  # the socket is this user's only
    assert (folder.stat().st_mode & 0o777, (folder / "sock").stat().st_mode & 0o777) == (0o700, 0o600)
    before = warm.served()
    there = warm.osmu(*args)
    assert there.returncode == 0, there.stdout + there.stderr
    assert warm.served() == before + 1  # a child of the warm process ran it
    assert there.stdout == expected_out
    assert _own(there.stderr) == _own(here.stderr)
    assert _tree(out) == expected
    assert len(expected) > 20

    edited = vault / BOOK  # a just-edited note: new insights, outputs written again
    edited.write_text(edited.read_text(encoding="utf-8") + "\n- 새로 쓴 줄: 과정을 다시 기록한다.\n", encoding="utf-8")
    again = warm.osmu("run", BOOK, "--vault", str(vault), "--out", str(out))
    assert again.returncode == 0, again.stdout + again.stderr
    assert warm.served() == before + 2
    manifest = json.loads((out / "프로세스-이코노미" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["insights"]


def test_a_bad_note_fails_the_same_way_through_the_warm_process(warm: Warm, tmp_path: Path) -> None:
    vault = _vault(tmp_path)
    args = ("run", "no-such-note.md", "--vault", str(vault), "--out", str(tmp_path / "out"))
    here = warm.osmu(*args, env={**warm.env, "OSMU_NO_WARM": "1"})
    before = warm.served()
    there = warm.osmu(*args)
    assert warm.served() == before + 1
    assert (there.returncode, there.stdout, _own(there.stderr)) == (here.returncode, here.stdout, _own(here.stderr))
    assert there.returncode == 1
    assert _own(there.stderr).startswith("error: ") and _own(there.stderr).count("\n") == 1, there.stderr
    assert "no-such-note.md" in there.stderr


def test_ctrl_c_stops_the_child(warm: Warm, tmp_path: Path) -> None:
    vault = _vault(tmp_path)
    notes = sorted(str(p.relative_to(vault)) for p in vault.rglob("*.md") if "00-roots" not in p.parts)
    before = warm.served()
    proc = subprocess.Popen(
        [*warm.cmd, "run", *notes, "--vault", str(vault), "--out", str(tmp_path / "out")],
        env=warm.env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while warm.served() == before and time.monotonic() < deadline:
        time.sleep(0.05)
    log = (warm_dir(warm.home) / "warm.log").read_text(encoding="utf-8")
    child = int(log.rsplit(" in pid ", 1)[1].split()[0])
    time.sleep(1.0)  # inside the first notes' flow runs
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err  # typer's exit code for a KeyboardInterrupt, as in-process
    deadline = time.monotonic() + 30  # the child ends after Prefect's exit drain; the warm process reaps it
    while time.monotonic() < deadline and _alive(child):
        time.sleep(0.1)
    assert not _alive(child)
    assert info(warm.home) is not None  # the warm process itself goes on


def test_other_code_and_stale_code_fall_back_and_a_current_warm_process_replaces_it(warm: Warm, tmp_path: Path) -> None:
    copy = tmp_path / "checkout"  # another checkout of osmu: its own code, so its own warm process
    for name in CODE_DIRS:
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    env = {**warm.env, "PYTHONPATH": str(copy)}
    vault, out = _vault(tmp_path), tmp_path / "out"
    first = info(warm.home)
    assert first is not None

    refused = warm.osmu("run", BOOK, "--vault", str(vault), "--out", str(out), env=env, cwd=copy)
    assert refused.returncode == 0, refused.stdout + refused.stderr  # ran in-process
    assert "프로세스-이코노미" in refused.stdout
    replaced = warm.wait_for_warm(other_than=int(first["pid"]))  # a warm process for the copy's code
    before = warm.served()
    served = warm.osmu("run", ROOT_NOTE, "--vault", str(vault), "--out", str(out), env=env, cwd=copy)
    assert served.returncode == 0, served.stdout + served.stderr
    assert warm.served() == before + 1

    template = next((copy / "channel_templates" / "blog").glob("*.j2"))
    template.write_text(template.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # the code changed
    stale = warm.osmu("run", BOOK, "--vault", str(vault), "--out", str(out), env=env, cwd=copy)
    assert stale.returncode == 0, stale.stdout + stale.stderr
    assert warm.served() == before + 1  # refused: ran in-process
    assert "refused `osmu run`: stale" in (warm_dir(warm.home) / "warm.log").read_text(encoding="utf-8")
    fresh = warm.wait_for_warm(other_than=replaced)
    with pytest.raises(ProcessLookupError):
        os.kill(replaced, 0)  # the stale one exited

    # Back to this checkout's code for the other tests (the module's fixture stops whatever runs).
    shutil.rmtree(copy)
    assert warm.osmu("run", BOOK, "--vault", str(vault), "--out", str(out)).returncode == 0
    warm.wait_for_warm(other_than=fresh)


def test_no_warm_process_runs_in_process_and_server_stop_leaves_nothing(warm: Warm, tmp_path: Path) -> None:
    vault, out = _vault(tmp_path), tmp_path / "out"
    running = info(warm.home)
    assert running is not None
    stopped = run_cli([*warm.cmd, "server", "stop"], warm.env)
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    with pytest.raises(ProcessLookupError):
        os.killpg(int(running["pid"]), 0)  # the warm process's whole group is gone
    assert not (warm_dir(warm.home) / "sock").exists()
    status = run_cli([*warm.cmd, "server", "status"], warm.env)
    assert status.returncode == 1 and "warm process: not running" in status.stdout, status.stdout

    before = warm.served()
    embedded = warm.osmu(
        "run", BOOK, "--vault", str(vault), "--out", str(out), env={**warm.env, "OSMU_PREFECT_SERVER": "embedded"}
    )
    assert embedded.returncode == 0, embedded.stdout + embedded.stderr
    assert warm.served() == before and info(warm.home) is None  # embedded: nothing started, nothing left
    assert LocalServer(warm.home).pid() is None
