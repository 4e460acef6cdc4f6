"""A local Prefect server that osmu starts once and reuses, so `osmu run` skips Prefect's start.

Without `PREFECT_API_URL`, Prefect starts a temporary server inside every process (~5 s on the
2-core build machine, ~10 s on a fresh PREFECT_HOME) and stops it at exit. `osmu run` instead
starts `prefect server start` once, detached, and later runs find it through the files it
leaves in PREFECT_HOME (the same files as scripts/prefect-server.sh, so either can stop it):
`server.pid` (its process group), `server.port`, `server.log`.

`server.pid` holds the server's pid, its start time and its command line, one a line, and a
signal goes only to a process whose three match: a stale file (a reboot, a reused pid, a pid
someone wrote there; PREFECT_HOME may be shared) never kills an unrelated process group.

`OSMU_PREFECT_SERVER` chooses: `auto` (default: reuse that server, start it if needed),
`embedded` (Prefect's temporary server per process, nothing left running), or an API URL.
A `PREFECT_API_URL` in the environment or in the active Prefect profile always wins. Stdlib
only: this runs before Prefect is imported (Prefect reads PREFECT_API_URL once, at import).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from flows.quiet import OFFLINE

MODE_ENV = "OSMU_PREFECT_SERVER"
MODES = ("auto", "embedded")
"""Values of OSMU_PREFECT_SERVER besides an `http(s)://…/api` URL."""
PREFERRED_PORT = 4200
"""Prefect's usual port (the UI's address in its docs); the next ones when taken."""
PORTS_TRIED = 20
"""Ports tried from PREFERRED_PORT on (`prefect server start` exits at once on a port in use)."""
START_TIMEOUT = 90.0
"""Seconds to wait for /api/health (a fresh database on a loaded 2-core box: ~10-20 s)."""


class ServerError(RuntimeError):
    """The local server could not be started (the message says where its log is)."""


@dataclass(frozen=True, slots=True)
class LocalServer:
    """The files a local server leaves in PREFECT_HOME."""

    home: Path
    """PREFECT_HOME of the server (its SQLite database lives there too)."""
    first_port: int = PREFERRED_PORT
    """The first port tried; when it is busy, the next free one (`busy_note` says so)."""

    @classmethod
    def from_env(cls) -> LocalServer:
        """The server of this process's PREFECT_HOME (Prefect's default: ~/.prefect)."""
        return cls(Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser())

    @property
    def log(self) -> Path:
        """The server's output."""
        return self.home / "server.log"

    @property
    def pid_file(self) -> Path:
        """The server's pid, start time and command line (see `process_identity`)."""
        return self.home / "server.pid"

    def pid(self) -> int | None:
        """The recorded process id, if that very process still runs (same start time and command line)."""
        try:
            lines = self.pid_file.read_bytes().split(b"\n")
            pid = int(lines[0])
        except (OSError, ValueError):
            return None
        recorded = tuple(lines[1:3])
        if len(recorded) < 2 or not all(recorded):
            return None  # a bare pid proves nothing: it may name anyone's process by now
        return pid if process_identity(pid) == recorded else None

    def _record(self, pid: int) -> None:
        """Write `server.pid` for the server just started (after its exec: the command line is the server's)."""
        identity = process_identity(pid)
        if identity is None:  # it exited at once (a port in use): `_spawn` sees it and says why
            return
        private_write(self.pid_file, b"\n".join([str(pid).encode(), *identity]) + b"\n")

    def url(self) -> str | None:
        """The API URL when the recorded server is alive and answers as this home's, else None.

        Never another server that happens to answer on the recorded port.
        """
        try:
            port = int((self.home / "server.port").read_text().strip())
        except (OSError, ValueError):
            return None
        url = f"http://127.0.0.1:{port}/api"
        return url if self.pid() is not None and serves_home(url, self.home) else None

    def database(self) -> str:
        """Digest of the database the recorded server was started with (SQLite when none is recorded)."""
        try:
            return (self.home / "server.database").read_text().strip()
        except OSError:
            return database_digest(None)

    def start(self) -> tuple[str, bool]:
        """The API URL of the running server, starting one if none is (returns whether it started one).

        A lock file makes concurrent `osmu run`s share one server instead of racing to start two.
        The port is `first_port` (Prefect's usual 4200), else the next free one. A server of this
        home that runs with another database (scripts/prefect-server.sh on PostgreSQL) is an error.
        """
        self.home.mkdir(mode=0o700, parents=True, exist_ok=True)  # as Prefect makes it: its database holds run data
        wanted = database_digest(os.environ.get("PREFECT_API_DATABASE_CONNECTION_URL"))
        with locked(self.home / "server.lock"):
            url = self.url()
            if url and self.database() != wanted:
                raise ServerError(
                    f"a Prefect server with another database already runs for PREFECT_HOME={self.home} ({url}); "
                    "stop it first: osmu server stop"
                )
            if url:
                return url, False
            self.stop()  # a dead or unhealthy server's leftovers
            for port in range(self.first_port, self.first_port + PORTS_TRIED):
                if not port_free(port):
                    continue  # another program (another Prefect server…) listens there
                url = self._spawn(port, wanted)
                if url:
                    return url, True
            raise ServerError(
                f"no free port in {self.first_port}-{self.first_port + PORTS_TRIED - 1} for the Prefect server"
            )

    def _spawn(self, port: int, database: str) -> str | None:
        """Start `prefect server start` on `port`; its URL once healthy, None when the port was taken."""
        from flows.quiet import EMBEDDED_ONLY, QUIET_PREFECT

        env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
        for key in EMBEDDED_ONLY:  # the server's own log keeps its errors
            if env.get(key) == QUIET_PREFECT[key]:
                del env[key]
        env.update(OFFLINE, PREFECT_HOME=str(self.home))
        with os.fdopen(os.open(self.log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as log:
            os.fchmod(log.fileno(), 0o600)
            proc = subprocess.Popen(
                [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # outlives this command; `stop` ends its whole group
            )
        private_write(self.home / "server.port", f"{port}\n".encode())
        private_write(self.home / "server.database", f"{database}\n".encode())
        self._record(proc.pid)  # Popen returns once the exec is done
        url = f"http://127.0.0.1:{port}/api"
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            # this server, not another one that took the port meanwhile (nor one answering while ours died)
            if serves_home(url, self.home) and proc.poll() is None:
                return url
            time.sleep(0.2)
        self.stop()
        if proc.poll() is not None and re.search(rb"already in use|already running on port", self.log.read_bytes()):
            return None
        raise ServerError(f"the Prefect server did not become healthy; see {self.log}")

    def stop(self, grace: float = 10.0) -> bool:
        """Stop the recorded server and its children (SIGTERM, then SIGKILL); True if one was running."""
        pid = self.pid()
        self.pid_file.unlink(missing_ok=True)
        if pid is None:
            return False
        stop_group(pid, grace, alive)
        return True


def healthy(url: str, timeout: float = 1.0) -> bool:
    """True when `<url>/health` answers 200."""
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=timeout) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def serves_home(url: str, home: Path, timeout: float = 2.0) -> bool:
    """True when the Prefect server at `url` is the one of PREFECT_HOME `home` (its /admin/settings say so)."""
    try:
        with urllib.request.urlopen(f"{url}/admin/settings", timeout=timeout) as response:
            served = json.load(response).get("home")
    except (OSError, ValueError, AttributeError):
        return False
    return bool(served) and Path(served).resolve() == home.resolve()


def port_free(port: int) -> bool:
    """True when nothing accepts connections on 127.0.0.1:`port` (the connection is refused).

    Anything else (an HTTP answer, an error page, a reset, a timeout) means another program holds it;
    a port taken in between is caught by `_spawn` (`prefect server start` exits: already in use).
    """
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1.0):
            return False
    except urllib.error.HTTPError:
        return False
    except urllib.error.URLError as exc:
        return isinstance(exc.reason, ConnectionRefusedError)
    except OSError:
        return False


def database_digest(url: str | None) -> str:
    """What `server.database` records: a digest of the database URL (it may hold a password); SQLite when None.

    scripts/prefect-server.sh records the same digest.
    """
    return hashlib.sha256((url or "sqlite").encode()).hexdigest()[:16]


def busy_note(url: str, first_port: int = PREFERRED_PORT) -> str:
    """`" (port 4200 was busy)"` when the server at `url` runs on another port than the first one tried."""
    port = int(url.rsplit(":", 1)[1].split("/", 1)[0])
    return f" (port {first_port} was busy)" if port != first_port else ""


def use_server(start: bool) -> str | None:
    """Point this process at a Prefect server per OSMU_PREFECT_SERVER; returns a line to show, if any.

    Call before importing Prefect. `start=False` only reuses a running local server (long commands
    pay Prefect's start once anyway); `start=True` (`osmu run`) starts one when none runs.
    """
    if os.environ.get("PREFECT_API_URL") or _profile_api_url():
        return None
    mode = os.environ.get(MODE_ENV, "auto").strip() or "auto"
    if mode == "embedded":
        return None
    if mode != "auto":
        if not mode.startswith(("http://", "https://")):
            raise ServerError(f"{MODE_ENV}={mode!r}: expected auto, embedded or an http(s)://…/api URL")
        os.environ["PREFECT_API_URL"] = mode
        return None
    server = LocalServer.from_env()
    if not start:
        url = server.url()
        if url:
            os.environ["PREFECT_API_URL"] = url
        return None
    try:
        url, started = server.start()
    except (ServerError, OSError) as exc:  # never fail the run for it: Prefect's temporary server still works
        return f"no local Prefect server ({exc}); running embedded"
    os.environ["PREFECT_API_URL"] = url
    if started:
        return f"started a local Prefect server for later runs: {url}{busy_note(url)} (`osmu server stop` stops it)"
    return None


def _profile_api_url() -> str | None:
    """PREFECT_API_URL of the active Prefect profile (`prefect config set PREFECT_API_URL=…`), if set."""
    home = LocalServer.from_env().home
    path = Path(os.environ.get("PREFECT_PROFILES_PATH") or home / "profiles.toml").expanduser()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    name = os.environ.get("PREFECT_PROFILE") or data.get("active") or "ephemeral"
    url = data.get("profiles", {}).get(name, {}).get("PREFECT_API_URL")
    return str(url) if url else None


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Holds an exclusive lock on `path` (created if missing) while inside: one starter at a time."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def stop_group(pgid: int, grace: float, running: Callable[[int], bool]) -> None:
    """SIGTERM the process group `pgid`, wait up to `grace` seconds while `running(pgid)`, then SIGKILL what is left."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and running(pgid):
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


def private_write(path: Path, data: bytes) -> None:
    """Write `data` to a file only its owner can read (what PREFECT_HOME holds is nobody else's business)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # a file left by an older osmu or by hand keeps its mode otherwise
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def process_identity(pid: int) -> tuple[bytes, bytes] | None:
    """(start time, command line) of a running process, or None when no process has that id.

    Linux: the start time in clock ticks since boot (`/proc/<pid>/stat`, field 22) and the
    arguments joined by spaces; elsewhere what `ps` says (`lstart`, `command`). A zombie has
    no command line, so it matches no record. scripts/prefect-server.sh computes the same.
    """
    if Path("/proc/self/stat").exists():
        try:
            stat = Path(f"/proc/{pid}/stat").read_bytes()
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return None
        fields = stat.rsplit(b")", 1)[-1].split()
        if len(fields) < 20:
            return None
        return fields[19], command.replace(b"\0", b" ").rstrip()
    ps = ["ps", "-p", str(pid), "-o"]  # pragma: no cover - macOS and the BSDs
    try:  # pragma: no cover
        start = subprocess.run([*ps, "lstart="], capture_output=True, check=True).stdout.strip()
        command = subprocess.run([*ps, "command="], capture_output=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):  # pragma: no cover
        return None
    return (start, command) if start and command else None  # pragma: no cover


def alive(pid: int) -> bool:
    """Whether process `pid` runs (a zombie child of this process counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (ours only if we started it in this process) counts as gone.
    with contextlib.suppress(ChildProcessError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    return True
