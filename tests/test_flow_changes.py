"""Change detection (tasks.changes, the one system) and what the flows leave in Prefect."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from flows.repurpose import repurpose_note
from tasks import changes
from tests.conftest import ROOT_NOTE
from tests.helpers import settings_for

KNOWLEDGE = "30-knowledge/33-insights/show-your-work.md"


def _record_all(vault: Path) -> changes.SweepState:
    """Plan, then record every note as rendered (with a manifest that exists)."""
    settings = settings_for(vault)
    state = changes.SweepState.load(settings.out_dir)
    plan = changes.plan(settings, settings.channels, state)
    manifest = vault / "manifest.json"
    manifest.write_text("{}", encoding="utf-8")
    for candidate in plan.todo:
        changes.record(state, candidate, (), plan.index, plan.sha_of, manifest=str(manifest))
    state.save()
    return state


def test_plan_skips_recorded_notes_and_notices_content_and_date_changes(vault: Path) -> None:
    settings = settings_for(vault)
    _record_all(vault)
    state = changes.SweepState.load(settings.out_dir)
    plan = changes.plan(settings, settings.channels, state)
    assert not plan.todo and len(plan.unchanged) == len(state.notes)

    note = vault / KNOWLEDGE
    stat = note.stat()
    os.utime(note, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000))  # touched, same day, same bytes
    assert not changes.plan(settings, settings.channels, state).todo

    os.utime(note, ns=(stat.st_atime_ns, stat.st_mtime_ns - 400 * 86_400 * 10**9))  # other day: dates may change
    assert [c.stat.rel for c in changes.plan(settings, settings.channels, state).todo] == [KNOWLEDGE]
    os.utime(note, ns=(stat.st_atime_ns, stat.st_mtime_ns))

    note.write_bytes(note.read_bytes() + b"\n")  # a root note would change every key (see below)
    assert [c.stat.rel for c in changes.plan(settings, settings.channels, state).todo] == [KNOWLEDGE]


def test_settings_roots_and_removed_notes_change_the_plan(vault: Path) -> None:
    settings = settings_for(vault)
    state = _record_all(vault)
    every = len(state.notes)
    other = settings_for(vault, navigation_sections=["핵심 인사이트"])
    assert len(changes.plan(other, other.channels, state).todo) == every  # a setting changes every key
    blog_only = changes.plan(settings, ("blog",), state)
    assert len(blog_only.todo) == every  # other channels: other outputs
    root = vault / "00-roots" / "root-03-과도함.md"
    root.write_text(root.read_text(encoding="utf-8") + "\n- 하나 더.\n", encoding="utf-8")
    assert len(changes.plan(settings, settings.channels, state).todo) == every  # roots tag every note
    (vault / ROOT_NOTE).unlink()
    assert changes.plan(settings, settings.channels, state).removed == (ROOT_NOTE,)


def test_scan_skips_output_and_hidden_folders_and_a_bad_state_file_means_render_all(vault: Path) -> None:
    (vault / "_osmu" / "x").mkdir(parents=True)
    (vault / "_osmu" / "x" / "out.md").write_text("# output\n")
    (vault / ".trash").mkdir()
    (vault / ".trash" / "old.md").write_text("# old\n")
    (vault / "elsewhere").mkdir()
    (vault / "elsewhere" / "note.md").write_text("# out folder set here\n")
    found = {s.rel for s in changes.scan_vault(vault, skip=[vault / "elsewhere"])}
    assert found and not any(r.startswith(("_osmu/", ".trash/", "elsewhere/")) for r in found)
    (vault / "_osmu" / changes.STATE_FILE).write_text("{not json", encoding="utf-8")
    assert changes.SweepState.load(vault / "_osmu").notes == {}


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_every_stage_is_a_task_run_and_no_result_is_persisted(vault: Path, tmp_path: Path) -> None:
    """One change-detection system: the state file. Prefect runs each stage as a task, caches nothing,
    and keeps no pickled note (with its private `%%` comments) in its result storage."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.settings import PREFECT_LOCAL_STORAGE_PATH

    def stage_states(state: object) -> dict[str, str]:
        flow_run_id = state.state_details.flow_run_id  # type: ignore[attr-defined]
        with get_client(sync_client=True) as client:
            runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
        return {r.name.rsplit("-", 1)[0]: r.state.name for r in runs if r.state is not None}

    storage = Path(PREFECT_LOCAL_STORAGE_PATH.value())
    before = set(storage.rglob("*")) if storage.exists() else set()
    settings = settings_for(vault, out=tmp_path / "out")
    first = stage_states(repurpose_note(note=ROOT_NOTE, settings=settings, return_state=True))
    second = stage_states(repurpose_note(note=ROOT_NOTE, settings=settings, return_state=True))
    stages = ("read-note", "parse-note", "protect-private", "resolve-roots", "extract-insights")
    stages += ("render-channels", "polish", "lint", "write-outputs")
    for states in (first, second):
        assert all(states[name] == "Completed" for name in stages), states
    after = set(storage.rglob("*")) if storage.exists() else set()
    assert after == before


def test_batches_keep_notes_with_the_same_slug_together(vault: Path) -> None:
    from flows.sweep import batches

    for i in range(30):
        folder = vault / "dup" / f"f{i % 3}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"note-{i // 3}.md").write_text(f"# {i}\n")
    settings = settings_for(vault)
    todo = changes.plan(settings, settings.channels, changes.SweepState.load(settings.out_dir)).todo
    parts = batches(todo, 4)
    assert sorted(c.stat.rel for part in parts for c in part) == sorted(c.stat.rel for c in todo)
    where = {}
    for n, part in enumerate(parts):
        for c in part:
            assert where.setdefault(Path(c.stat.rel).stem, n) == n, c.stat.rel
    assert len(batches(todo, 0)) >= 2
