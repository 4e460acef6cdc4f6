"""The measured workloads. Each runs in a fresh process started by `bench/run` (so a
"cold" figure pays imports, the Korean analyser and template loading, as a writer would)
and prints one JSON line: the work time inside the process and what it did.

    python -m bench.work osmu-text VAULT OUT       # all text channels, every note, fresh OUT
    python -m bench.work parse-floor VAULT         # read + markdown-it-py parse of every note
    python -m bench.work pelican SITE              # Pelican builds SITE/content → SITE/output
    python -m bench.work sweep VAULT OUT [P]       # one vault-sweep (no-change once outputs exist); P processes
    python -m bench.work sweep-prep VAULT OUT      # a sweep's state with stub outputs (for no-change sweeps)
    python -m bench.work note-phases VAULT NOTE    # imports, analyser load, one note's work
    python -m bench.work binaries VAULT            # builder calls (PNG slides, PPTX decks)
    python -m bench.work profile-osmu VAULT OUT N  # cProfile of osmu-text over N notes
"""

from __future__ import annotations

import cProfile
import gc
import io
import json
import os
import pstats
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

TEXT_CHANNELS = ("blog", "newsletter", "instagram", "workshop")


def note_files(vault: Path) -> list[Path]:
    """Every note of the vault except root notes and outputs (what a sweep repurposes).

    Plain pathlib (no osmu import), so the parse floor pays no osmu import time.
    """
    skip = ("00-roots", "_osmu", ".")
    return sorted(p for p in vault.rglob("*.md") if not p.relative_to(vault).parts[0].startswith(skip))


TEXT_ONLY_ENV = "OSMU_BENCH_TEXT_ONLY"
"""Set by the `sweep` workload: its worker processes leave out the builder outputs too."""
BINARY_SUFFIXES = (".png", ".pptx")
"""Builder outputs left out of the text-channel runs (measured apart: `binaries`)."""


def _drop_binaries() -> Any:
    """Channel specs lose their PNG/PPTX builder outputs from now on; returns the original loader."""
    import tasks.render.templating as render

    original = render.load_channel

    def load(name: str, channels_dir: Path = render.CHANNELS_DIR) -> Any:
        spec = original(name, channels_dir)
        keep = tuple(o for o in spec.outputs if not (o.builder and o.path.endswith(BINARY_SUFFIXES)))
        return spec.model_copy(update={"outputs": keep})

    render.load_channel = load
    return original


@contextmanager
def text_only() -> Iterator[None]:
    """Inside: channel specs lose their PNG/PPTX builder outputs (restored on exit, so a test
    process that runs a workload keeps rendering every output afterwards)."""
    import tasks.render.templating as render

    original = _drop_binaries()
    try:
        yield
    finally:
        render.load_channel = original


if __name__ == "__mp_main__" and os.environ.get(TEXT_ONLY_ENV):  # a sweep's spawned worker (flows.pool)
    _drop_binaries()  # renders what its parent renders: no PNG/PPTX builders


def osmu_text(vault: Path, out: Path, limit: int | None = None, only: Path | None = None) -> dict[str, Any]:
    """read → parse → roots → insights → render → write, plain functions, one process.

    This is the per-note work a vault sweep does inside its batch tasks, without Prefect.
    """
    start = time.perf_counter()

    with text_only():
        return _osmu_text(vault, out, limit, only, start)


def _osmu_text(vault: Path, out: Path, limit: int | None, only: Path | None, start: float) -> dict[str, Any]:
    from tasks.insight.extract import extract_insights
    from tasks.markdown.parse import parse_note
    from tasks.nlp import korean
    from tasks.render.templating import render_note
    from tasks.roots.index import build_root_index, resolve_note_roots
    from tasks.settings import load_settings
    from tasks.vault.links import NoteIndex
    from tasks.vault.read import list_vault, read_note, read_roots
    from tasks.write.outputs import write_outputs

    stages = dict.fromkeys(
        ("import", "setup", "kiwi-load", "read", "parse", "roots", "insights", "render", "write"), 0.0
    )
    clock = start

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        stages[stage] += now - clock
        clock = now

    lap("import")
    settings = load_settings(None, {"vault": str(vault), "out": str(out)})
    roots = build_root_index(*read_roots(vault, settings.roots_folder))
    index = NoteIndex.build(list_vault(vault))
    nav = tuple(settings.navigation_sections)
    files = 0
    notes = [only] if only else note_files(vault)[:limit]
    gc.freeze()  # as `osmu sweep` does after its imports (flows.one_shot.settle_imports)
    lap("setup")
    korean.kiwi().tokenize("분석기 준비")  # the analyser loads lazily; count its load apart
    lap("kiwi-load")
    kiwi_spent = _time_kiwi()
    for path in notes:
        note = read_note(vault, path)
        lap("read")
        parsed = parse_note(note, nav)
        lap("parse")
        note_roots = resolve_note_roots(parsed, roots, index)
        lap("roots")
        insights = tuple(extract_insights(parsed, note_roots, roots))
        lap("insights")
        rendered = render_note(parsed, insights, note_roots, roots, settings, TEXT_CHANNELS)
        lap("render")
        warnings = (*note.diagnostics, *parsed.diagnostics, *note_roots.diagnostics, *rendered.diagnostics)
        report = write_outputs(rendered, note.source_hash, insights, warnings, settings.out_dir)
        files += len(report.files)
        lap("write")
    return {
        "notes": len(notes),
        "files": files,
        "stages": {k: round(v, 3) for k, v in stages.items()},
        "kiwi_s": round(kiwi_spent[0], 3),
        "kiwi_texts": int(kiwi_spent[1]),
    }


def _time_kiwi() -> list[float]:
    """From now on, [seconds inside Kiwi's analyser, texts analysed] (the share of the
    insights and render stages that is morphological analysis itself)."""
    from tasks import morph

    analyser = morph.kiwi()
    original = analyser.tokenize
    spent = [0.0, 0.0]

    def timed(text: Any, *args: Any, **kwargs: Any) -> Any:
        begin = time.perf_counter()
        result = original(text, *args, **kwargs)
        if not isinstance(text, str):  # a batch: Kiwi works while it is iterated
            result = list(result)
        spent[0] += time.perf_counter() - begin
        spent[1] += 1 if isinstance(text, str) else len(text)
        return result

    analyser.tokenize = timed
    return spent


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


def _function(file: str, line: int, name: str) -> str:
    """`tasks/korean.py:117(_word_forms)`, or a built-in's name without its address."""
    return re.sub(r" at 0x[0-9a-f]+", "", name) if file == "~" else f"{file}:{line}({name})"


def profile_osmu(vault: Path, out: Path, limit: int, top: int = 15) -> dict[str, Any]:
    """cProfile of `osmu_text` over `limit` notes: the `top` functions by own time, as rows
    `[share of the profiled time, own seconds, calls, function]` (profiling slows Python code
    ~1.5-2x, not Kiwi's C++: shares lean towards Python)."""
    profiler = cProfile.Profile()
    profiler.enable()
    result = osmu_text(vault, out, limit)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO())
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = sum(row[2] for row in raw.values()) or 1.0
    rows = sorted(raw.items(), key=lambda kv: -kv[1][2])[:top]
    where = str(Path(__file__).resolve().parent.parent) + "/"
    return {
        **result,
        "profiled_s": round(total, 3),
        "top": [
            [round(own / total, 3), round(own, 3), calls, _function(file.replace(where, ""), line, name)]
            for (file, line, name), (_, calls, own, _, _) in rows
        ],
    }


def sweep(vault: Path, out: Path, processes: int | None = None) -> dict[str, Any]:
    """One `vault-sweep` flow run (text channels); `processes` overrides `sweep.processes`
    (0: in the flow's own process; 2 or more: workers whatever the number of notes)."""
    from flows.sweep import vault_sweep

    config = None
    if processes is not None:
        config = Path(tempfile.mkdtemp(prefix="osmu-bench-")) / "config.yaml"
        config.write_text(f"sweep:\n  processes: {processes}\n  processes_min_notes: 1\n", encoding="utf-8")
    os.environ[TEXT_ONLY_ENV] = "1"
    with text_only():
        report = vault_sweep(
            vault=str(vault), out=str(out), channels=list(TEXT_CHANNELS), config=str(config) if config else None
        )
    return {"seconds": report.seconds, "rendered": len(report.rendered), "skipped": len(report.skipped)}


def sweep_prep(vault: Path, out: Path) -> dict[str, Any]:
    """A real sweep's state for `vault`, with stub outputs: each note is read and parsed (its
    links and privacy checked, as a sweep does), then only a manifest is written. A no-change
    sweep reads nothing of the outputs but that each manifest exists, so it times the same
    afterwards; this makes a 10k-note vault's state in minutes instead of a full render."""
    import flows.sweep
    from flows.repurpose import Outcome, protect_or_skip
    from tasks.markdown.parse import parse_note
    from tasks.model import NoteResult
    from tasks.render.templating import source_slug
    from tasks.vault.read import read_note

    def stub(path: Path, settings: Any, context: Any, channels: Any, force: bool, stages: Any) -> Outcome:
        note = read_note(settings.vault, path)
        parsed = protect_or_skip(parse_note(note, settings.navigation_sections), settings, context.notes)
        folder = settings.out_dir / source_slug(note.path)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "manifest.json").write_text('{"stub": true}\n', encoding="utf-8")
        return Outcome(
            NoteResult(source=note.path, ok=True, out_dir=str(folder)),
            tuple(dict.fromkeys(link.target for link in parsed.links)),
        )

    flows.sweep.run_pipeline = stub  # type: ignore[assignment]
    return sweep(vault, out, processes=0)


def note_phases(vault: Path, note_path: Path) -> dict[str, Any]:
    """Where `osmu run NOTE` spends its time, apart from Prefect: imports, analyser, one note's work."""
    phases: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        phases[name] = round(now - clock, 3)
        clock = now

    import prefect  # noqa: F401

    lap("import_prefect_s")
    import flows.cli
    import flows.repurpose  # noqa: F401

    lap("import_osmu_s")
    from tasks.nlp import korean

    korean.kiwi().tokenize("분석기 준비")
    lap("kiwi_load_s")
    out = Path(tempfile.mkdtemp(prefix="osmu-bench-"))
    try:
        osmu_text(vault, out, limit=None, only=note_path)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    lap("one_note_pipeline_s")
    return phases


def binaries(vault: Path) -> dict[str, Any]:
    """Time every builder call (PNG slides, PPTX decks) while rendering the first notes' channels."""
    from bench.anchors import builders
    from tasks.insight.extract import extract_insights
    from tasks.markdown.parse import parse_note
    from tasks.render.templating import base_context, preparer, render_channel
    from tasks.roots.index import build_root_index, resolve_note_roots
    from tasks.settings import load_settings
    from tasks.vault.links import NoteIndex
    from tasks.vault.read import list_vault, read_note, read_roots

    calls: dict[str, list[float]] = {}
    declared = builders()
    for channel, names in declared.items():
        module = preparer(channel)
        for name in names:
            original = getattr(module, name)

            def timed(ctx: Any, _f: Any = original, _n: str = name) -> Any:
                start = time.perf_counter()
                data = _f(ctx)
                calls.setdefault(_n, []).append(time.perf_counter() - start)
                return data

            setattr(module, name, timed)
    settings = load_settings(None, {"vault": str(vault)})
    roots = build_root_index(*read_roots(vault, settings.roots_folder))
    index = NoteIndex.build(list_vault(vault))
    for path in note_files(vault)[:8]:
        parsed = parse_note(read_note(vault, path), tuple(settings.navigation_sections))
        note_roots = resolve_note_roots(parsed, roots, index)
        insights = extract_insights(parsed, note_roots, roots)
        ctx = base_context(parsed, insights, note_roots, roots, settings)
        for channel in declared:
            render_channel(channel, ctx, settings)
    result: dict[str, Any] = {"calls": {k: len(v) for k, v in calls.items()}}
    png = [t for name, times in calls.items() if "png" in name.lower() for t in times]
    pptx = [t for name, times in calls.items() if "pptx" in name.lower() for t in times]
    result["carousel_s_per_slide"] = round(statistics.median(png), 4) if png else "n/a"
    result["pptx_s_per_deck"] = round(statistics.median(pptx), 4) if pptx else "n/a"
    return result


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
    elif what == "sweep":
        result = sweep(args[0], args[1], int(argv[3]) if len(argv) > 3 else None)
    elif what == "sweep-prep":
        result = sweep_prep(args[0], args[1])
    elif what == "note-phases":
        result = note_phases(args[0], args[1])
    elif what == "binaries":
        result = binaries(args[0])
    elif what == "profile-osmu":
        result = profile_osmu(args[0], args[1], int(argv[3]))
    else:
        raise SystemExit(f"unknown workload {what!r}")
    print(json.dumps({"work_s": round(time.perf_counter() - start, 4), **result}, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
