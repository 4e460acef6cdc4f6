"""A sweep with many notes renders in worker processes (`flows.pool`): same bytes, same report."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from flows import pool
from flows.sweep import vault_sweep
from tasks.settings import ConfigError, load_settings
from tasks.vault.privacy import is_daily
from tasks.vault.read import list_vault
from tests.conftest import FIXTURES

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]
CHANNELS = ["blog", "newsletter"]


def _tree(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".osmu-state.json"
    }


def _config(tmp_path: Path, processes: int, min_notes: int) -> str:
    path = tmp_path / f"config-{processes}-{min_notes}.yaml"
    path.write_text(f"sweep:\n  processes: {processes}\n  processes_min_notes: {min_notes}\n", encoding="utf-8")
    return str(path)


def test_worker_processes_write_what_one_process_writes_and_report_bad_notes(vault: Path, tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "notes" / "malformed_front_matter.md", vault / "30-knowledge" / "broken.md")
    one, two = tmp_path / "one", tmp_path / "two"
    alone = vault_sweep(vault=str(vault), out=str(one), channels=CHANNELS, config=_config(tmp_path, 0, 1))
    spread = vault_sweep(vault=str(vault), out=str(two), channels=CHANNELS, config=_config(tmp_path, 2, 1))
    good = {n for n in list_vault(vault) if not is_daily(n)} - {"30-knowledge/broken.md"}  # daily notes: private
    assert {r.source for r in spread.rendered} == {r.source for r in alone.rendered} == good
    assert [r.source for r in spread.failed] == ["30-knowledge/broken.md"]
    assert spread.failed[0].error == alone.failed[0].error and "broken.md:2:" in spread.failed[0].error
    assert _tree(two) == _tree(one) and len(_tree(one)) > 2 * len(good)

    again = vault_sweep(vault=str(vault), out=str(two), channels=CHANNELS, config=_config(tmp_path, 2, 1))
    assert not again.rendered and set(again.skipped) == good  # the state the workers' results made


def test_processes_start_only_for_enough_notes(tmp_path: Path) -> None:
    settings = load_settings(Path(_config(tmp_path, 2, 200)), {"vault": str(tmp_path)})
    assert pool.use_processes(settings, 199) == 0 and pool.use_processes(settings, 200) == 2
    single = load_settings(Path(_config(tmp_path, 1, 1)), {"vault": str(tmp_path)})
    assert pool.use_processes(single, 10_000) == 0


def test_auto_starts_one_worker_per_core_and_bad_values_are_refused(tmp_path: Path) -> None:
    default = load_settings(None, {"vault": str(tmp_path)})
    assert default.sweep.processes == "auto"
    cores = os.cpu_count() or 1
    assert pool.use_processes(default, 10_000) == (cores if cores > 1 else 0)
    assert pool.use_processes(default, default.sweep.processes_min_notes - 1) == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("sweep:\n  processes: -1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="processes"):
        load_settings(bad, {"vault": str(tmp_path)})
    bad.write_text("sweep:\n  processes: many\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="processes"):
        load_settings(bad, {"vault": str(tmp_path)})
