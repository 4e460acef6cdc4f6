"""The `osmu` command's entry point: hand short commands to the warm process, else run in-process.

The warm process (flows/warm.py) has Prefect, the CLI's libraries and the stages imported and
the Korean analyser loaded; it forks a child per command. This launcher stays stdlib-only
(~30 ms to start): it connects to the warm process's Unix socket in PREFECT_HOME, sends argv,
working folder, environment and its stdin/stdout/stderr (the child writes straight to them),
forwards SIGINT/SIGTERM to the child and exits as the child did. No warm process, a stale or
unsuitable one, or any trouble before the child started → the command runs in this process
(`flows.cli:main`), exactly as without a warm process, and in auto mode a warm process is started
afterwards for the next command. Only one-shot commands go through it; `watch`, `sweep`,
`serve` and `server` always run in-process.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import struct
import sys
from collections.abc import Iterator
from pathlib import Path

WARM_COMMANDS = frozenset({"run", "insights", "story", "digest", "lint"})
"""Commands the warm process runs (one-shot; the long-running ones keep their own process)."""
PROTOCOL = 1
"""Bumped whenever launcher and warm process would no longer understand each other."""
ROOT = Path(__file__).resolve().parent.parent
"""The checkout whose code the warm process must be running."""
CODE_DIRS = ("flows", "tasks", "channel_templates", "config")
"""What the warm process has loaded (code, channel templates, the default settings)."""
SOCKET_NAME = "sock"
_HEADER = struct.Struct("!I")


def warm_dir(home: Path | None = None) -> Path:
    """Where the warm process keeps its socket, pid and log: `<PREFECT_HOME>/osmu-warm` (mode 0700)."""
    if home is None:
        home = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()
    return home / "osmu-warm"


@contextlib.contextmanager
def short_path(path: Path) -> Iterator[str]:
    """A path to `path` that fits a Unix socket address (108 bytes): via /proc/self/fd when too long."""
    if len(os.fsencode(path)) < 100:
        yield str(path)
        return
    fd = os.open(path.parent, os.O_PATH | os.O_DIRECTORY)
    try:
        yield f"/proc/self/fd/{fd}/{path.name}"
    finally:
        os.close(fd)


def fingerprint() -> str:
    """What the warm process's loaded code depends on: its files (paths, sizes, mtimes), Python, installed packages.

    Stat only (~1 ms): an edited module, template or default setting, another Python or a `pip install`
    (site-packages changes) makes a warm process stale. `sys.path[0]` is left out: it is the script's
    folder for the `osmu` console script, this checkout for the warm process (`-m`).
    """
    parts = [sys.executable, sys.version, *sys.path[1:]]
    for entry in sys.path[1:]:
        with contextlib.suppress(OSError):
            parts.append(f"{entry}:{os.stat(entry or '.').st_mtime_ns}")
    for name in CODE_DIRS:
        for folder, dirs, files in os.walk(ROOT / name):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
            for file in sorted(files):
                with contextlib.suppress(OSError):
                    st = os.stat(os.path.join(folder, file))
                    parts.append(f"{folder}/{file}:{st.st_size}:{st.st_mtime_ns}")
    import hashlib

    return hashlib.sha256("\n".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


def send_frame(sock: socket.socket, payload: dict[str, object], fds: list[int] | None = None) -> None:
    """One length-prefixed JSON message, with file descriptors attached to its first byte."""
    data = json.dumps(payload).encode("utf-8", "surrogateescape")
    data = _HEADER.pack(len(data)) + data
    if fds:
        sent = socket.send_fds(sock, [data], fds)
        sock.sendall(data[sent:])
    else:
        sock.sendall(data)


def recv_frame(sock: socket.socket, maxfds: int = 0) -> tuple[dict[str, object] | None, list[int]]:
    """One message (None at end of stream) and the file descriptors that came with it (at most `maxfds`)."""
    if maxfds:
        start, fds, _, _ = socket.recv_fds(sock, _HEADER.size, maxfds)
    else:
        start, fds = sock.recv(_HEADER.size), []
    head = _exactly(sock, start, _HEADER.size) if start else None
    body = _exactly(sock, b"", _HEADER.unpack(head)[0]) if head else None
    if body is None:
        _close_all(fds)
        return None, []
    return json.loads(body.decode("utf-8", "surrogateescape")), fds


def _exactly(sock: socket.socket, data: bytes, size: int) -> bytes | None:
    """`data` completed to `size` bytes from the socket (never reading past them); None at end of stream."""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _close_all(fds: list[int]) -> None:
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)


def same_user(sock: socket.socket) -> bool:
    """True when the process at the other end of a Unix socket runs as this user (SO_PEERCRED)."""
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return bool(uid == os.getuid())


def _through_warm(argv: list[str]) -> int | None:
    """Run the command in a child of the warm process; its exit code, or None to run it here instead."""
    if len(argv) < 2 or argv[1] not in WARM_COMMANDS:
        return None
    if os.environ.get("OSMU_PREFECT_SERVER", "").strip() == "embedded" or os.environ.get("OSMU_NO_WARM"):
        return None
    path = warm_dir() / SOCKET_NAME
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        with short_path(path) as address:
            sock.connect(address)
        if not same_user(sock):
            return None
        return _hand_over(sock, argv)
    except OSError:
        return None
    finally:
        sock.close()


def _hand_over(sock: socket.socket, argv: list[str]) -> int | None:
    child: list[int] = []  # the child's pid, once the warm process has said it
    pending: list[int] = []  # signals that came before it

    def forward(number: int, _frame: object) -> None:
        if not child:
            pending.append(number)
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(child[0], number)

    previous = {number: signal.signal(number, forward) for number in FORWARDED}
    try:
        _send_request(sock, argv)
        first, _ = recv_frame(sock)
        if first and "pid" in first:
            child.append(int(str(first["pid"])))
            for number in pending:
                forward(number, None)
            first = None
        elif not first or "refused" in first:
            return None  # refused before starting anything (stale, another checkout): run here
        return _wait(sock, first)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
"""Signals the launcher passes on to the child (Ctrl-C, kill, a closed terminal)."""


def _send_request(sock: socket.socket, argv: list[str]) -> None:
    cwd = os.open(".", os.O_PATH | os.O_DIRECTORY)
    try:
        request = {
            "protocol": PROTOCOL,
            "root": str(ROOT),
            "fingerprint": fingerprint(),
            "argv": argv,
            "env": dict(os.environ),
            "encodings": [[f.encoding, f.errors] if f else None for f in (sys.stdin, sys.stdout, sys.stderr)],
        }
        send_frame(sock, request, [0, 1, 2, cwd])
    finally:
        os.close(cwd)


def _wait(sock: socket.socket, reply: dict[str, object] | None = None) -> int | None:
    """The child's exit code (dying of its signal when it was killed by one); None: it asked to run here.

    `reply`: a message that came before the child's pid (a quick child may speak first)."""
    while True:
        if reply is None:
            reply, _ = recv_frame(sock)
        if reply is None:  # the warm process itself died: the child's fate is unknown
            return 1
        if "fallback" in reply:  # the child found different settings before doing anything
            return None
        if "exit" in reply:
            return int(str(reply["exit"]))
        if "signal" in reply:  # die of the same signal, as the command itself would have
            number = int(str(reply["signal"]))
            signal.signal(number, signal.SIG_DFL)
            os.kill(os.getpid(), number)
            return 128 + number
        reply = None


def main() -> None:
    """Console-script entry point of `osmu`."""
    argv = [sys.argv[0], *sys.argv[1:]]
    original = dict(os.environ)
    code = None
    with contextlib.suppress(Exception):  # the warm path must never cost the command: fall back
        code = _through_warm(argv)
    if code is not None:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)  # nothing of this process's own needs tearing down
    from flows.cli import main as in_process

    try:
        in_process()
    finally:
        if len(argv) > 1 and argv[1] in WARM_COMMANDS:
            with contextlib.suppress(Exception):  # a warm process for next time is a bonus, never an error
                from flows.warm import start_for_next_time

                start_for_next_time(original)


if __name__ == "__main__":
    main()
