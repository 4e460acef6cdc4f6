"""Prefect runs read at a glance: `<flow>/<note-slug>` names, dated digests, channel and trigger tags,
a link artifact to the preview page, and schedules in the system's time zone (flows/run_names.py)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import FlowRun

from flows.digest import process_digest, process_story, weekly_deployment
from flows.repurpose import repurpose_note
from flows.run_names import trigger
from flows.serve import deployments
from flows.sweep import vault_sweep
from tasks.settings import ConfigError, load_settings, system_timezone
from tests.conftest import BOOK
from tests.helpers import settings_for
from tests.story_helpers import EXAMPLE_LOG


def _run(state: Any) -> tuple[FlowRun, dict[str, Any]]:
    """The flow run behind a final state, and its artifacts by key."""
    assert state.is_completed(), state
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(state.state_details.flow_run_id)
        artifacts = {a.key: a for a in client.read_artifacts() if a.flow_run_id == run.id and a.key}
    return run, artifacts


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_a_note_run_is_named_for_its_note_tagged_and_links_its_preview(vault: Path, tmp_path: Path) -> None:
    settings = settings_for(vault, out=tmp_path / "out")
    state = repurpose_note(note=BOOK, settings=settings, channels=["blog", "newsletter"], return_state=True)
    run, artifacts = _run(state)
    assert run.name == "repurpose-note/프로세스-이코노미"
    assert {"osmu", "trigger:manual", "channel:blog", "channel:newsletter"} <= set(run.tags), run.tags
    assert not {t for t in run.tags if t.startswith("channel:")} - {"channel:blog", "channel:newsletter"}
    link = artifacts["repurpose-preview"]
    preview = Path(state.result().preview)
    assert preview.is_file() and preview.as_uri() in str(link.data), link.data


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_digest_and_story_runs_carry_their_dates_and_log(vault: Path, tmp_path: Path) -> None:
    out = str(tmp_path / "out")
    digest, artifacts = _run(process_digest(vault=str(vault), out=out, return_state=True))
    assert digest.name == "process-digest/2025-11-29..2025-12-05"  # the dates it chose: the newest entry's week
    assert {"trigger:manual", "channel:newsletter", "channel:instagram"} <= set(digest.tags), digest.tags
    assert "digest-preview" in artifacts
    story, _ = _run(process_story(log="#process/cafe-pairing", vault=str(vault), out=out, return_state=True))
    assert story.name == "process-story/cafe-pairing"
    story, _ = _run(process_story(log=EXAMPLE_LOG, vault=str(vault), out=out, return_state=True))
    assert story.name == "process-story/osmu-제작기"


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_a_sweep_run_is_named_for_its_vault_and_links_the_overview(vault: Path, tmp_path: Path) -> None:
    settings = settings_for(vault, out=tmp_path / "out", channels=["blog"])
    run, artifacts = _run(vault_sweep(settings=settings, return_state=True))
    assert run.name == f"vault-sweep/{vault.name}"
    assert {"trigger:manual", "channel:blog"} <= set(run.tags)
    assert (tmp_path / "out" / "index.html").as_uri() in str(artifacts["sweep-preview"].data)


def test_the_trigger_tag_tells_schedule_deployment_and_manual_runs_apart() -> None:
    flow_id, deployment_id = uuid.uuid4(), uuid.uuid4()
    assert trigger(FlowRun(flow_id=flow_id)) == "manual"
    assert trigger(FlowRun(flow_id=flow_id, deployment_id=deployment_id)) == "deployment"
    assert trigger(FlowRun(flow_id=flow_id, deployment_id=deployment_id, auto_scheduled=True)) == "schedule"


def test_default_timezone_is_the_systems(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TZ", "Asia/Seoul")
    assert system_timezone() == "Asia/Seoul"
    settings = load_settings()
    assert settings.sweep.timezone == "Asia/Seoul"
    made = {d.name: d for d in deployments(settings)}
    assert [s.schedule.timezone for s in made["scheduled"].schedules] == ["Asia/Seoul"]
    assert [s.schedule.timezone for s in made["weekly-process-digest"].schedules] == ["Asia/Seoul"]
    assert [s.schedule.timezone for s in weekly_deployment().schedules] == ["Asia/Seoul"]
    monkeypatch.setenv("TZ", ":America/New_York")  # the glibc form
    assert system_timezone() == "America/New_York"

    config = tmp_path / "osmu.yaml"
    config.write_text("sweep:\n  timezone: Europe/Paris\n", encoding="utf-8")
    assert load_settings(config).sweep.timezone == "Europe/Paris"  # a setting wins over the system
    config.write_text("sweep:\n  timezone: Mars/Olympus\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"osmu.yaml: sweep\.timezone: .*unknown time zone 'Mars/Olympus'"):
        load_settings(config)
