"""The measured workloads. Each runs in a fresh process started by `bench/run` (so a
"cold" figure pays imports, the Korean analyser and template loading, as a writer would)
and prints one JSON line: the work time inside the process and what it did.

    python -m bench.work osmu-text VAULT OUT       # all text channels, every note, fresh OUT
    python -m bench.work parse-floor VAULT         # read + markdown-it-py parse of every note
    python -m bench.work pelican SITE              # Pelican builds SITE/content → SITE/output
    python -m bench.work profile-osmu VAULT OUT N  # cProfile of osmu-text over N notes
"""

from __future__ import annotations

import cProfile
import io
import json
import pstats
import sys
import time
from pathlib import Path
from typing import Any

TEXT_CHANNELS = ("blog", "newsletter", "instagram", "workshop")


def note_files(vault: Path) -> list[Path]:
    """Every note of the vault except root notes and outputs (what a sweep repurposes).

    Plain pathlib (no osmu import), so the parse floor pays no osmu import time.
    """
    skip = ("00-roots", "_osmu", ".")
    return sorted(p for p in vault.rglob("*.md") if not p.relative_to(vault).parts[0].startswith(skip))


def osmu_text(vault: Path, out: Path, limit: int | None = None) -> dict[str, Any]:
    """read → parse → roots → insights → render → write, plain functions, one process.

    This is the per-note work a vault sweep does inside its batch tasks, without Prefect.
    """
    from tasks.insights import extract_insights
    from tasks.links import NoteIndex
    from tasks.parse import parse_note
    from tasks.read import list_vault, read_note, read_roots
    from tasks.render import render_note
    from tasks.roots import build_root_index, resolve_note_roots
    from tasks.settings import load_settings
    from tasks.write import write_outputs

    settings = load_settings(None, {"vault": str(vault), "out": str(out)})
    roots = build_root_index(*read_roots(vault, settings.roots_folder))
    index = NoteIndex.build(list_vault(vault))
    nav = tuple(settings.navigation_sections)
    files = 0
    notes = note_files(vault)[:limit]
    for path in notes:
        note = read_note(vault, path)
        parsed = parse_note(note, nav)
        note_roots = resolve_note_roots(parsed, roots, index)
        insights = tuple(extract_insights(parsed, note_roots, roots))
        rendered = render_note(parsed, insights, note_roots, roots, settings, TEXT_CHANNELS)
        warnings = (*note.diagnostics, *parsed.diagnostics, *note_roots.diagnostics, *rendered.diagnostics)
        report = write_outputs(rendered, note.source_hash, insights, warnings, settings.out_dir)
        files += len(report.files)
    return {"notes": len(notes), "files": files}


def parse_floor(vault: Path) -> dict[str, Any]:
    """The floor: read every note and parse it with plain markdown-it-py (CommonMark + tables)."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    tokens = 0
    notes = note_files(vault)
    for path in notes:
        tokens += len(md.parse(path.read_text(encoding="utf-8")))
    return {"notes": len(notes), "tokens": tokens}


def pelican(site: Path) -> dict[str, Any]:
    """Pelican (in this process) building the blog from `site/content` with `site/pelicanconf.py`."""
    from pelican import Pelican
    from pelican.settings import read_settings

    settings = read_settings(str(site / "pelicanconf.py"))
    Pelican(settings).run()
    return {"html": sum(1 for _ in (site / "output").rglob("*.html"))}


def profile_osmu(vault: Path, out: Path, limit: int) -> dict[str, Any]:
    """cProfile of `osmu_text` over `limit` notes: the top functions by cumulative time."""
    profiler = cProfile.Profile()
    profiler.enable()
    result = osmu_text(vault, out, limit)
    profiler.disable()
    buffer = io.StringIO()
    pstats.Stats(profiler, stream=buffer).sort_stats("cumulative").print_stats(30)
    return {**result, "profile": buffer.getvalue()}


def main(argv: list[str]) -> None:
    """Run one workload and print `{"work_s": …, …}` as one JSON line."""
    what, args = argv[0], [Path(a) for a in argv[1:]]
    start = time.perf_counter()
    if what == "osmu-text":
        result = osmu_text(args[0], args[1])
    elif what == "parse-floor":
        result = parse_floor(args[0])
    elif what == "pelican":
        result = pelican(args[0])
    elif what == "profile-osmu":
        result = profile_osmu(args[0], args[1], int(argv[3]))
    else:
        raise SystemExit(f"unknown workload {what!r}")
    print(json.dumps({"work_s": round(time.perf_counter() - start, 4), **result}, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
