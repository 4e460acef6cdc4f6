"""A child of the warm process: becomes the caller's command (its terminal, folder, environment, argv).

What was decided at import from the warm process's own surroundings is redone for the caller:
the CLI module (its rich consoles detect the caller's terminal and colours) is imported here,
fresh; the standard streams take the caller's encodings and buffering; Prefect's console log
handler writes to the caller's terminal. Prefect's settings, read once at import, are compared
with what the caller's environment and working folder give; if they differ, the child asks the
caller to run the command itself before anything is printed. The end mirrors an interpreter
exit (non-daemon threads joined, atexit handlers run: Prefect sends its last events and logs,
streams flushed) without tearing the copied warm state down.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import os
import signal
import socket
import sys
import threading
from typing import Any, NoReturn

from flows.warm_loop import reply


def run_child(conn: socket.socket, request: dict[str, Any], fds: list[int], inherited: list[int]) -> NoReturn:
    """Run the request's command in this (forked) process and exit with its code."""
    code = 1
    try:
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.set_wakeup_fd(-1)
        for fd in inherited:
            with contextlib.suppress(OSError):
                os.close(fd)
        mine = {key: os.environ.get(key) for key in INTERPRETER_ENV}
        _adopt(request, fds)
        why = _differs(mine)
        if why:
            reply(conn, {"fallback": why})
            code = 0
        else:
            code = _run(request["argv"], conn)
    except KeyboardInterrupt:  # Ctrl-C before the CLI took over: end as an interrupted Python does
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    except BaseException as exc:  # an error of the warm machinery itself: say so, briefly
        with contextlib.suppress(Exception):
            print(f"osmu: warm process: {type(exc).__name__}: {exc}", file=sys.stderr)
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _adopt(request: dict[str, Any], fds: list[int]) -> None:
    """Take the caller's standard streams, working folder, environment and argv."""
    stdin, stdout, stderr, cwd = fds
    for fd, target in ((stdin, 0), (stdout, 1), (stderr, 2)):
        os.dup2(fd, target)
        os.close(fd)
    os.fchdir(cwd)
    os.close(cwd)
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = list(request["argv"])
    for stream, fd, coding in zip((sys.stdin, sys.stdout, sys.stderr), (0, 1, 2), request["encodings"], strict=True):
        if not isinstance(stream, io.TextIOWrapper) or coding is None:
            continue
        encoding, errors = coding
        with contextlib.suppress(Exception):  # an encoding this Python lacks: keep UTF-8
            stream.reconfigure(encoding=encoding, errors=errors, line_buffering=fd > 0 and os.isatty(fd))


INTERPRETER_ENV = (
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "TZ",
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONSAFEPATH",
    "PYTHONUTF8",
    "PYTHONIOENCODING",
    "PYTHONWARNINGS",
    "PYTHONDEVMODE",
    "PYTHONOPTIMIZE",
)
"""Variables Python reads once at start (locale, time zone, paths, modes): the caller's must be the warm process's."""


def _differs(mine: dict[str, str | None]) -> str | None:
    """Why the warm process, set up at its start, would not be what the caller gets (None: the same)."""
    theirs = {key: os.environ.get(key) for key in INTERPRETER_ENV}
    if theirs != mine:
        return f"{', '.join(k for k in INTERPRETER_ENV if theirs[k] != mine[k])} differ"
    import prefect.context

    import flows.cli  # noqa: F401  (fresh: its consoles see the caller's terminal; sets osmu's Prefect defaults)
    from flows.local_server import use_server

    use_server(start=False)  # what the command does first: the local server's URL
    current = prefect.context.GLOBAL_SETTINGS_CONTEXT
    fresh = prefect.context.root_settings_context()
    if fresh.settings != current.settings or fresh.profile != current.profile:
        return "Prefect settings differ"
    _console_handlers_follow_stderr()
    return None


def _console_handlers_follow_stderr() -> None:
    """Prefect's console log handler: its rich console detected the warm process's stderr; now the caller's."""
    import logging

    from prefect.logging.configuration import PROCESS_LOGGING_CONFIG
    from prefect.logging.handlers import PrefectConsoleHandler

    styles = PROCESS_LOGGING_CONFIG.get("handlers", {}).get("console", {}).get("styles")
    for handler in logging.getLogger().handlers:
        if isinstance(handler, PrefectConsoleHandler):
            handler.console = PrefectConsoleHandler(handler.stream, styles=styles).console


def _run(argv: list[str], conn: socket.socket) -> int:
    """The CLI with `argv`; its exit code, after what an interpreter does on exit.

    The caller is told the exit code as soon as the command is done and its output flushed: what
    Prefect still sends at exit (the run's last events and logs, drained by its service threads,
    up to seconds on a busy server) is bookkeeping the caller need not wait for, so the child does
    it after letting go of the caller's terminal.
    """
    from flows.cli import main

    try:
        main()
        code: Any = 0
    except SystemExit as exc:
        code = exc.code
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    reply(conn, {"exit": int(code)})
    _let_go()
    # What the interpreter does on exit, in its order: threading's exit hooks (Prefect stops its
    # service threads there), non-daemon threads joined, then atexit handlers.
    shutdown = getattr(threading, "_shutdown", None)
    if shutdown is not None:
        shutdown()
    else:  # pragma: no cover  (every CPython since 3.4 has it)
        for thread in threading.enumerate():
            if thread is not threading.current_thread() and not thread.daemon:
                thread.join()
    atexit._run_exitfuncs()
    return int(code)


def _let_go() -> None:
    """Stop holding the caller's stdin/stdout/stderr (a pipe reader sees its end now, not after Prefect's drain)."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
