"""`osmu server start|stop|status`: the local Prefect server that `osmu run` starts and reuses, and the warm process."""

from __future__ import annotations

import os

import typer
from rich.console import Console

from flows import warm
from flows.launch import warm_dir
from flows.local_server import LocalServer, ServerError

server_app = typer.Typer(
    help="The local Prefect server `osmu run` starts once and reuses, and the warm process that runs "
    "`osmu run` without imports (their files are in PREFECT_HOME).",
    no_args_is_help=True,
)
out = Console(highlight=False, soft_wrap=True)


def _where(server: LocalServer, url: str) -> str:
    return f"{url} (UI {url.removesuffix('/api')}, pid {server.pid()}, log {server.log})"


@server_app.command()
def start() -> None:
    """Start the local Prefect server and the warm process unless they run; print the server's API URL."""
    server = LocalServer.from_env()
    try:
        url, started = server.start()
    except ServerError as exc:
        out.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc
    out.print(f"{'started' if started else 'already running'}: {_where(server, url)}")
    if os.environ.get("OSMU_NO_WARM"):
        return
    running = warm.info()
    pid = int(running["pid"]) if running else warm.start(wait=True)
    if pid is None:
        out.print(f"[yellow]the warm process did not start[/yellow]; see {warm_dir() / 'warm.log'}")
    else:
        out.print(f"warm process: {'running' if running else 'started'} (pid {pid})")


@server_app.command()
def stop() -> None:
    """Stop the warm process and the local Prefect server (and everything they started)."""
    server = LocalServer.from_env()
    warm.stop()
    out.print(f"stopped the server of {server.home}" if server.stop() else f"no server running for {server.home}")


@server_app.command()
def status() -> None:
    """Say whether the local Prefect server and the warm process run (exit 1 when the server does not)."""
    server = LocalServer.from_env()
    url = server.url()
    running = warm.info()
    line = f"warm process: running (pid {running['pid']})" if running else "warm process: not running"
    if url is None:
        out.print(f"not running (PREFECT_HOME={server.home})")
        out.print(line)
        raise typer.Exit(1)
    out.print(f"running: {_where(server, url)}")
    out.print(line)
