"""The preview pages a run leaves behind: one per note, and a sweep's page listing every note."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
from typer.testing import CliRunner

from flows.cli import app
from flows.repurpose import repurpose_note
from flows.sweep import vault_sweep
from tasks.vault.read import list_vault
from tests.chromium import console_messages
from tests.conftest import BOOK

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]


def _links(page: Path) -> list[str]:
    return [unquote(h) for h in re.findall(r'(?:href|src)="([^"#]+)"', page.read_text(encoding="utf-8"))]


def test_run_writes_the_note_page_linking_every_output_and_says_where(vault: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", BOOK, "--vault", str(vault), "--out", str(out)])
    assert result.exit_code == 0, result.output
    folder = out / "프로세스-이코노미"
    page = folder / "index.html"
    assert f"preview: {page}" in result.output.replace("\n", "")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    links = _links(page)
    assert {o["path"] for o in manifest["outputs"]} <= set(links)  # every output, images included
    assert all((folder / link).is_file() for link in links)
    assert manifest["preview"]["path"] == "index.html"  # recorded like an output: hand edits are protected
    assert console_messages(page, tmp_path) == []

    page.write_text("my own page", encoding="utf-8")  # a hand edit is kept, never overwritten
    state = repurpose_note(note=BOOK, vault=str(vault), out=str(out), return_state=True)
    again = state.result()
    assert page.read_text(encoding="utf-8") == "my own page"
    assert again.preview == str(folder / "index.osmu-new.html") and Path(again.preview).is_file()
    with get_client(sync_client=True) as client:
        wanted = ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id]))
        report = next(a for a in client.read_artifacts(artifact_filter=wanted) if a.key == "repurpose-report")
    assert f"Preview page: `{again.preview}`" in str(report.data)


def test_sweep_page_lists_every_note_and_links_their_pages(vault: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    report = vault_sweep(vault=str(vault), out=str(out))
    page = out / "index.html"
    assert report.preview == str(page) and f"(preview: {page})" in report.summary()
    links = _links(page)
    rendered = {r.source for r in report.rendered}
    assert len(links) == len(rendered) == len(list_vault(vault)) - len(report.private) - len(report.failed)
    for link in links:
        assert (out / link).is_file() and link.endswith("/index.html")
    html = page.read_text(encoding="utf-8")
    assert all(source in html for source in rendered)
    assert not any(private in html for private in report.private)

    before = page.stat().st_mtime_ns  # a no-change sweep leaves the page alone
    assert vault_sweep(vault=str(vault), out=str(out)).preview == str(page)
    assert page.stat().st_mtime_ns == before
    (vault / BOOK).unlink()  # a removed note leaves the list
    vault_sweep(vault=str(vault), out=str(out))
    assert BOOK not in page.read_text(encoding="utf-8")
