"""Prefect's settings for osmu's commands, set before Prefect is imported (it reads them once, at import).

Stdlib only: the `osmu` CLI applies them first thing, before anything imports Prefect.
"""

from __future__ import annotations

import os

QUIET_PREFECT = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_RUNNER_POLL_FREQUENCY": "1",  # `osmu serve` picks up on-demand runs within ~1 s
    "PREFECT_LOGGING_LOGGERS_PREFECT_LEVEL": "WARNING",
    # Run failures are reported by the CLI itself, one `file:line: message` each, so
    # Prefect's own ERROR lines (with tracebacks) would only repeat them.
    "PREFECT_LOGGING_LOGGERS_PREFECT_FLOW_RUNS_LEVEL": "CRITICAL",
    "PREFECT_LOGGING_LOGGERS_PREFECT_TASK_RUNS_LEVEL": "CRITICAL",
    "PREFECT_LOGGING_HANDLERS_CONSOLE_FORMATTER": "simple",
}


def quiet_prefect() -> frozenset[str]:
    """Set osmu's defaults for Prefect's settings the environment leaves unset; the ones it sets."""
    user_set = frozenset(k for k in QUIET_PREFECT if k in os.environ)
    for key, value in QUIET_PREFECT.items():
        os.environ.setdefault(key, value)
    return user_set
