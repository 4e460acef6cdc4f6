"""The warm process's loop: accept a command, fork a child for it, report how the child ended.

Single-threaded on purpose: `fork()` copies only the calling thread, so a process with other
threads (a Prefect client's event loop, a log worker) could hand a child a lock held forever.
The warm process never runs a flow itself, and checks before each fork that it still has one
thread; if not, it stops serving (callers fall back to running in-process).
"""

from __future__ import annotations

import contextlib
import gc
import os
import selectors
import signal
import socket
import sys
import time
from typing import Any

from flows.launch import PROTOCOL, ROOT, fingerprint, recv_frame, same_user, send_frame
from flows.local_server import alive

SERVER_CHECK_EVERY = 30.0
"""Seconds between checks that the Prefect server this process is tied to still runs."""


def single_threaded() -> bool:
    """True when this process has exactly one thread (Python's and native ones alike)."""
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        import threading

        return threading.active_count() == 1


class Loop:
    """Serve commands until idle for `idle` seconds, stale, stopped (SIGTERM) or the server `server_pid` is gone."""

    def __init__(self, code: str, idle: float, server_pid: int | None) -> None:
        self.code = code
        self.idle = idle
        self.server_pid = server_pid
        self.children: dict[int, socket.socket] = {}
        self.stopping = False
        self.last = time.monotonic()

    def run(self, listener: socket.socket) -> None:
        """The loop; returns when the process should exit (after its running children ended)."""
        wake_r, wake_w = socket.socketpair()
        wake_r.setblocking(False)
        wake_w.setblocking(False)
        signal.set_wakeup_fd(wake_w.fileno())
        signal.signal(signal.SIGCHLD, lambda *_: None)  # a handler, so the wakeup socket hears of it
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        gc.freeze()  # the warm state lives as long as the process; children do not walk it again
        selector = selectors.DefaultSelector()
        selector.register(listener, selectors.EVENT_READ, "listen")
        selector.register(wake_r, selectors.EVENT_READ, "wake")
        next_check = time.monotonic() + SERVER_CHECK_EVERY
        try:
            while not (self.stopping and not self.children):
                if self.stopping and listener.fileno() >= 0:
                    selector.unregister(listener)
                    listener.close()
                timeout = max(0.0, self.last + self.idle - time.monotonic())
                if not self.children and timeout == 0.0:
                    log(f"idle for {self.idle:.0f} s; exiting")
                    self.stopping = True
                    continue
                for key, _ in selector.select(min(timeout, SERVER_CHECK_EVERY) if not self.children else 1.0):
                    if key.data == "listen":
                        self._serve_one(listener, selector, wake_r, wake_w)
                    elif key.data == "wake":
                        with contextlib.suppress(BlockingIOError):
                            wake_r.recv(512)
                    else:  # a caller's connection became readable: it hung up (killed) → end its child
                        self._hung_up(selector, key.fileobj, key.data)  # type: ignore[arg-type]
                self._reap(selector)
                if time.monotonic() >= next_check:
                    next_check = time.monotonic() + SERVER_CHECK_EVERY
                    if not _alive(self.server_pid):
                        log("the Prefect server stopped; exiting")
                        self.stopping = True
        finally:
            signal.set_wakeup_fd(-1)
            selector.close()
            wake_r.close()
            wake_w.close()

    def _stop(self, number: int, _frame: Any) -> None:
        if not self.stopping:
            log(f"{signal.Signals(number).name}; exiting")
        self.stopping = True

    def _serve_one(self, listener: socket.socket, selector: selectors.BaseSelector, *own: socket.socket) -> None:
        got = accept(listener)
        if got is None:
            return
        conn, request, fds = got
        self.last = time.monotonic()
        why = check_request(request, self.code)
        if why is not None and fingerprint() != self.code:  # its own code changed too: replaced after this
            why = "stale: its code changed on disk"
            self.stopping = True
        if why is None and not single_threaded():
            why = "more than one thread: forking is not safe"
            self.stopping = True
        if why is not None or self.stopping:
            log(f"refused {_command(request)}: {why or 'stopping'}")
            reply(conn, {"refused": why or "stopping"})
            _close(fds)
            conn.close()
            return
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            from flows.warm_child import run_child

            others = [listener, *own, *self.children.values()]
            run_child(conn, request, fds, [s.fileno() for s in others])
        _close(fds)
        log(f"serving {_command(request)} in pid {pid}")
        self.children[pid] = conn
        selector.register(conn, selectors.EVENT_READ, pid)
        reply(conn, {"pid": pid})

    def _hung_up(self, selector: selectors.BaseSelector, conn: socket.socket, pid: int) -> None:
        with contextlib.suppress(OSError):
            if conn.recv(1, socket.MSG_DONTWAIT | socket.MSG_PEEK):
                return  # not a hang-up (callers send nothing more, but be lenient)
        selector.unregister(conn)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)

    def _reap(self, selector: selectors.BaseSelector) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            conn = self.children.pop(pid, None)
            if conn is None:
                continue
            with contextlib.suppress(KeyError, ValueError):
                selector.unregister(conn)
            if os.WIFSIGNALED(status):
                reply(conn, {"signal": os.WTERMSIG(status)})
            else:
                reply(conn, {"exit": os.waitstatus_to_exitcode(status)})
            conn.close()
            self.last = time.monotonic()


def check_request(request: dict[str, Any], code: str) -> str | None:
    """Why this warm process cannot run the request (None: it can)."""
    if request.get("protocol") != PROTOCOL:
        return "another launcher version"
    if request.get("root") != str(ROOT):
        return "another checkout"
    if request.get("fingerprint") != code:
        return "the caller's code or Python differs"
    return None


def accept(listener: socket.socket) -> tuple[socket.socket, dict[str, Any], list[int]] | None:
    """The next caller's connection, request and file descriptors (None: not ours, or garbled)."""
    try:
        conn, _ = listener.accept()
    except BlockingIOError:
        return None
    conn.setblocking(True)
    conn.settimeout(10)
    try:
        if not same_user(conn):
            conn.close()
            return None
        request, fds = recv_frame(conn, maxfds=8)
    except (OSError, ValueError):
        conn.close()
        return None
    if request is None or len(fds) != 4:
        for fd in fds:
            os.close(fd)
        conn.close()
        return None
    conn.settimeout(None)
    return conn, request, fds


def reply(conn: socket.socket, payload: dict[str, Any]) -> None:
    """Tell the caller something; a caller that went away is no error."""
    with contextlib.suppress(OSError):
        send_frame(conn, payload)


def log(line: str) -> None:
    """A line in warm.log (this process's stderr): what it served or refused, never a caller's environment."""
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {line}", file=sys.stderr, flush=True)


def _command(request: dict[str, Any]) -> str:
    argv = request.get("argv")
    return f"`osmu {argv[1]}`" if isinstance(argv, list) and len(argv) > 1 else "a request"


def _close(fds: list[int]) -> None:
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)


def _alive(pid: int | None) -> bool:
    return pid is None or alive(pid)  # None: not a server this process can watch (a URL given by the user)
