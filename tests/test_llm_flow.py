"""LLM polish through the real `repurpose-note` flow and `osmu run`, against the local server."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from tasks.llm import client as llm
from tasks.settings import LlmSettings
from tests.conftest import BOOK
from tests.llm_server import MARK, LlmServer, running

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]
KEY = "sk-flow-SECRET-0b1c"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[LlmServer]:
    with running() as state:
        monkeypatch.setenv("OSMU_LLM_PROVIDER", "openai")
        monkeypatch.setenv("OSMU_LLM_BASE_URL", state.url("/v1"))
        monkeypatch.setenv("OSMU_LLM_MODEL", "test-model")
        monkeypatch.setenv("OSMU_LLM_API_KEY", KEY)
        yield state


def test_osmu_run_polishes_reports_spend_and_reruns_without_requests(
    vault: Path, tmp_path: Path, server: LlmServer
) -> None:
    out = tmp_path / "out"
    runner = CliRunner()
    args = ["run", BOOK, "--vault", str(vault), "--out", str(out), "--channels", "newsletter,blog,instagram"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    made = len(server.requests)
    assert 0 < made <= 3  # one request per channel draft, whatever its number of texts
    report = re.search(
        r"llm: (\d+) calls, (\d+) cache hits, (\d+) failed, (\d+) tokens .*est\. \$(\d+\.\d+)", first.output
    )
    assert report is not None and int(report[1]) == made and int(report[2]) == 0 and int(report[4]) > 0
    folder = out / "프로세스-이코노미"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    polished = [o for o in manifest["outputs"] if o.get("llm")]
    assert {o["channel"] for o in polished} == {"newsletter", "blog", "instagram"}
    assert all(p["provider"] == "openai" and p["model"] == "test-model" for o in polished for p in o["llm"])
    assert {"source", "source_hash", "osmu_version", "insights", "outputs", "warnings"} <= manifest.keys()
    assert MARK in (folder / "blog" / "프로세스-이코노미.md").read_text(encoding="utf-8")
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    second = runner.invoke(app, args)
    assert second.exit_code == 0, second.output
    assert len(server.requests) == made  # zero HTTP calls: every answer came from the cache
    assert re.search(rf"llm: 0 calls, {made} cache hits", second.output)
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before
    assert KEY not in first.output + second.output
    assert not [p for p in [*out.rglob("*"), *vault.rglob("*")] if p.is_file() and KEY.encode() in p.read_bytes()]


def test_api_key_from_a_prefect_secret_block(monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.blocks.system import Secret

    monkeypatch.delenv("OSMU_LLM_API_KEY", raising=False)
    monkeypatch.delenv("OSMU_LLM_PROVIDER", raising=False)
    Secret(value=KEY).save("osmu-llm-test-key", overwrite=True)
    cfg = llm.resolve(LlmSettings(provider="anthropic", model="claude-x", api_key_secret="osmu-llm-test-key"))
    assert cfg is not None and cfg.api_key == KEY and KEY not in repr(cfg)
