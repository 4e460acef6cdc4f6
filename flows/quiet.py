"""Prefect's settings for osmu's commands, set before Prefect is imported (it reads them once, at import).

Stdlib only: the `osmu` CLI applies them first thing, before anything imports Prefect.
"""

from __future__ import annotations

import os

OFFLINE = {"DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
"""Prefect's usage analytics off, client (`DO_NOT_TRACK`) and server side, always: osmu is offline.

Set in every process osmu starts (this one, the local server of flows/local_server.py,
scripts/prefect-server.sh); without them Prefect's first import in a terminal prints "Prefect
collects anonymous usage data" and sends events."""
QUIET_PREFECT = {
    "PREFECT_RUNNER_POLL_FREQUENCY": "1",  # `osmu serve` picks up on-demand runs within ~1 s
    "PREFECT_LOGGING_LOGGERS_PREFECT_LEVEL": "WARNING",
    # Run failures are reported by the CLI itself, one `file:line: message` each, so
    # Prefect's own ERROR lines (with tracebacks) would only repeat them.
    "PREFECT_LOGGING_LOGGERS_PREFECT_FLOW_RUNS_LEVEL": "CRITICAL",
    "PREFECT_LOGGING_LOGGERS_PREFECT_TASK_RUNS_LEVEL": "CRITICAL",
    "PREFECT_LOGGING_HANDLERS_CONSOLE_FORMATTER": "simple",
    # Prefect's temporary (embedded) server writes to this command's terminal; stopped at the
    # command's end while it still flushes events, it logged 159-line sqlite `CancelledError`
    # tracebacks ("Error flushing 1 events") after successful runs. Its errors are the run's
    # business only when the run fails, and the run reports that itself.
    "PREFECT_SERVER_LOGGING_LEVEL": "CRITICAL",
    # Prefect gives its temporary server 20 s to start; a busy 2-core machine needs longer, and
    # a run that gives up there fails for no fault of the note.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
}
EMBEDDED_ONLY = frozenset({"PREFECT_SERVER_LOGGING_LEVEL"})
"""Defaults for the temporary server only: a server with its own log (`osmu server start`) keeps Prefect's."""


def quiet_prefect() -> frozenset[str]:
    """Turn Prefect's analytics off; set osmu's defaults for the settings the environment leaves unset.

    Returns the ones the environment set.
    """
    os.environ.update(OFFLINE)
    user_set = frozenset(k for k in QUIET_PREFECT if k in os.environ)
    for key, value in QUIET_PREFECT.items():
        os.environ.setdefault(key, value)
    return user_set
