"""Smoke test of the benchmark's vault generator and workloads (bench/ itself is not run in CI)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.generate import example_sources, generate
from bench.pelican_site import make_site
from bench.work import note_files, osmu_text, parse_floor
from tasks.markdown.parse import parse_note
from tasks.render import templating as render
from tasks.vault.links import NoteIndex, resolve
from tasks.vault.read import list_vault, read_note
from tests.conftest import ROOT


def test_generated_vault_is_deterministic_and_readable(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", 20)
    second = generate(tmp_path / "b", 20)
    assert len(first) == 20
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    # the vault's layout: every example folder is used, root notes are copied
    folders = {p.parent.relative_to(tmp_path / "a").as_posix() for p in first}
    assert folders == {s.rel.rpartition("/")[0] for s in example_sources()}
    assert len(list((tmp_path / "a" / "00-roots").glob("root-*.md"))) == 7
    # notes differ from each other and from their sources: no two notes share a prose line
    texts = [p.read_text(encoding="utf-8") for p in first]
    assert len(set(texts)) == 20
    lines = [ln for t in texts for ln in t.split("\n") if len(ln) > 40 and "[[" not in ln and ":" not in ln[:6]]
    assert len(lines) == len(set(lines))


def test_generated_notes_parse_and_link_to_each_other(tmp_path: Path) -> None:
    vault = tmp_path / "v"
    notes = generate(vault, 20)
    index = NoteIndex.build(list_vault(vault))
    for path in notes:
        parsed = parse_note(read_note(vault, path))
        assert parsed.title.endswith(f"({int(path.stem[-5:])})")
        bench_links = [link.target for link in parsed.links if link.line > 0][-3:]
        assert all(resolve(t, path.relative_to(vault).as_posix(), index) for t in bench_links), path


def test_workloads_run_on_a_small_vault(tmp_path: Path) -> None:
    vault = tmp_path / "v"
    generate(vault, 8)
    assert len(note_files(vault)) == 8
    floor = parse_floor(vault)
    assert floor["notes"] == 8 and floor["tokens"] > 100
    before = render.load_channel
    done = osmu_text(vault, tmp_path / "out", limit=2)
    assert render.load_channel is before  # text-only rendering must not leak into the process
    assert done["notes"] == 2
    manifests = sorted((tmp_path / "out").rglob("manifest.json"))
    assert len(manifests) == 2
    assert {json.loads(m.read_text(encoding="utf-8"))["source"] for m in manifests} == {
        p.relative_to(vault).as_posix() for p in note_files(vault)[:2]
    }
    site = make_site(vault, note_files(vault), tmp_path / "site")
    article = next((site / "content").glob("*.md")).read_text(encoding="utf-8")
    assert article.startswith("Title: ") and "\nDate: 20" in article


def test_sweep_workload_workers_render_text_only(tmp_path: Path) -> None:
    """The sweep workload's spawned workers (flows.pool) leave out PNG/PPTX like their parent."""
    vault, out = tmp_path / "v", tmp_path / "out"
    generate(vault, 6)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PREFECT_HOME": str(tmp_path / "prefect")}
    done = subprocess.run(
        [sys.executable, "-m", "bench.work", "sweep", str(vault), str(out), "2"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["rendered"] == len(list_vault(vault)) > 6
    written = [p.suffix for p in out.rglob("*") if p.is_file()]
    assert ".md" in written and ".eml" in written
    assert ".png" not in written and ".pptx" not in written


def test_sections_are_chosen_in_order_and_unknown_ones_refused() -> None:
    from bench.harness import SECTIONS, chosen_sections

    assert chosen_sections("", "") == SECTIONS
    assert chosen_sections("interactive", "") == ("interactive",)
    assert chosen_sections("sweep, cold", "") == ("cold", "sweep")
    assert chosen_sections("", "cold,sweep") == tuple(s for s in SECTIONS if s not in ("cold", "sweep"))
    with pytest.raises(SystemExit, match="warm"):
        chosen_sections("warm", "")


def test_full_job_child_renders_every_channel_cold(tmp_path: Path) -> None:
    """bench/full_job.py (the `full` section's child, also run against an older checkout): every
    configured channel, PNG and PPTX included, into an empty folder with an empty osmu cache."""
    from bench.full_job import evenly

    assert evenly(list(map(Path, "abcdefghij")), 3) == [Path("a"), Path("d"), Path("g")]
    assert len(evenly(list(map(Path, "ab")), 0)) == len(evenly(list(map(Path, "ab")), 5)) == 2
    vault, out = tmp_path / "v", tmp_path / "out"
    generate(vault, 4)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OSMU_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, "-P", str(ROOT / "bench" / "full_job.py"), str(out), f"{vault}:1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["notes"] == 1 and result["failed"] == 0 and Path(result["tasks"]) == ROOT
    assert result["png"] > 0 and result["pptx"] == 1
    assert any((tmp_path / "cache").iterdir())  # the slide cache went where it was told


def test_results_of_a_partial_run_keep_the_other_sections(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bench import harness

    monkeypatch.setattr(harness, "RESULTS", tmp_path)
    (tmp_path / "latest.json").write_text(
        json.dumps(
            {
                "date": "d0",
                "commit": "c0",
                "load_avg": [1.0],
                "figures": {"insights_json_s": 1.4, "repeat": {"interactive": 5}},
                "details": {"sections": ["interactive"], "watch": {"x": 1}},
            }
        ),
        encoding="utf-8",
    )
    harness.save({"full_vs_before": 0.8, "repeat": {"full": 3}}, {"sections": ["full"], "full_job": {}})
    saved = json.loads((tmp_path / "latest.json").read_text(encoding="utf-8"))
    assert saved["figures"]["insights_json_s"] == 1.4 and saved["figures"]["full_vs_before"] == 0.8
    assert saved["figures"]["repeat"] == {"interactive": 5, "full": 3}
    assert saved["details"]["sections"] == ["interactive", "full"] and "watch" in saved["details"]
    assert saved["measured"]["interactive"]["commit"] == "c0"
    assert saved["targets_met"] == {"insights_json_s": True, "full_vs_before": True}


@pytest.mark.flow
@pytest.mark.timeout(420)
def test_interactive_section_measures_and_cleans_up(tmp_path: Path) -> None:
    """`bench/run --only interactive` on an 8-note vault, one run per figure: a real local Prefect
    server (`osmu server start`), `osmu run`, `osmu insights --json` and `osmu watch` subprocesses."""
    from bench import interactive
    from flows.local_server import LocalServer

    vault, work = tmp_path / "v", tmp_path / "work"
    generate(vault, 8)
    note = interactive.edited_note(vault)
    before, mtime = note.read_bytes(), note.stat().st_mtime_ns
    details: dict[str, object] = {}
    figures = interactive.interactive(vault, 1, details, work)
    for key in ("run_note_edited_s", "insights_json_s", "watch_save_to_outputs_s"):
        assert isinstance(figures[key], float) and 0 < figures[key] < 120, (key, figures)
    assert figures["insights_prefect_modules"] == 0
    assert figures["watch_peak_rss_mb"] > 50
    watch = details["watch"]
    assert isinstance(watch, dict) and watch["sigint_exit_code"] == 0
    phases = details["run_note_phases_s"]
    assert isinstance(phases, dict) and {"import_prefect_s", "kiwi_load_s", "render_s"} <= set(phases)
    # the server is stopped, the edited note has its bytes and time back
    assert LocalServer(work / "prefect-home-interactive").pid() is None
    assert (note.read_bytes(), note.stat().st_mtime_ns) == (before, mtime)
    # `osmu run` and `osmu watch` each wrote the edited note's outputs, and only that note's
    for out in ("out-interactive-run", "out-interactive-watch"):
        assert len(list((work / out).glob("*/manifest.json"))) == 1, out
