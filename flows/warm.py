"""The warm process: Prefect, the CLI's libraries and the stages imported, the Korean analyser loaded.

`osmu run` (through flows/launch.py) hands its command to it; it forks a child per command
(flows/warm_child.py), which runs the CLI with the command's argv, working folder, environment
and terminal, so a one-note run skips ~2 s of imports and analyser load. Like a Gradle daemon or
a zygote: the fork copies the warm state, each command still gets a process of its own.

Files in `<PREFECT_HOME>/osmu-warm/` (mode 0700): `sock` (the Unix socket, 0600; callers of
another user are refused), `warm.json` (pid, fingerprint of the loaded code, Prefect API URL),
`warm.log` (its own errors; never the callers' environment, which may hold LLM keys).

It serves one checkout, one Python and one Prefect server: a caller with other code (see
`launch.fingerprint`) is refused, and a warm process whose code changed on disk exits (the
next in-process command starts a fresh one). It exits after `OSMU_WARM_IDLE` seconds without a
command (default 4 h), when its Prefect server stops, and on `osmu server stop`.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flows.launch import ROOT, SOCKET_NAME, fingerprint, short_path, warm_dir
from flows.local_server import locked, stop_group

IDLE_ENV = "OSMU_WARM_IDLE"
IDLE_DEFAULT = 4 * 3600.0
"""Seconds without a command after which the warm process exits."""
START_TIMEOUT = 60.0
"""Seconds `start(wait=True)` waits for the socket (imports and the analyser: ~2 s idle, ~6 s loaded)."""


def info(home: Path | None = None) -> dict[str, Any] | None:
    """What `warm.json` says, when its process is alive (and serving)."""
    try:
        data: dict[str, Any] = json.loads((warm_dir(home) / "warm.json").read_text(encoding="utf-8"))
        pid = int(data["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return data if _is_warm(pid) else None


def starting(home: Path | None = None) -> int | None:
    """The pid of a warm process that was started and is still warming up (no socket yet), if any."""
    try:
        pid = int((warm_dir(home) / "warm.pid").read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None
    return pid if _is_warm(pid) and info(home) is None else None


def start(home: Path | None = None, wait: bool = False, env: dict[str, str] | None = None) -> int | None:
    """Start a warm process for PREFECT_HOME unless one runs or warms up (detached); its pid.

    `wait=True`: wait until it serves (None if it did not come up)."""
    folder = warm_dir(home)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)  # the socket's folder: this user's only, even if it existed before
    with locked(folder / "warm.lock"):  # two commands ending at once start one warm process
        running = info(home)
        if running:
            return int(running["pid"])
        pid = starting(home)
        if pid is None:
            pid = _spawn(folder, home, env)
    if not wait:
        return pid
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and _running(pid):
        if info(home):
            return pid
        time.sleep(0.1)
    return None


def _spawn(folder: Path, home: Path | None, env: dict[str, str] | None) -> int:
    env = dict(os.environ if env is None else env)
    if home is not None:
        env["PREFECT_HOME"] = str(home)
    with (folder / "warm.log").open("ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "flows.warm"],
            cwd=ROOT,  # `-m` finds this checkout's flows first
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,  # outlives the command; `stop` ends its whole group
        )
    (folder / "warm.pid").write_text(f"{proc.pid}\n", encoding="utf-8")
    return proc.pid


def stop(home: Path | None = None, grace: float = 10.0) -> bool:
    """Stop the warm process (serving or warming up) and its running children; True if one was running."""
    running = info(home)
    pid = int(running["pid"]) if running else starting(home)
    folder = warm_dir(home)
    if pid is not None:
        stop_group(pid, grace, _group_alive)
    for name in (SOCKET_NAME, "warm.json", "warm.pid"):
        (folder / name).unlink(missing_ok=True)
    return pid is not None


def _is_warm(pid: int) -> bool:
    """True when `pid` is alive and a warm process (not another program that got a recycled pid)."""
    try:
        return b"flows.warm" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: trust the pid
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True


def start_for_next_time(original_env: dict[str, str]) -> None:
    """After a command ran in-process: in auto mode with the local server up, make sure a current warm process runs.

    `original_env` is the environment the command started with (the CLI adds PREFECT_API_URL).
    A warm process for other code or another server is replaced. Never in embedded mode, with a
    PREFECT_API_URL of the user's own, or when OSMU_NO_WARM is set.
    """
    from flows.local_server import LocalServer, _profile_api_url

    mode = original_env.get("OSMU_PREFECT_SERVER", "auto").strip() or "auto"
    if mode != "auto" or original_env.get("PREFECT_API_URL") or original_env.get("OSMU_NO_WARM"):
        return
    if _profile_api_url():
        return
    url = LocalServer.from_env().url()
    if url is None:
        return
    running = info()
    if running and running.get("fingerprint") == fingerprint() and running.get("api_url") == url:
        return
    if running is None and starting() is not None:
        return  # one is warming up (started by a command that ended a moment ago)
    if running:
        stop()
    start(env=original_env)


def serve() -> None:
    """The warm process's main: warm up, then serve commands until idle, stale, orphaned or stopped."""
    from flows.local_server import LocalServer, use_server
    from flows.quiet import quiet_prefect

    quiet_prefect()
    use_server(start=False)  # the local server's URL, as a command would see it (Prefect reads it at import)
    api_url = os.environ.get("PREFECT_API_URL", "")
    server = LocalServer.from_env()
    if not api_url:
        print("osmu warm process: no Prefect server running; not starting", file=sys.stderr)
        return
    code = fingerprint()  # before the imports: a file edited meanwhile makes this process stale at once
    from flows.warm_up import warm_up

    rehearsal = warm_up(ROOT)
    folder = warm_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    from flows.warm_loop import Loop, log

    loop = Loop(code, float(os.environ.get(IDLE_ENV) or IDLE_DEFAULT), server.pid())
    log(f"pid {os.getpid()} ready for {api_url} (code of {ROOT}; {rehearsal})")
    with _listening(folder / SOCKET_NAME) as listener:
        (folder / "warm.json").write_text(
            json.dumps({"pid": os.getpid(), "fingerprint": code, "api_url": api_url, "root": str(ROOT)}) + "\n",
            encoding="utf-8",
        )
        try:
            loop.run(listener)
        finally:
            with contextlib.suppress(OSError):
                if json.loads((folder / "warm.json").read_text(encoding="utf-8")).get("pid") == os.getpid():
                    (folder / "warm.json").unlink()


@contextlib.contextmanager
def _listening(path: Path) -> Iterator[socket.socket]:
    """The listening socket at `path` (0600), replacing a dead one's leftover; removed on exit."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    with short_path(path) as address:
        with contextlib.suppress(FileNotFoundError):
            probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                probe.connect(address)
                raise SystemExit("osmu warm process: another one is serving this PREFECT_HOME")
            except ConnectionRefusedError:
                os.unlink(path)
            finally:
                probe.close()
        previous = os.umask(0o177)
        try:
            sock.bind(address)
        finally:
            os.umask(previous)
    sock.listen(16)
    sock.setblocking(False)
    try:
        yield sock
    finally:
        sock.close()
        with contextlib.suppress(OSError):
            os.unlink(path)


def _running(pid: int) -> bool:
    """A process just started is still there (its cmdline names flows.warm only after exec; ours is reaped)."""
    with contextlib.suppress(ChildProcessError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            return False
    return _group_alive(pid)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


if __name__ == "__main__":
    serve()
