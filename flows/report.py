"""What a run shows a person: Prefect artifacts (a markdown report and a table, per run)
and the sweep's preview page (`<out>/index.html`, linking every note's own page).

The markdown report lists, per rendered note, its insights with their roots (and why each
root was attached), the outputs with lint results, and the warnings; failed notes are
listed with their `file:line: message`. Long sweeps are capped so the UI stays usable.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.context import FlowRunContext

from tasks.model import NoteResult
from tasks.write.outputs import read_manifest, write_overview
from tasks.write.preview import PAGE, overview_html

DETAILED_NOTES = 30
"""Notes described in full in one markdown report; the rest only appear in the table."""
TABLE_ROWS = 1000
"""Rows of one table artifact."""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def note_markdown(result: NoteResult) -> str:
    """The report section of one note (from its manifest, the record of what was written)."""
    if not result.ok:
        return f"### ❌ `{result.source}`\n\n{result.error}\n"
    manifest = read_manifest(Path(result.out_dir))
    lines = [f"### `{result.source}`", "", f"Outputs in `{result.out_dir}`", ""]
    if result.preview:
        lines += [f"Preview page: `{result.preview}`", ""]
    lines += ["**Insights**", ""]
    for insight in manifest.get("insights", []):
        roots = ", ".join(f"{r['slug']} ({r['reason']})" for r in insight.get("roots", [])) or "—"
        span = "–".join(str(n) for n in insight.get("lines", []))
        lines.append(f"- *{insight.get('type')}* L{span} **{_cell(insight.get('title', ''))}** — roots: {roots}")
    lines += ["", "**Outputs**", "", "| file | status | lint |", "|---|---|---|"]
    status = {f.path: f.status for f in result.files}
    for output in manifest.get("outputs", []):
        failed = [c["rule"] for c in output.get("lint", []) if not c.get("ok")]
        lint = "ok" if not failed else "failed: " + ", ".join(failed)
        lines.append(f"| `{output['path']}` | {status.get(output['path'], '')} | {lint} |")
    gone = [f for f in result.files if f.status in ("removed", "stale-kept")]
    if gone:  # outputs of the previous run the note no longer produces
        lines += ["", "**No longer produced**", ""]
        lines += [f"- `{f.path}`: {'removed' if f.status == 'removed' else 'edited by hand, kept'}" for f in gone]
    if result.warnings:
        lines += ["", "**Warnings**", ""]
        lines += [f"- `{w.file}:{w.line}` {_cell(w.message)}" for w in result.warnings]
    return "\n".join(lines) + "\n"


def table_row(result: NoteResult, status: str = "") -> dict[str, Any]:
    """One table-artifact row."""
    written = sum(f.status in ("created", "updated", "forced") for f in result.files)
    return {
        "note": result.source,
        "status": status or ("rendered" if result.ok else "failed"),
        "insights": result.insights,
        "roots": ", ".join(result.roots),
        "files_written": written,
        "kept_edited": sum(f.status == "kept-edited" for f in result.files),
        "removed": sum(f.status == "removed" for f in result.files),
        "warnings": len(result.warnings),
        "lint_failures": len(result.lint_failures),
        "where": result.out_dir or result.error,
    }


def publish_note_artifacts(
    results: Sequence[NoteResult],
    title: str,
    key_prefix: str,
    summary: str = "",
    extra_rows: Sequence[dict[str, Any]] = (),
) -> None:
    """Create `<key_prefix>-report` (markdown) and `<key_prefix>-notes` (table) for this run."""
    if FlowRunContext.get() is None:  # called outside a flow run (plain function use)
        return
    parts = [f"# {title}", ""]
    if summary:
        parts += [summary, ""]
    shown = [r for r in results if not r.ok] + [r for r in results if r.ok]
    parts += [note_markdown(r) for r in shown[:DETAILED_NOTES]]
    if len(shown) > DETAILED_NOTES:
        parts.append(f"… and {len(shown) - DETAILED_NOTES} more notes (see the table artifact).")
    create_markdown_artifact(key=f"{key_prefix}-report", markdown="\n".join(parts), description=title)
    rows = [table_row(r) for r in shown] + list(extra_rows)
    create_table_artifact(key=f"{key_prefix}-notes", table=rows[:TABLE_ROWS], description=title)


def write_sweep_preview(out_dir: Path, notes: dict[str, Any], force: bool = False) -> str:
    """Write `<out>/index.html` listing every note of the sweep state (`rel → NoteState`); returns its path.

    Rendered notes link to their own page; failed ones show their error. Private notes are
    not listed (their names alone may be private).
    """
    listed: list[tuple[str, str]] = []
    failed: list[tuple[str, str]] = []
    for rel, state in notes.items():
        folder = Path(state.manifest).parent if state.manifest else None
        if folder is not None and folder.is_relative_to(out_dir) and (folder / PAGE).exists():
            listed.append((rel, folder.relative_to(out_dir).as_posix()))
        elif state.error:
            failed.append((rel, state.error))
    return write_overview(out_dir, overview_html(listed, failed), force).written_to
