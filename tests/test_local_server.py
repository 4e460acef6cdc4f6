"""`osmu run` starts a local Prefect server once and reuses it (flows/local_server.py), for real."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from flows.local_server import LocalServer, ServerError, use_server
from tests.conftest import BOOK, ROOT_NOTE
from tests.servers import base_env, run_cli


def _flow_runs(url: str) -> list[dict[str, object]]:
    request = urllib.request.Request(
        f"{url}/flow_runs/filter", data=b"{}", headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        runs: list[dict[str, object]] = json.load(response)
    return runs


@pytest.mark.flow
@pytest.mark.timeout(400)
def test_osmu_run_starts_one_server_and_the_next_run_reuses_it(vault: Path, tmp_path: Path) -> None:
    home, out = tmp_path / "prefect-home", tmp_path / "out"
    env = base_env(PREFECT_HOME=str(home), OSMU_PREFECT_SERVER="auto")
    osmu = [sys.executable, "-m", "flows.cli"]
    server = LocalServer(home)
    try:
        first = run_cli([*osmu, "run", BOOK, "--vault", str(vault), "--out", str(out)], env, timeout=240)
        assert first.returncode == 0, first.stdout + first.stderr
        assert "started a local Prefect server" in first.stderr, first.stderr
        pid, url = server.pid(), server.url()
        assert pid is not None and url is not None, (home / "server.log").read_text(errors="replace")

        second = run_cli([*osmu, "run", ROOT_NOTE, "--vault", str(vault), "--out", str(out)], env, timeout=240)
        assert second.returncode == 0, second.stdout + second.stderr
        assert "started" not in second.stderr, second.stderr
        assert server.pid() == pid  # the same server process served both runs
        for slug in ("프로세스-이코노미", "root-04-프로세스-공유"):
            manifest = json.loads((out / slug / "manifest.json").read_text(encoding="utf-8"))
            assert manifest["insights"] and all((out / slug / o["path"]).is_file() for o in manifest["outputs"])
        runs = _flow_runs(url)
        assert sorted(str(r["state_name"]) for r in runs) == ["Completed", "Completed"], runs
        assert {r["parameters"]["note"].rsplit("/", 1)[-1] for r in runs} == {  # type: ignore[index]
            "프로세스-이코노미.md",
            "root-04-프로세스-공유.md",
        }

        status = run_cli([*osmu, "server", "status"], env)
        assert status.returncode == 0 and url in status.stdout, status.stdout + status.stderr
        stopped = run_cli([*osmu, "server", "stop"], env)
        assert stopped.returncode == 0 and "stopped" in stopped.stdout, stopped.stdout
        assert run_cli([*osmu, "server", "status"], env).returncode == 1
        with pytest.raises(ProcessLookupError):
            os.killpg(pid, 0)  # the server's whole process group is gone
    finally:
        server.stop(grace=5)


def test_embedded_and_a_given_url_start_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path))
    monkeypatch.setenv("PREFECT_API_URL", "")  # unset for use_server; restored (absent) after the test
    monkeypatch.setenv("OSMU_PREFECT_SERVER", "embedded")
    assert use_server(start=True) is None
    assert not os.environ["PREFECT_API_URL"]
    monkeypatch.setenv("OSMU_PREFECT_SERVER", "http://127.0.0.1:9/api")
    assert use_server(start=True) is None
    assert os.environ["PREFECT_API_URL"] == "http://127.0.0.1:9/api"
    assert not list(tmp_path.iterdir())  # no pid, port or log file: nothing was started
    monkeypatch.setenv("PREFECT_API_URL", "")
    monkeypatch.setenv("OSMU_PREFECT_SERVER", "sometimes")
    with pytest.raises(ServerError, match="expected auto, embedded or an http"):
        use_server(start=True)


def test_a_dead_server_is_not_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmp_path / "server.pid").write_text(f"{dead.pid}\n")
    (tmp_path / "server.port").write_text("9\n")
    server = LocalServer(tmp_path)
    assert server.pid() is None and server.url() is None
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path))
    monkeypatch.setenv("PREFECT_API_URL", "")  # unset for use_server; restored (absent) after the test
    monkeypatch.setenv("OSMU_PREFECT_SERVER", "auto")
    assert use_server(start=False) is None  # reuse only: a dead server is not used, none is started
    assert not os.environ["PREFECT_API_URL"]
    assert not server.stop()
    assert not (tmp_path / "server.pid").exists()


def test_cli_rejects_a_bad_mode(vault: Path, tmp_path: Path) -> None:
    env = base_env(PREFECT_HOME=str(tmp_path / "home"), OSMU_PREFECT_SERVER="sometimes")
    done = run_cli([sys.executable, "-m", "flows.cli", "run", BOOK, "--vault", str(vault)], env, timeout=60)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "OSMU_PREFECT_SERVER='sometimes'" in done.stderr
    assert not (tmp_path / "home" / "server.pid").exists()


def test_a_server_in_the_prefect_profile_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "profiles.toml").write_text(
        'active = "mine"\n\n[profiles.mine]\nPREFECT_API_URL = "http://127.0.0.1:9/api"\n', encoding="utf-8"
    )
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path))
    monkeypatch.setenv("PREFECT_API_URL", "")  # unset for use_server; restored (absent) after the test
    monkeypatch.delenv("PREFECT_PROFILE", raising=False)
    monkeypatch.delenv("PREFECT_PROFILES_PATH", raising=False)
    monkeypatch.setenv("OSMU_PREFECT_SERVER", "auto")
    assert use_server(start=True) is None  # Prefect reads the profile itself
    assert not os.environ["PREFECT_API_URL"]
    assert not (tmp_path / "server.pid").exists()
