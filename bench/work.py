"""The measured workloads. Each runs in a fresh process started by `bench/run` (so a
"cold" figure pays imports, the Korean analyser and template loading, as a writer would)
and prints one JSON line: the work time inside the process and what it did.

    python -m bench.work osmu-text VAULT OUT       # all text channels, every note, fresh OUT
    python -m bench.work parse-floor VAULT         # read + markdown-it-py parse of every note
    python -m bench.work pelican SITE              # Pelican builds SITE/content → SITE/output
    python -m bench.work sweep VAULT OUT [P]       # one vault-sweep (no-change once outputs exist); P processes
    python -m bench.work sweep-prep VAULT OUT      # a sweep's state with stub outputs (for no-change sweeps)
    python -m bench.work note-phases VAULT NOTE    # imports, analyser load, one note's work
    python -m bench.work insights-imports VAULT NOTE  # `osmu insights NOTE --json` in-process: Prefect imported?
    python -m bench.work profile-cli ARGS…         # cProfile of `osmu ARGS…` in-process (a missed target)
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
from collections.abc import Callable, Iterator, Sequence
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
    """Channel specs lose their PNG/PPTX builder outputs from now on; returns the original loader.

    The render stage (`tasks.render.templating.render_channel`) looks `load_channel` up in its
    own module, so that name is the one replaced."""
    import tasks.render.templating as render
    from tasks.render.channel import ChannelSpec
    from tasks.settings import CHANNELS_DIR

    original = render.load_channel  # type: ignore[attr-defined]

    def load(name: str, channels_dir: Path = CHANNELS_DIR) -> ChannelSpec:
        spec: ChannelSpec = original(name, channels_dir)
        keep = tuple(o for o in spec.outputs if not (o.builder and o.path.endswith(BINARY_SUFFIXES)))
        return spec.model_copy(update={"outputs": keep})

    render.load_channel = load  # type: ignore[attr-defined]
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
        render.load_channel = original  # type: ignore[attr-defined]


if __name__ == "__mp_main__" and os.environ.get(TEXT_ONLY_ENV):  # a sweep's spawned worker (flows.pool)
    _drop_binaries()  # renders what its parent renders: no PNG/PPTX builders


def osmu_text(vault: Path, out: Path, limit: int | None = None, only: Path | None = None) -> dict[str, Any]:
    """read → parse → privacy → roots → insights → render → polish → lint → write, one process.

    `tasks.pipeline.run_note` with the plain stage functions (`PLAIN`), each timed: the per-note
    work a vault sweep does inside its batch tasks, without Prefect.
    """
    start = time.perf_counter()

    with text_only():
        return _osmu_text(vault, out, limit, only, start)


STAGE_NAMES = ("read", "parse", "protect", "roots", "insights", "render", "polish", "lint", "write")
"""The per-note stages of `tasks.pipeline.Stages`, in pipeline order (the rest are vault-wide reads);
`other` is the pipeline's own work between them."""


def timed_stages(stages: dict[str, float], lap: Callable[[str], None]) -> Any:
    """`tasks.pipeline.PLAIN` whose per-note stages add their seconds to `stages[name]`.

    `lap(name)` books the time since the last lap (the loop's own work) before a stage starts.
    """
    from tasks.pipeline import PLAIN, Stages

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            lap("other")  # the pipeline's glue between stages (per note, small)
            try:
                return fn(*args, **kwargs)
            finally:
                lap(name)

        return call

    fields = {f: getattr(PLAIN, f) for f in Stages.__slots__}
    return Stages(**{f: timed(f, fn) if f in STAGE_NAMES else fn for f, fn in fields.items()})


def _osmu_text(vault: Path, out: Path, limit: int | None, only: Path | None, start: float) -> dict[str, Any]:
    from tasks.nlp import korean
    from tasks.pipeline import open_vault, run_note
    from tasks.settings import load_settings

    stages = dict.fromkeys(("import", "setup", "kiwi-load", *STAGE_NAMES, "other"), 0.0)
    clock = start

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        stages[stage] += now - clock
        clock = now

    lap("import")
    korean.warm_up()  # the analyser loads lazily (root tagging needs it too); count its load apart
    lap("kiwi-load")
    settings = load_settings(None, {"vault": str(vault), "out": str(out)})
    context = open_vault(settings)
    timed = timed_stages(stages, lap)
    files = 0
    notes = [only] if only else note_files(vault)[:limit]
    gc.freeze()  # as `osmu sweep` does after its imports (flows.one_shot.settle_imports)
    lap("setup")
    kiwi_spent = _time_kiwi()
    for path in notes:
        outcome = run_note(settings, context, path, TEXT_CHANNELS, stages=timed)
        files += len(outcome.result.files)
        lap("other")
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
    from tasks.nlp import morph

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
    from tasks.settings import load_settings

    overrides: dict[str, Any] = {"vault": str(vault), "out": str(out)}
    if processes is not None:
        overrides["sweep"] = {"processes": processes, "processes_min_notes": 1}
    settings = load_settings(None, overrides)
    os.environ[TEXT_ONLY_ENV] = "1"
    with text_only():
        report = vault_sweep(settings=settings, channels=list(TEXT_CHANNELS))
    return {"seconds": report.seconds, "rendered": len(report.rendered), "skipped": len(report.skipped)}


def sweep_prep(vault: Path, out: Path) -> dict[str, Any]:
    """A real sweep's state for `vault`, with stub outputs: each note is read, parsed and its
    privacy checked (its links too, as a sweep does), then only a manifest is written. A
    no-change sweep reads nothing of the outputs but that each manifest exists, so it times the
    same afterwards; this makes a 10k-note vault's state in minutes instead of a full render."""
    import flows.sweep
    from tasks.model import NoteResult
    from tasks.pipeline import PLAIN, Outcome, Stages, VaultContext
    from tasks.render.context import source_slug
    from tasks.settings import Settings

    def stub(
        settings: Settings,
        vault: VaultContext,
        note_path: Path,
        channels: Sequence[str] = (),
        force: bool = False,
        stages: Stages = PLAIN,
    ) -> Outcome:
        note = stages.read(settings.vault, note_path, vault.notes, settings.private_folders)
        parsed = stages.protect(stages.parse(note, settings.navigation_sections), settings, vault.notes)
        folder = settings.out_dir / source_slug(note.path)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "manifest.json").write_text('{"stub": true}\n', encoding="utf-8")
        return Outcome(
            NoteResult(source=note.path, ok=True, out_dir=str(folder)),
            tuple(dict.fromkeys(link.target for link in parsed.links)),
        )

    flows.sweep.run_note = stub  # type: ignore[attr-defined]  # render_one (flows.sweep) calls it per note
    return sweep(vault, out, processes=0)


def note_phases(vault: Path, note_path: Path) -> dict[str, Any]:
    """Where `osmu run NOTE` spends its time apart from Prefect's engine: imports, the analyser, the
    vault's root notes, then one note's stages as plain functions (every channel, as `osmu run`)."""
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
    from tasks.nlp import korean
    from tasks.pipeline import cut_insights, open_vault, render_insights
    from tasks.settings import load_settings

    lap("import_osmu_s")
    korean.warm_up()
    lap("kiwi_load_s")
    out = Path(tempfile.mkdtemp(prefix="osmu-bench-"))
    try:
        settings = load_settings(None, {"vault": str(vault), "out": str(out)})
        context = open_vault(settings)
        lap("open_vault_s")  # the root index: every root note analysed, in each new process
        cut = cut_insights(settings, context, note_path)
        lap("cut_insights_s")
        calls = time_builders()
        rendered = render_insights(cut.parsed, cut.insights, cut.roots, settings, context)
        lap("render_s")
        phases["of_which_builders_s"] = round(sum(t for times in calls.values() for t in times), 3)
        write_outputs(rendered, cut.parsed.note.source_hash, cut.insights, cut.warnings, settings.out_dir)
        lap("write_s")
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return phases


def write_outputs(*args: Any) -> Any:
    """`tasks.write.outputs.write_outputs` (imported when called: timed phases import nothing first)."""
    from tasks.write.outputs import write_outputs as write

    return write(*args)


def insights_imports(vault: Path, note_path: Path) -> dict[str, Any]:
    """`osmu insights NOTE --json` run in this process (typer's app, as the console script does):
    which Prefect modules it imported (none, by design) and how many modules in all."""
    import contextlib

    before = set(sys.modules)
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        from flows.cli import app

        app(["insights", str(note_path), "--vault", str(vault), "--json"], standalone_mode=False)
    seconds = time.perf_counter() - start
    prefect = sorted(m for m in sys.modules if m == "prefect" or m.startswith("prefect."))
    return {
        "insights": len(json.loads(printed.getvalue())["insights"]),
        "prefect_modules": len(prefect),
        "prefect_first": prefect[:5],
        "modules_imported": len(set(sys.modules) - before),
        "in_process_s": round(seconds, 3),
    }


def profile_cli(argv: list[str], top: int = 20) -> dict[str, Any]:
    """cProfile of `osmu ARGV…` run in this process: the `top` functions by cumulative time and
    by own time, rows `[seconds, calls, function]` (imports included: they happen inside)."""
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    try:
        from flows.cli import app

        app(argv, standalone_mode=False)
    finally:
        profiler.disable()
    seconds = time.perf_counter() - start
    stats = pstats.Stats(profiler, stream=io.StringIO())
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    where = str(Path(__file__).resolve().parent.parent) + "/"

    def rows(column: int) -> list[list[Any]]:
        ranked = sorted(raw.items(), key=lambda kv: -kv[1][column])[:top]
        return [
            [round(row[column], 3), row[1], _function(file.replace(where, ""), line, name)]
            for (file, line, name), row in ranked
        ]

    return {"profiled_s": round(seconds, 3), "cumulative": rows(3), "own": rows(2)}


def time_builders() -> dict[str, list[float]]:
    """From now on, the seconds of every builder call (PNG slides, PPTX decks, e-mail), by builder name."""
    from bench.anchors import builders
    from tasks.render.channel import preparer

    calls: dict[str, list[float]] = {}
    for channel, names in builders().items():
        module = preparer(channel)
        assert module is not None, f"channel {channel} declares builders but has no module"
        for name in dict.fromkeys(names):  # two outputs may share a builder: wrap it once
            original = getattr(module, name)

            def timed(ctx: Any, _f: Any = original, _n: str = name) -> Any:
                start = time.perf_counter()
                data = _f(ctx)
                calls.setdefault(_n, []).append(time.perf_counter() - start)
                return data

            setattr(module, name, timed)
    return calls


def binaries(vault: Path) -> dict[str, Any]:
    """Time every builder call (PNG slides, PPTX decks) while rendering the first notes' channels."""
    from bench.anchors import builders
    from tasks.pipeline import cut_insights, open_vault
    from tasks.render.context import base_context
    from tasks.render.templating import render_channel
    from tasks.settings import load_settings

    declared = builders()
    calls = time_builders()
    settings = load_settings(None, {"vault": str(vault)})
    context = open_vault(settings)
    for path in note_files(vault)[:8]:
        cut = cut_insights(settings, context, path)
        ctx = base_context(cut.parsed, cut.insights, cut.roots, context.roots, settings)
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
    elif what == "insights-imports":
        result = insights_imports(args[0], args[1])
    elif what == "profile-cli":
        result = profile_cli(argv[1:])
    elif what == "binaries":
        result = binaries(args[0])
    elif what == "profile-osmu":
        result = profile_osmu(args[0], args[1], int(argv[3]))
    else:
        raise SystemExit(f"unknown workload {what!r}")
    print(json.dumps({"work_s": round(time.perf_counter() - start, 4), **result}, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
