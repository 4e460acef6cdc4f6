"""Issue 18, part A: the Prefect side of osmu (flows/local_server.py, scripts/prefect-server.sh, flows/stages.py).

A stale `server.pid` killed an unrelated process group (1); Prefect's result storage and the
server's PREFECT_HOME were readable by others (6); the embedded server printed tracebacks
after successful runs and outlived a terminated command (18).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.local_server import LocalServer
from tests.conftest import BOOK, ROOT
from tests.servers import base_env, run_cli

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process identities in /proc")


@contextlib.contextmanager
def unrelated_process_group() -> Iterator[subprocess.Popen[bytes]]:
    """`setsid sleep 10001 &`: somebody else's process, leader of its own group."""
    proc = subprocess.Popen(["sleep", "10001"], start_new_session=True)
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def process_identity(pid: int) -> tuple[bytes, bytes] | None:
    """(start time in clock ticks, command line) of process `pid`, read from /proc (as `server.pid` records them)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[-1].split()
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return fields[19], command.replace(b"\0", b" ").rstrip()


def _running(proc: subprocess.Popen[bytes]) -> bool:
    return proc.poll() is None


def _stale_records(pid: int) -> list[bytes]:
    """What a stale `server.pid` may hold for `pid`: a bare pid (a reboot, an older osmu, anyone
    writing to a shared PREFECT_HOME), or the record of another process that had that pid."""
    start, command = process_identity(pid) or (b"", b"")
    return [
        f"{pid}\n".encode(),
        b"\n".join([str(pid).encode(), str(int(start) - 1).encode(), command]) + b"\n",
        b"\n".join([str(pid).encode(), start, b"/usr/bin/python3 -m prefect server start --port 4200"]) + b"\n",
    ]


# 1. A stale server.pid killed an unrelated process group.


def test_a_stale_pid_file_never_signals_an_unrelated_process(tmp_path: Path) -> None:
    server = LocalServer(tmp_path)
    with unrelated_process_group() as sleeper:
        for record in _stale_records(sleeper.pid):
            (tmp_path / "server.pid").write_bytes(record)
            (tmp_path / "server.port").write_text("1\n")
            assert server.pid() is None and server.url() is None
            assert server.stop(grace=1) is False
            assert _running(sleeper), record
            (tmp_path / "server.pid").write_bytes(record)
            env = base_env(PREFECT_HOME=str(tmp_path))
            done = subprocess.run(["bash", str(ROOT / "scripts" / "prefect-server.sh"), "stop"], env=env,
                                  capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
            assert done.returncode == 0 and "stale" in done.stderr, done.stdout + done.stderr
            assert _running(sleeper), record
            done = subprocess.run(["bash", str(ROOT / "scripts" / "prefect-server.sh"), "url"], env=env,
                                  capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
            assert done.returncode == 1, done.stdout
        # The record of this very process (pid, start time, command line) is ours: stop ends it.
        start, command = process_identity(sleeper.pid) or (b"", b"")
        (tmp_path / "server.pid").write_bytes(b"\n".join([str(sleeper.pid).encode(), start, command]) + b"\n")
        assert server.pid() == sleeper.pid
        assert server.stop(grace=5) is True
        sleeper.wait(timeout=30)
        assert not (tmp_path / "server.pid").exists()


@pytest.mark.flow
@pytest.mark.timeout(600)
def test_osmu_run_with_a_stale_pid_file_kills_nothing_and_keeps_prefect_home_private(
    vault: Path, tmp_path: Path
) -> None:
    """The issue's reproduction, through the real CLI; and the home it makes is 0700 (6)."""
    home, out = tmp_path / "prefect-home", tmp_path / "out"
    home.mkdir(mode=0o700)
    env = base_env(
        PREFECT_HOME=str(home), OSMU_PREFECT_SERVER="auto", PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="180"
    )
    osmu = [sys.executable, "-m", "flows.cli"]
    server = LocalServer(home)
    with unrelated_process_group() as sleeper:
        try:
            (home / "server.pid").write_text(f"{sleeper.pid}\n")
            (home / "server.port").write_text("1\n")
            done = run_cli([*osmu, "run", BOOK, "--vault", str(vault), "--out", str(out)], env, timeout=400)
            assert done.returncode == 0, done.stdout + done.stderr
            assert _running(sleeper)
            assert server.pid() is not None and server.pid() != sleeper.pid
            for name in ("server.pid", "server.log", "server.port"):
                assert stat.S_IMODE((home / name).stat().st_mode) == 0o600, name
            stopped = run_cli([*osmu, "server", "stop"], env)
            assert stopped.returncode == 0 and "stopped" in stopped.stdout, stopped.stdout + stopped.stderr
            assert _running(sleeper)
        finally:
            server.stop(grace=5)
    fresh = tmp_path / "fresh-home"
    started = run_cli([*osmu, "server", "start"], {**env, "PREFECT_HOME": str(fresh)}, timeout=300)
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o700  # Prefect's own mode, not 0755
    finally:
        LocalServer(fresh).stop(grace=5)


# 6. Prefect's result storage kept pickled notes (raw text, `%%` comments, refused private notes).


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_no_note_text_reaches_prefect_result_storage_even_when_results_persist_by_default(
    vault: Path, tmp_path: Path
) -> None:
    from prefect.settings import PREFECT_LOCAL_STORAGE_PATH, PREFECT_RESULTS_PERSIST_BY_DEFAULT, temporary_settings

    from flows.digest import process_story
    from flows.repurpose import repurpose_note
    from tasks.model import NoteError
    from tests.helpers import settings_for

    storage = tmp_path / "storage"
    secret = "PRIVATE-COMMENT-5d1e 아무도 보면 안 되는 메모"
    note = vault / "30-knowledge" / "주석이-있는-노트.md"
    note.write_text(
        f"# 주석\n\n- 공개할 생각은 이것이다, 과정을 공유하면 배운다.\n\n%% {secret} %%\n", encoding="utf-8"
    )
    refused = vault / "30-knowledge" / "비공개-노트.md"
    refused.write_text(f"---\npublish: false\n---\n# 비밀\n\n- {secret}\n", encoding="utf-8")
    settings = settings_for(vault, out=tmp_path / "out")
    with temporary_settings({PREFECT_RESULTS_PERSIST_BY_DEFAULT: True, PREFECT_LOCAL_STORAGE_PATH: storage}):
        assert repurpose_note(note=str(note), settings=settings).ok
        with pytest.raises(NoteError, match="private"):
            repurpose_note(note=str(refused), settings=settings)
        logs = [p for p in vault.rglob("*.md") if "process" in p.read_text(encoding="utf-8")[:400]]
        if logs:  # a process log through the story flow too (its stages are the same tasks)
            with contextlib.suppress(Exception):
                process_story(log=str(logs[0]), settings=settings)
    kept = [p for p in storage.rglob("*") if p.is_file()] if storage.exists() else []
    # Prefect always stores a failed flow's exception (`flow_engine.handle_exception`, write_result=True):
    # here the refusal, `…비공개-노트.md:2: note is private`, and never a line of the note.
    for path in kept:
        data = path.read_bytes()
        with contextlib.suppress(ValueError, KeyError, TypeError):  # {"metadata": …, "result": base64 pickle}
            data += base64.b64decode(json.loads(data)["result"])
        assert secret.encode() not in data and b"PRIVATE-COMMENT" not in data, (path.name, data[:400])
    assert len(kept) <= 1, kept


# 18. Embedded mode printed sqlite tracebacks after successful runs, and leaked its server.


def test_the_embedded_server_logs_no_traceback_into_the_command_output(tmp_path: Path) -> None:
    """The temporary server is a child of the command and writes to its terminal; its logging is
    Prefect's, set up from the environment the command hands it (flows/quiet.py)."""
    code = (
        "from flows.quiet import quiet_prefect; quiet_prefect()\n"
        "import asyncio, logging, os\n"
        "os.environ['PREFECT__SERVER_EPHEMERAL'] = '1'\n"
        "from prefect.logging.configuration import setup_logging\n"
        "setup_logging()\n"
        "log = logging.getLogger('prefect.server.services.task_run_recorder')\n"
        "try:\n"
        "    raise asyncio.CancelledError()\n"
        "except asyncio.CancelledError:\n"
        "    log.error('Error flushing 1 events (1 to retry, 0 dropped)', exc_info=True)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PYTHONPATH=str(ROOT), PREFECT_HOME=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr + done.stdout and "Error flushing" not in done.stderr, done.stderr


def _children(pid: int, word: bytes) -> list[int]:
    """Processes whose parent is `pid` and whose command line holds `word`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_bytes().rsplit(b")", 1)[-1].split()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == pid and word in command:
            found.append(int(entry.name))
    return found


@pytest.mark.flow
@pytest.mark.timeout(600)
def test_a_terminated_command_leaves_no_embedded_server_behind(vault: Path, tmp_path: Path) -> None:
    env = base_env(PREFECT_HOME=str(tmp_path / "home"), OSMU_PREFECT_SERVER="embedded",
                   PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="300")  # fmt: skip
    args = [sys.executable, "-m", "flows.cli", "run", BOOK, "--vault", str(vault), "--out", str(tmp_path / "out")]
    osmu = subprocess.Popen(args, env=env, cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        servers: list[int] = []
        deadline = time.monotonic() + 300
        while not servers and osmu.poll() is None and time.monotonic() < deadline:
            servers = _children(osmu.pid, b"uvicorn")
            time.sleep(0.2)
        assert servers, "the embedded server never started"
        identities = {pid: process_identity(pid) for pid in servers}
        osmu.send_signal(signal.SIGTERM)  # `timeout`, systemd, a closed terminal (SIGHUP) do this
        osmu.wait(timeout=120)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and any(process_identity(p) == i for p, i in identities.items()):
            time.sleep(0.2)
        left = [p for p, i in identities.items() if process_identity(p) == i]
        assert not left, f"embedded server still running: {left}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(osmu.pid, signal.SIGKILL)
        osmu.wait()
