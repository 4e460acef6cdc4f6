"""What the warm process loads before it serves: the modules a one-shot command imports, and a
rehearsal that renders one small note through every channel (without Prefect, writing nothing).

The rehearsal fills what a first note otherwise pays in each process: Jinja compiling the
channel templates, the carousel's font, the PNG and PPTX builders' first use, the analyser's
first sentences (~0.5-1 s of an edited note's run on the 2-core build machine). Everything it
fills is cached on content (templates by file and mtime, fonts by file), so a child renders
exactly what a fresh process would. No LLM is asked (its environment is hidden meanwhile) and no
thread is left behind (the fork needs a single-threaded process; flows/warm_loop.py checks).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

RUNTIME_MODULES = (
    "prefect.main",
    "prefect.engine",
    "prefect.flow_engine",
    "prefect.task_engine",
    "prefect.concurrency.v1.context",
    "prefect.concurrency.sync",
    "prefect.telemetry.run_telemetry",
    "prefect.utilities.visualization",
    "prefect._internal.control_listener",
    "prefect.artifacts",
    "fastapi.encoders",  # Prefect serialises flow parameters with it
    "anyio._backends._asyncio",
    "typer",
    "typer._click.decorators",
    "typer._adapters",
    "rich.console",
    "rich.markup",
    "rich.progress",
    "rich.table",
    "rich._emoji_codes",
    "flows.repurpose",
    "flows.one_shot",
    "flows.digest",
    "tasks.lint",
    "tasks.carousel",
    "tasks.deck",
    "tasks.email",
    "tasks.llm",
    "PIL.PngImagePlugin",
    "css_inline",
    "lxml.etree",
    "email.generator",
    "http.cookies",
    "pydantic.color",
)
"""What a one-shot command imports (besides the CLI module itself, imported per caller), found by
listing the modules an `osmu run` of an edited note loads: Prefect's engine pieces, the stages,
the channel preparers and the builders' libraries."""

SAMPLE = """---
title: 준비 노트
tags: [process, sharing]
created: 2025-01-01
---

# 준비 노트

과정을 공유하는 일에 대한 짧은 메모.

## 핵심

- 결과보다 과정을 먼저 보여 준다. 작은 실패도 기록한다.
- 질문을 받으면 답을 고쳐 쓴다. Feedback makes people feel they belong.
  - 예: 빵집이 반죽 일정을 매일 공개한다.

## 다음

- 일주일에 한 번 작업 일지를 쓴다.
"""
"""A small knowledge note in Korean and English (every channel renders it, the carousel and deck too)."""


def warm_up(root: Path) -> str:
    """Import, load the analyser, rehearse one note; best effort: a failed rehearsal only costs speed.

    Returns a line for the log: how the rehearsal went."""
    from rich.cells import cell_len

    from flows.repurpose import warm_up as load_analyser
    from tasks.settings import CHANNELS_DIR

    for name in RUNTIME_MODULES:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    for preparer in sorted((root / "tasks" / "channels").glob("*.py")):
        if CHANNELS_DIR.joinpath(preparer.stem).is_dir():
            importlib.import_module(f"tasks.channels.{preparer.stem}")
    cell_len("가")  # loads rich's table of character widths
    load_analyser()
    try:
        return f"rehearsed one note: {rehearse()} outputs"
    except Exception as exc:
        return f"rehearsal failed ({type(exc).__name__}: {exc}); serving without it"


def rehearse() -> int:
    """Render SAMPLE through every channel of the default settings; the number of outputs."""
    from flows.repurpose import PLAIN
    from tasks.links import NoteIndex
    from tasks.read import list_vault, read_roots
    from tasks.render import render_note
    from tasks.roots import build_root_index
    from tasks.settings import load_settings

    with _scratch_vault() as vault, _without_llm():
        settings = load_settings(None, {"vault": str(vault), "out": str(vault / "_osmu")})
        notes = NoteIndex.build(list_vault(vault))
        roots = build_root_index(*read_roots(vault, settings.roots_folder), settings.root_aliases)
        note = PLAIN.read(vault, vault / "30-knowledge" / "warm-up.md")
        parsed = PLAIN.protect(PLAIN.parse(note, settings.navigation_sections), settings, notes)
        note_roots = PLAIN.roots(parsed, roots, notes)
        insights = PLAIN.insights(parsed, note_roots, roots)
        rendered = render_note(parsed, insights, note_roots, roots, settings, settings.channels)
        return len(rendered.outputs)


@contextlib.contextmanager
def _scratch_vault() -> Iterator[Path]:
    vault = Path(tempfile.mkdtemp(prefix="osmu-warm-"))
    try:
        (vault / "30-knowledge").mkdir()
        (vault / "30-knowledge" / "warm-up.md").write_text(SAMPLE, encoding="utf-8")
        yield vault
    finally:
        shutil.rmtree(vault, ignore_errors=True)


@contextlib.contextmanager
def _without_llm() -> Iterator[None]:
    """No LLM provider while rehearsing (a user's OSMU_LLM_* would make it call one)."""
    hidden = {k: os.environ.pop(k) for k in [k for k in os.environ if k.startswith("OSMU_LLM_")]}
    try:
        yield
    finally:
        os.environ.update(hidden)
