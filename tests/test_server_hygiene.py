"""The local Prefect server is always the one osmu started: busy ports, other servers, other databases, no analytics.

scripts/prefect-server.sh and flows/local_server.py, with real `prefect server start` processes
and a stand-in "other server" (a plain HTTP server answering like a Prefect server of another
PREFECT_HOME) holding a port.
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from flows.local_server import LocalServer, ServerError, busy_note, process_identity, serves_home
from tests.conftest import BOOK, ROOT
from tests.servers import base_env

POSTGRES = "postgresql+asyncpg://prefect:prefect@127.0.0.1:9/prefect"
"""A PostgreSQL database URL (never reached: the server of another database is refused first)."""


class _OtherServer(BaseHTTPRequestHandler):
    """Answers every GET like a healthy Prefect server of another PREFECT_HOME."""

    def do_GET(self) -> None:
        body = json.dumps({"home": "/somewhere/else/.prefect"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def other_server() -> Iterator[int]:
    """Another server holding a port; yields the port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OtherServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def _script(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(ROOT / "scripts" / "prefect-server.sh"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=150,
        check=False,
    )


def _environ(pid: int) -> dict[str, str]:
    """The environment process `pid` was started with (Linux /proc)."""
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    return dict(item.split("=", 1) for item in raw.decode(errors="replace").split("\0") if "=" in item)


def _analytics_off(url: str, pid: int) -> None:
    with urllib_open(f"{url}/admin/settings") as settings:
        assert settings["server"]["analytics_enabled"] is False
    if Path("/proc").is_dir():
        env = _environ(pid)
        assert env.get("DO_NOT_TRACK") == "1" and env.get("PREFECT_SERVER_ANALYTICS_ENABLED") == "false"


@contextmanager
def urllib_open(url: str) -> Iterator[dict[str, object]]:
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as response:
        yield json.load(response)


@pytest.mark.flow
@pytest.mark.timeout(400)
def test_script_skips_a_busy_port_says_which_and_never_hands_back_another_server(tmp_path: Path) -> None:
    home = tmp_path / "prefect-home"
    env = {k: v for k, v in base_env(PREFECT_HOME=str(home)).items() if k not in ("DO_NOT_TRACK",)}
    env.pop("PREFECT_SERVER_ANALYTICS_ENABLED")  # the script turns analytics off by itself
    with other_server() as busy:
        try:
            started = _script("start", str(busy), env=env)
            assert started.returncode == 0, started.stdout + started.stderr
            (line,) = started.stdout.splitlines()
            url = line.removeprefix("export PREFECT_API_URL=")
            port = int(url.split(":")[-1].split("/")[0])
            assert port != busy and f"port {busy} is busy; using {port}" in started.stderr, started.stderr
            assert serves_home(url, home) and not serves_home(f"http://127.0.0.1:{busy}/api", home)
            pid = int((home / "server.pid").read_text().split()[0])
            _analytics_off(url, pid)

            again = _script("start", str(busy), env=env)  # the same server again
            assert again.returncode == 0 and again.stdout.strip() == line, again.stdout + again.stderr

            postgres = _script("start", env={**env, "PREFECT_API_DATABASE_CONNECTION_URL": POSTGRES})
            assert postgres.returncode == 1 and "export" not in postgres.stdout, postgres.stdout
            assert "another database already runs" in postgres.stderr, postgres.stderr
            assert int((home / "server.pid").read_text().split()[0]) == pid  # left alone
        finally:
            _script("stop", env=env)


@pytest.mark.flow
@pytest.mark.timeout(400)
def test_local_server_skips_a_busy_port_and_the_postgres_path_refuses_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "prefect-home"
    monkeypatch.delenv("PREFECT_API_DATABASE_CONNECTION_URL", raising=False)
    with other_server() as busy:
        server = LocalServer(home, first_port=busy)
        try:
            url, started = server.start()
            assert started and serves_home(url, home), url
            assert busy_note(url, busy) == f" (port {busy} was busy)"
            pid = server.pid()
            assert pid is not None
            _analytics_off(url, pid)
            assert server.start() == (url, False)
            cli = subprocess.run(  # what the README's `eval "$(osmu server start | grep '^export ')"` reads
                [sys.executable, "-m", "flows.cli", "server", "start"],
                env=base_env(PREFECT_HOME=str(home)),
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            assert cli.returncode == 0 and f"\nexport PREFECT_API_URL={url}\n" in f"\n{cli.stdout}", cli.stdout

            # What `osmu run` started is SQLite: the PostgreSQL path never hands it back.
            monkeypatch.setenv("PREFECT_API_DATABASE_CONNECTION_URL", POSTGRES)
            with pytest.raises(ServerError, match="another database already runs"):
                server.start()
            env = base_env(PREFECT_HOME=str(home), PREFECT_API_DATABASE_CONNECTION_URL=POSTGRES)
            script = _script("start", env=env)
            assert script.returncode == 1 and "export" not in script.stdout, script.stdout + script.stderr
            assert server.pid() == pid
        finally:
            server.stop(grace=5)


def test_another_server_on_the_recorded_port_is_not_reused(tmp_path: Path) -> None:
    with other_server() as port:
        (tmp_path / "server.port").write_text(f"{port}\n")
        identity = process_identity(os.getpid())  # a live process, recorded as flows/local_server.py does
        assert identity is not None
        (tmp_path / "server.pid").write_bytes(b"\n".join([str(os.getpid()).encode(), *identity]) + b"\n")
        assert LocalServer(tmp_path).url() is None
        assert serves_home(f"http://127.0.0.1:{port}/api", Path("/somewhere/else/.prefect"))


def _in_terminal(args: list[str], env: dict[str, str], cwd: Path, timeout: float) -> tuple[int, str]:
    """Run `args` on a pseudo-terminal (Prefect shows its analytics notice only to a terminal)."""
    pid, fd = pty.fork()
    if pid == 0:  # the child
        os.chdir(cwd)
        os.execve(args[0], args, env)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                data = os.read(fd, 65536)
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
    else:
        os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), b"".join(chunks).decode(errors="replace")


@pytest.mark.flow
@pytest.mark.timeout(300)
def test_osmu_run_in_a_terminal_sends_no_analytics(vault: Path, tmp_path: Path) -> None:
    from prefect._internal.analytics.ci_detection import CI_ENV_VARS

    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PREFECT_", "OSMU_")) and k not in CI_ENV_VARS and k != "DO_NOT_TRACK"
    }
    env.update(PYTHONPATH=str(ROOT), PREFECT_HOME=str(tmp_path / "new-user"), OSMU_PREFECT_SERVER="embedded")
    args = [sys.executable, "-m", "flows.cli", "run", BOOK, "--vault", str(vault), "--out", str(tmp_path / "out")]
    code, output = _in_terminal([*args, "--channels", "blog"], env, tmp_path, timeout=240)
    assert code == 0, output
    assert "preview:" in output, output
    assert "anonymous usage" not in output, output
    assert not (tmp_path / "new-user" / ".sdk_telemetry" / "notice_shown").exists()
