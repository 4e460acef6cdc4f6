"""`osmu watch` for real: a subprocess watching a temporary vault, files saved on disk."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

import pytest
from watchfiles import Change

from flows.watch import note_filter
from tests.servers import Proc, base_env

pytestmark = [pytest.mark.flow, pytest.mark.timeout(240)]

NOTE = """---
title: 저장하면 바로
tags: [process]
root-concepts: [프로세스-공유]
---
# 저장하면 바로

## 핵심 인사이트

- 과정을 공유하면 사람들이 응원하게 된다.

- 실패도 기록하면 자산이 된다.
"""


def _lines_about(proc: Proc, name: str) -> list[str]:
    return [line for line in proc.lines if name in line and "files written" in line]


def test_watch_renders_a_saved_note_and_ignores_a_resave_with_same_content(
    prefect_api: str, vault: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    env = base_env(PREFECT_API_URL=prefect_api)
    watch = Proc([sys.executable, "-m", "flows.cli", "watch", "--vault", str(vault), "--out", str(out)], env)
    try:
        watch.wait_for(lambda: any(line.startswith("watching") for line in watch.lines), 90, "the watch to start")
        note = vault / "30-knowledge" / "저장-테스트.md"
        saved = time.monotonic()
        for size in (40, 120, len(NOTE)):  # an editor writing in several steps
            note.write_text(NOTE[:size], encoding="utf-8")
            time.sleep(0.05)
        manifest = out / "저장-테스트" / "manifest.json"
        watch.wait_for(lambda: _lines_about(watch, "저장-테스트.md"), 60, "the first render")
        seconds = time.monotonic() - saved
        assert manifest.is_file()
        assert len(_lines_about(watch, "저장-테스트.md")) == 1, watch.output  # the burst made one run
        assert (out / "저장-테스트" / "blog" / "저장-테스트.md").is_file()
        print(f"saved → outputs in {seconds:.1f} s\n{watch.output}")
        before = manifest.stat().st_mtime_ns

        note.write_text(NOTE, encoding="utf-8")  # same content saved again: nothing to do
        (out / "ignored.md").write_text("# in the output folder\n", encoding="utf-8")
        (vault / ".obsidian").mkdir(exist_ok=True)
        (vault / ".obsidian" / "hidden.md").write_text("# hidden\n", encoding="utf-8")
        # A real change to another note afterwards: once it is rendered, the resave was handled.
        other = vault / "30-knowledge" / "33-insights" / "show-your-work.md"
        other.write_text(other.read_text(encoding="utf-8") + "\n- One more idea, shared early.\n", encoding="utf-8")
        watch.wait_for(lambda: _lines_about(watch, "show-your-work.md"), 60, "the second note's render")
        time.sleep(1.0)
        assert len(_lines_about(watch, "저장-테스트.md")) == 1, watch.output
        assert manifest.stat().st_mtime_ns == before
        assert not any("ignored.md" in line or "hidden.md" in line for line in watch.lines), watch.output
        assert not (out / "ignored").exists() and not (out / "hidden").exists()
    finally:
        code = watch.stop(signal.SIGINT)
    assert code == 0, watch.output


def test_note_filter_keeps_notes_and_skips_outputs_hidden_and_deletions(tmp_path: Path) -> None:
    vault = tmp_path / "v"
    keep = note_filter(vault, vault / "_osmu")
    assert keep(Change.modified, str(vault / "a" / "note.md"))
    assert keep(Change.added, str(vault / "note.md"))
    assert not keep(Change.deleted, str(vault / "note.md"))
    assert not keep(Change.modified, str(vault / "note.txt"))
    assert not keep(Change.modified, str(vault / "_osmu" / "x" / "blog" / "x.md"))
    assert not keep(Change.modified, str(vault / ".obsidian" / "x.md"))
    assert not keep(Change.modified, str(vault / "a" / ".hidden" / "x.md"))
    elsewhere = note_filter(vault, tmp_path / "out")
    assert not elsewhere(Change.modified, str(tmp_path / "out" / "x.md"))
