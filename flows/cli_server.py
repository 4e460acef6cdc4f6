"""`osmu server start|stop|status`: the local Prefect server that `osmu run` starts once and reuses."""

from __future__ import annotations

import typer
from rich.console import Console

from flows.local_server import LocalServer, ServerError, busy_note

server_app = typer.Typer(
    help="The local Prefect server `osmu run` starts once and reuses (its files are in PREFECT_HOME).",
    no_args_is_help=True,
)
out = Console(highlight=False, soft_wrap=True)


def _where(server: LocalServer, url: str) -> str:
    return f"{url} (UI {url.removesuffix('/api')}, pid {server.pid()}, log {server.log})"


@server_app.command()
def start() -> None:
    """Start the local Prefect server unless it runs; print its API URL."""
    server = LocalServer.from_env()
    try:
        url, started = server.start()
    except ServerError as exc:
        out.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc
    out.print(
        f"{'started' if started else 'already running'}: {_where(server, url)}{busy_note(url) if started else ''}"
    )
    out.print(f"export PREFECT_API_URL={url}")


@server_app.command()
def stop() -> None:
    """Stop the local Prefect server (and everything it started)."""
    server = LocalServer.from_env()
    out.print(f"stopped the server of {server.home}" if server.stop() else f"no server running for {server.home}")


@server_app.command()
def status() -> None:
    """Say whether the local Prefect server runs (exit 1 when it does not)."""
    server = LocalServer.from_env()
    url = server.url()
    if url is None:
        out.print(f"not running (PREFECT_HOME={server.home})")
        raise typer.Exit(1)
    out.print(f"running: {_where(server, url)}")
