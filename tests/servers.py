"""Real servers and long-running osmu processes for end-to-end tests (no mocks).

Everything is started through the repo's own scripts (scripts/prefect-server.sh,
scripts/postgres.sh) or the real CLIs, on free local ports, with a private PREFECT_HOME,
and stopped by process group so nothing outlives the test.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PREFECT = str(BIN / "prefect")


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def base_env(**extra: str) -> dict[str, str]:
    """Environment for child processes: this checkout first on the path, Prefect quiet and fast."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_") or k == "PREFECT_HOME"}
    env.update(
        PYTHONPATH=str(ROOT),
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        PREFECT_BIN=PREFECT,
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        PREFECT_RUNNER_POLL_FREQUENCY="1",
        PREFECT_LOGGING_HANDLERS_CONSOLE_FORMATTER="simple",
    )
    env.update(extra)
    return env


def script(name: str, *args: str, env: dict[str, str], timeout: float = 120) -> str:
    """Run scripts/<name> and return its stdout (fails loudly with its output)."""
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / name), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"{name} {args}: rc={done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@contextmanager
def prefect_server(home: Path, **extra_env: str) -> Iterator[str]:
    """A `prefect server start` on a free port (SQLite in `home`, or PostgreSQL via env); yields the API URL."""
    env = base_env(PREFECT_HOME=str(home), **extra_env)
    port = free_port()
    try:
        script("prefect-server.sh", "start", str(port), env=env)
        yield f"http://127.0.0.1:{port}/api"
    finally:
        script("prefect-server.sh", "stop", env=env)


class Proc:
    """A child process in its own session whose output lines are collected as they come."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path = ROOT) -> None:
        self.popen = subprocess.Popen(
            args,
            env=env,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        """Everything printed so far."""
        return "\n".join(self.lines)

    def wait_for(self, check: Callable[[], Any], timeout: float, what: str) -> Any:
        """Poll `check()` until truthy; fail with the process output after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = check()
            if value:
                return value
            if self.popen.poll() is not None:
                raise AssertionError(f"process exited ({self.popen.returncode}) before {what}:\n{self.output}")
            time.sleep(0.1)
        raise AssertionError(f"timed out after {timeout} s waiting for {what}:\n{self.output}")

    def stop(self, sig: int = signal.SIGTERM, grace: float = 15) -> int:
        """Send `sig` to the process group, then SIGKILL it after `grace` seconds; returns the exit code."""
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, sig)
            try:
                self.popen.wait(grace)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(10)
        with_children_gone(self.popen.pid)
        self._reader.join(5)
        return self.popen.returncode


def with_children_gone(pgid: int) -> None:
    """Kill what is left of a process group (flow-run subprocesses of a stopped worker)."""
    with suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


def run_cli(args: list[str], env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """Run a command to completion and return it (output captured)."""
    return subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)
