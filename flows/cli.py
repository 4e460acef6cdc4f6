"""The `osmu` command line (typer + rich).

Prefect runs embedded (a temporary local server, no set-up) unless PREFECT_API_URL points
at a running server. Prefect's start-up chatter is silenced here; flow-level lines stay.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
from pathlib import Path
from typing import Annotated, Any

from flows.quiet import quiet_prefect

_USER_SET = quiet_prefect()  # must happen before prefect is imported

import typer  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.markup import escape  # noqa: E402
from rich.table import Table  # noqa: E402

from flows.cli_server import server_app  # noqa: E402
from tasks.model import LlmUsage, NoteError, NoteResult, one_line  # noqa: E402
from tasks.settings import ConfigError, Settings, config_vault, load_settings  # noqa: E402

app = typer.Typer(
    help="osmu: One Source, Multi Use. 노트 하나를 블로그·뉴스레터·인스타그램·워크숍으로.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(server_app, name="server")
console = Console(stderr=True)
out = Console()

VaultOpt = Annotated[
    Path | None,
    typer.Option("--vault", help="Vault folder (default: the folder holding .obsidian/, above the note or here)."),
]
OutOpt = Annotated[
    Path | None, typer.Option("--out", "-o", help="Output folder (default: outside the vault, see README).")
]
ConfigOpt = Annotated[Path | None, typer.Option("--config", help="A settings file merged over config/osmu.yaml.")]
ForceOpt = Annotated[bool, typer.Option(help="Overwrite hand-edited outputs (a backup is kept).")]


def _settings(config: Path | None, vault: Path | None, near: Path | None = None, **overrides: Any) -> Settings:
    """The settings of the command: `vault` (--vault), else the `--config` file's, else the vault found
    above `near` (a note given on the command line), else above the working folder."""
    try:
        if vault is None and (config is None or config_vault(config) is None):
            vault = _find_vault(near)
    except ConfigError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    return _load(config, {"vault": vault, **overrides})


def _load(config: Path | None, overrides: dict[str, Any]) -> Settings:
    """`load_settings`, a bad settings file reported in one error and exit 2."""
    try:
        settings = load_settings(config, overrides)
    except ConfigError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    if settings.private_folders and settings.vault.is_dir():
        from tasks.vault.privacy import unmatched_folders

        for entry in unmatched_folders(settings.vault, settings.private_folders):  # a typo publishes her diary
            console.print(
                f"[yellow]warning:[/yellow] private_folders: {escape(repr(entry))} matches no folder or note "
                f"of the vault {escape(str(settings.vault))}; nothing is private because of it",
                soft_wrap=True,
                highlight=False,
            )
    return settings


def _find_vault(near: Path | None) -> Path:
    from tasks.vault.obsidian import VAULT_RULE, find_vault

    found = find_vault(near) if near is not None and near.exists() else None
    found = found or find_vault(Path.cwd())
    if found is None:
        where = near.resolve() if near is not None and near.exists() else Path.cwd()
        console.print(
            f"[red]error:[/red] {escape(f'{where}:0: no Obsidian vault here ({VAULT_RULE}); or give --vault')}",
            soft_wrap=True,
            highlight=False,
        )
        raise typer.Exit(2)
    return found


def _note_arg(note: Path, settings: Settings) -> Path:
    """A note given on the command line: relative to the working folder, else the vault; refused outside the vault.

    Made absolute without following links: the read stage must see a link planted in the vault
    (`notes/link.md` → a file outside it) to refuse it.
    """
    from tasks.vault.obsidian import refuse_outside

    if note.is_absolute():
        found = note
    elif note.exists():
        found = Path(os.path.abspath(note))
    else:
        found = Path(os.path.abspath(settings.vault / note))
    refuse_outside(found, settings.vault)
    return found


def _summary(results: list[NoteResult], previews: bool = True) -> None:
    """Per note: its path on a line of its own, the figures, then the output folder, each printed whole
    (wrapped by the terminal, never cut), so the summary reads at 80 columns as at 200."""
    for r in results:
        changed = _written(r)
        kept = sum(f.status in ("kept-edited", "locked", "stale-kept") for f in r.files)
        removed = sum(f.status == "removed" for f in r.files)
        files = f"{len(r.files)} files ({changed} written{f', {removed} removed' if removed else ''}"
        files += f"{f', {kept} kept' if kept else ''})"
        lint = "lint ok" if not r.lint_failures else f"lint: {len(r.lint_failures)} failed"
        figures = [f"{r.insights} insights", files, f"{len(r.warnings)} warnings", lint]
        if r.skipped:  # said below, in one line
            continue
        out.print(f"[bold]{escape(r.source)}[/bold]", highlight=False, soft_wrap=True)
        out.print("  " + " · ".join(figures), highlight=False, soft_wrap=True)
        if r.roots:
            out.print("  roots: " + escape(", ".join(r.roots)), highlight=False, soft_wrap=True)
        out.print("  → " + escape(r.out_dir), highlight=False, soft_wrap=True)
    for r in results:
        if r.skipped:  # a note with nothing to say: one line, no posts
            out.print(f"skipped: {r.source}: {r.skipped}", highlight=False, soft_wrap=True)
        for f in r.files:
            if f.status in ("kept-edited", "locked"):
                why = "edited by hand" if f.status == "kept-edited" else "locked"
                out.print(f"[yellow]{why}, kept:[/yellow] {f.path} → new version at {f.written_to}")
            elif f.status == "forced" and f.backup:
                out.print(f"[yellow]overwritten (--force), your version saved:[/yellow] {f.backup}", soft_wrap=True)
            elif f.status == "stale-kept":
                out.print(f"[yellow]no longer produced but edited by hand, kept:[/yellow] {f.written_to}")
        for failure in r.lint_failures:
            out.print(f"[yellow]lint:[/yellow] {r.source}: {failure}")
    if previews:  # a sweep prints its one overview page instead
        for r in results:
            if r.preview:
                out.print(f"preview: {r.preview}", highlight=False, soft_wrap=True)
    spent = [r.llm for r in results if r.llm is not None]
    if spent:
        u = sum(spent, LlmUsage())
        out.print(
            f"llm: {u.calls} calls, {u.cache_hits} cache hits, {u.failures} failed, "
            f"{u.tokens_in + u.tokens_out} tokens ({u.tokens_in} in, {u.tokens_out} out), est. ${u.cost_usd:.4f}",
            soft_wrap=True,
        )


def _repurpose(
    note: Path, settings: Settings, channels: list[str] | None, force: bool, remember: bool = False
) -> NoteResult:
    """One `repurpose-note` flow run with the command's settings (`osmu run`, `osmu watch`)."""
    from flows.repurpose import repurpose_note

    return repurpose_note(note=str(note), settings=settings, channels=channels, force=force, remember=remember)


WITHOUT_PREFECT = frozenset({"insights", "lint", "server", "init"})
"""Commands that run no flow: they never look for a Prefect server (nor import Prefect)."""


def _version(show: bool) -> None:
    """`osmu --version`: osmu's version, and where its channel templates and settings come from."""
    if show:
        from tasks import __version__
        from tasks.project import PROJECT_ROOT

        out.print(
            f"osmu {__version__} (Python {sys.version.split()[0]}; files: {PROJECT_ROOT})",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit()


VersionOpt = Annotated[
    bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
]


@app.callback()
def _reuse_local_server(ctx: typer.Context, version: VersionOpt = False) -> None:
    """Every command that runs flows uses the local Prefect server when it runs (only `osmu run` starts it)."""
    if ctx.invoked_subcommand not in WITHOUT_PREFECT:
        _prefect_server(start=False)


def _prefect_server(start: bool, show: bool = True) -> None:
    """Use a running Prefect server (OSMU_PREFECT_SERVER, flows/local_server.py); before Prefect is imported."""
    from flows.local_server import ServerError, use_server

    try:
        line = use_server(start)
    except ServerError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    if line and show:
        console.print(line, highlight=False, soft_wrap=True)


@app.command()
def run(
    notes: Annotated[list[Path], typer.Argument(help="Note(s) or process log(s) to repurpose.")],
    vault: VaultOpt = None,
    out_dir: OutOpt = None,
    channels: Annotated[str | None, typer.Option("--channels", "-c", help="Comma-separated channels.")] = None,
    strict: Annotated[bool, typer.Option(help="Fail on any channel-rule violation.")] = False,
    force: ForceOpt = False,
    config: ConfigOpt = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List warnings.")] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="One line per note (an Obsidian notice): the result and the preview.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
) -> None:
    """Repurpose note(s) through the `repurpose-note` Prefect flow."""
    brief = quiet or as_json
    settings = _settings(config, vault=vault, near=notes[0] if notes else None, out=out_dir, strict=strict or None)
    _prefect_server(start=True, show=not brief)
    from flows.one_shot import one_shot, settle_imports
    from tasks.pipeline import LintFailed

    settle_imports()

    chosen = _channels(channels)
    results: list[NoteResult] = []
    errors: list[str] = []

    def failed(message: str) -> None:  # said as it happens (--quiet: its first line), or in the JSON
        errors.append(message)
        if not as_json:
            line = message.splitlines()[0] if quiet else message
            console.print(f"[red]error:[/red] {escape(line)}", soft_wrap=True, highlight=False)

    for note in notes:
        try:
            with one_shot():
                result = _repurpose(_note_arg(note, settings), settings, chosen, force)
        except (NoteError, LintFailed, ConfigError) as exc:
            failed(str(exc))
            continue
        except Exception as exc:  # never a traceback: one line naming the note
            failed(f"{note}:0: unexpected {type(exc).__name__}: {one_line(str(exc))}")
            continue
        results.append(result)
        if verbose and not brief:
            for warning in result.warnings:
                console.print(f"[dim]warning:[/dim] {warning}")
    if as_json:
        data = {"results": [_result_json(r) for r in results], "errors": errors}
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    elif quiet:
        for r in results:
            out.print(_one_line(r), markup=False, highlight=False, soft_wrap=True)
    elif results:
        _summary(results)
    if errors:
        raise typer.Exit(1)


def _written(result: NoteResult) -> int:
    return sum(f.status in ("created", "updated", "forced") for f in result.files)


def _one_line(result: NoteResult) -> str:
    """A note's result in one line that fits an Obsidian notice (`osmu run --quiet`)."""
    if result.skipped:
        return f"osmu: {result.source}: {result.skipped}"
    kept = sum(f.status in ("kept-edited", "locked", "stale-kept") for f in result.files)
    extra = f", {kept} edited by hand kept" if kept else ""
    lint = f", {len(result.lint_failures)} lint failures" if result.lint_failures else ""
    head = f"osmu: {result.source}: {result.insights} insights, {_written(result)} files written{extra}{lint}"
    return f"{head} · preview: {result.preview}" if result.preview else f"{head} · outputs: {result.out_dir}"


def _result_json(result: NoteResult) -> dict[str, Any]:
    """A note's result for `osmu run --json`."""
    return {
        "source": result.source,
        "insights": result.insights,
        "roots": list(result.roots),
        "files": len(result.files),
        "written": _written(result),
        "kept": [f.written_to for f in result.files if f.status in ("kept-edited", "locked", "stale-kept")],
        "warnings": len(result.warnings),
        "lint_failures": list(result.lint_failures),
        "out_dir": result.out_dir,
        "preview": result.preview,
        "skipped": result.skipped,
    }


@app.command()
def insights(
    note: Annotated[Path, typer.Argument(help="The note to cut into insights.")],
    vault: VaultOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    config: ConfigOpt = None,
) -> None:
    """Print a note's insights (the pipeline's first five stages, no Prefect: quick to inspect)."""
    from tasks.pipeline import cut_insights, open_vault

    settings = _settings(config, vault=vault, near=note)
    context = open_vault(settings)
    try:  # as the pipeline: a private note is refused, private links are hidden
        cut = cut_insights(settings, context, _note_arg(note, settings))
    except NoteError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True, highlight=False)
        raise typer.Exit(1) from exc
    if as_json:
        sys.stdout.write(
            json.dumps({"insights": [i.to_json() for i in cut.insights]}, ensure_ascii=False, indent=2) + "\n"
        )
        return
    table = Table(title=cut.parsed.title)
    for column in ("id", "type", "lines", "title", "roots"):
        table.add_column(column)
    for i in cut.insights:
        table.add_row(i.id, i.type, f"{i.lines[0]}–{i.lines[1]}", i.title, ", ".join(i.root_slugs))
    out.print(table)


SinceOpt = Annotated[str | None, typer.Option("--since", help="First entry date (YYYY-MM-DD).")]
UntilOpt = Annotated[str | None, typer.Option("--until", help="Last entry date (YYYY-MM-DD).")]


@app.command()
def story(
    log: Annotated[str, typer.Argument(help="A process-log note, or #process/<project> for tagged daily notes.")],
    since: SinceOpt = None,
    until: UntilOpt = None,
    vault: VaultOpt = None,
    out_dir: OutOpt = None,
    force: ForceOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Tell a process log as a Self → Us → Now story (default: entries since the last story)."""
    from flows.digest import process_story
    from tasks.pipeline import project_name

    settings = _settings(config, vault=vault, near=None if project_name(log) else Path(log), out=out_dir)
    try:
        target = log if project_name(log) else str(_note_arg(Path(log), settings))
    except NoteError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True, highlight=False)
        raise typer.Exit(1) from exc
    _run_process(process_story, settings, force, log=target, since=since, until=until)


@app.command()
def digest(
    since: SinceOpt = None,
    until: UntilOpt = None,
    vault: VaultOpt = None,
    out_dir: OutOpt = None,
    force: ForceOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Every process entry of a week (default: the week of the newest entry) → one newsletter and one carousel."""
    from flows.digest import process_digest

    _run_process(process_digest, _settings(config, vault=vault, out=out_dir), force, since=since, until=until)


def _run_process(flow: Any, settings: Settings, force: bool, **params: Any) -> None:
    from tasks.pipeline import LintFailed

    try:
        result = flow(settings=settings, force=force, **params)
    except (NoteError, LintFailed, ConfigError) as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True, highlight=False)
        raise typer.Exit(1) from exc
    _summary([result])


@app.command()
def lint(
    out_dir: Annotated[Path, typer.Argument(help="An osmu output folder (it holds manifest.json files).")],
    vault: VaultOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Re-check written outputs against their channel's rules (with your channel options); exit 1 on any violation."""
    from tasks.lint.checks import lint_tree, violations
    from tasks.vault.obsidian import find_vault

    # The vault only brings its channel options (.osmu/config.yaml): outside any vault, none is needed.
    settings = _load(config, {"vault": vault or find_vault(Path.cwd())})
    try:
        report = lint_tree(out_dir, settings.options)
    except (FileNotFoundError, ConfigError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    found = violations(report)
    for line in found:
        out.print(line, markup=False, highlight=False, soft_wrap=True)
    checks = sum(len(results) for results in report.values())
    out.print(f"{len(report)} files, {checks} checks, {len(found)} violation(s)", markup=False)
    if found:
        raise typer.Exit(1)


SUMMARY_ROWS = 50
"""Sweeps rendering more notes than this print only the summary line."""
ChannelsOpt = Annotated[str | None, typer.Option("--channels", "-c", help="Comma-separated channels.")]


def _channels(channels: str | None) -> list[str] | None:
    return [c.strip() for c in channels.split(",") if c.strip()] if channels else None


def _show_flow_logs() -> None:
    """Long-running commands show flow-run lines (one-shot commands keep them quiet)."""
    if "PREFECT_LOGGING_LOGGERS_PREFECT_FLOW_RUNS_LEVEL" not in _USER_SET:
        os.environ["PREFECT_LOGGING_LOGGERS_PREFECT_FLOW_RUNS_LEVEL"] = "INFO"


@app.command()
def sweep(
    vault: VaultOpt = None,
    out_dir: OutOpt = None,
    channels: ChannelsOpt = None,
    strict: Annotated[bool, typer.Option(help="A note breaking a channel rule counts as failed.")] = False,
    force: ForceOpt = False,
    full: Annotated[bool, typer.Option("--all", help="Render every note, changed or not.")] = False,
    runner: Annotated[
        str, typer.Option(help="Task runner: threads (default), serial, processes, or dask (needs prefect-dask).")
    ] = "threads",
    config: ConfigOpt = None,
) -> None:
    """Render every note changed since the last sweep (the `vault-sweep` Prefect flow)."""
    settings = _settings(config, vault=vault, out=out_dir, strict=strict or None)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from flows.one_shot import settle_imports
    from flows.progress import on_note_done, on_plan
    from flows.sweep import sweep_with_runner

    settle_imports()  # a sweep process ends with the sweep: the collector need not walk the imports again
    try:
        flow_fn = sweep_with_runner(runner)
    except ValueError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    columns = (
        TextColumn("sweep"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
    )
    # No stdout/stderr redirection: Prefect pickles what a process-pool task sees, and rich's proxies hold locks.
    progress = Progress(*columns, console=console, transient=False, redirect_stdout=False, redirect_stderr=False)
    bar = progress.add_task("", total=None)

    def planned(total: int) -> None:  # the bar appears once the sweep knows how many notes to render
        if total:
            progress.update(bar, total=total)
            progress.start()

    def done(result: NoteResult) -> None:
        progress.update(bar, advance=1, description=result.source if result.ok else f"[red]{result.source}")

    try:
        with on_plan(planned), on_note_done(done):
            report = flow_fn(settings=settings, channels=_channels(channels), force=force, full=full)
    finally:
        progress.stop()
    if 0 < len(report.rendered) <= SUMMARY_ROWS:
        _summary(list(report.rendered), previews=False)
    elif report.rendered:
        out.print(f"(per-note table: the run's `sweep-notes` artifact, {len(report.rendered)} rows)")
    for failed in report.failed:
        console.print(f"[red]failed:[/red] {failed.error}")
    out.print(report.summary(), soft_wrap=True, highlight=False)
    if report.failed:
        raise typer.Exit(1)


@app.command()
def watch(
    vault: VaultOpt = None,
    out_dir: OutOpt = None,
    channels: ChannelsOpt = None,
    force: ForceOpt = False,
    polling: Annotated[bool, typer.Option(help="Poll instead of inotify (network or synced folders).")] = False,
    config: ConfigOpt = None,
) -> None:
    """Watch the vault; re-render a note each time its content changes (Ctrl-C stops)."""
    import time

    settings = _settings(config, vault=vault, out=out_dir)
    from prefect.client.orchestration import get_client

    from flows.one_shot import one_shot
    from flows.watch import watch_vault
    from tasks.nlp.korean import warm_up
    from tasks.pipeline import LintFailed

    chosen = _channels(channels)
    with get_client(sync_client=True) as client:  # start Prefect now, not on the first save
        client.api_healthcheck()
    warm_up()

    def ready() -> None:  # printed once the file watcher is up: a save from now on is seen
        out.print(f"watching {settings.vault} → {settings.out_dir} (Ctrl-C stops)", highlight=False, soft_wrap=True)

    def run_one(path: Path) -> None:
        started = time.perf_counter()
        stamp = time.strftime("%H:%M:%S")
        try:
            with one_shot():  # a save's run ends long before a heartbeat would matter
                result = _repurpose(path, settings, chosen, force, remember=True)
        except (NoteError, LintFailed, ConfigError) as exc:
            out.print(f"{stamp} [red]failed[/red] {exc}", highlight=False, soft_wrap=True)
            return
        written = sum(f.status in ("created", "updated", "forced") for f in result.files)
        kept = sum(f.status == "kept-edited" for f in result.files)
        extra = f", {kept} edited by hand kept" if kept else ""
        seconds = time.perf_counter() - started
        line = f"{stamp} {result.source}: {written} files written{extra} ({seconds:.1f} s)"
        out.print(line, highlight=False, soft_wrap=True)

    with contextlib.suppress(KeyboardInterrupt):
        channels_ = tuple(chosen or settings.channels)
        watch_vault(settings, channels_, run_one, force_polling=polling or None, on_ready=ready)


@app.command()
def serve(
    vault: VaultOpt = None,
    out_dir: OutOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Serve `vault-sweep/scheduled` (cron from config), `repurpose-note/on-demand` and the weekly process digest."""
    settings = _settings(config, vault=vault, out=out_dir)
    _show_flow_logs()
    from flows.serve import NoServer, serve_all

    out.print(
        f"serving vault-sweep/scheduled (cron '{settings.sweep.cron}' {settings.sweep.timezone}) and "
        f"repurpose-note/on-demand and process-digest/weekly-process-digest for {settings.vault}",
        highlight=False,
    )
    try:
        serve_all(settings)
    except NoServer as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc


def _exit_on_signal(signum: int, _frame: object) -> None:
    """SIGTERM and SIGHUP end the command as Ctrl-C would: cleanly, so nothing it started outlives it.

    Python's default for them ends the process at once, skipping the exit handlers, and Prefect's
    temporary (embedded) server, stopped by one of those, was left running with parent pid 1.
    """
    raise SystemExit(128 + signum)


@app.command()
def init(
    vault: Annotated[
        Path | None, typer.Argument(help="The vault (default: the folder holding .obsidian/, above here).")
    ] = None,
) -> None:
    """Set a vault up: write a commented .osmu/config.yaml, hide the insight-notes folder from Obsidian."""
    from tasks.vault.obsidian import init_vault

    folder = vault.resolve() if vault is not None else _find_vault(None)
    try:
        for line in init_vault(folder):
            out.print(line, markup=False, highlight=False, soft_wrap=True)
    except NoteError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True, highlight=False)
        raise typer.Exit(2) from exc


def main() -> None:
    """Console-script entry point."""
    for name in ("SIGTERM", "SIGHUP"):  # (Windows has no SIGHUP)
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _exit_on_signal)
    app()


if __name__ == "__main__":
    main()
