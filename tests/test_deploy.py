"""End to end: real Prefect servers, `osmu serve` / a process worker, `prefect deployment run`.

No harness here: a real `prefect server start` (scripts/prefect-server.sh), the real
`osmu serve` and `prefect worker start` processes, and the real `prefect` CLI to trigger
runs. Outputs are checked on disk, artifacts and schedules through the Prefect client.
"""

from __future__ import annotations

import importlib
import json
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from prefect.client.orchestration import SyncPrefectClient
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, DeploymentFilter, DeploymentFilterId

from tests.conftest import BOOK, require_system
from tests.servers import PREFECT, ROOT, Proc, base_env, free_port, prefect_server, run_cli, script
from tests.test_sweep import public_notes

pytestmark = [pytest.mark.flow, pytest.mark.system, pytest.mark.timeout(420)]


def _deployment(url: str, name: str) -> Any:
    with SyncPrefectClient(url) as client:
        try:
            return client.read_deployment_by_name(name)
        except Exception:
            return None


def _last_run(url: str, deployment_id: Any) -> Any:
    with SyncPrefectClient(url) as client:
        runs = client.read_flow_runs(deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])))
    # The scheduler may add cron runs at any moment: the run asked for is the last manual one.
    runs = [r for r in runs if not r.auto_scheduled]
    assert runs, "no flow run for the deployment"
    return max(runs, key=lambda r: r.created)


def _artifacts(url: str, flow_run_id: Any) -> dict[str, Any]:
    with SyncPrefectClient(url) as client:
        wanted = ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        found = client.read_artifacts(artifact_filter=wanted)
    return {a.key: a for a in found}


def _deployment_run(url: str, name: str, *params: str) -> None:
    args = [PREFECT, "deployment", "run", name, "--watch", "--watch-interval", "1", "--watch-timeout", "240"]
    for param in params:
        args += ["--param", param]
    done = run_cli(args, base_env(PREFECT_API_URL=url), timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Completed" in done.stdout, done.stdout


def test_serve_then_prefect_deployment_run_on_demand(prefect_api: str, vault: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    env = base_env(PREFECT_API_URL=prefect_api)
    serve = Proc([sys.executable, "-m", "flows.cli", "serve", "--vault", str(vault), "--out", str(out)], env)
    try:
        on_demand = serve.wait_for(lambda: _deployment(prefect_api, "repurpose-note/on-demand"), 90, "deployments")
        scheduled = serve.wait_for(lambda: _deployment(prefect_api, "vault-sweep/scheduled"), 30, "sweep deployment")
        assert [s.schedule.cron for s in scheduled.schedules] == ["0 * * * *"]
        assert not scheduled.paused
        served = on_demand.parameters["settings"]  # the settings a run gets: serve's, as a value
        assert list(on_demand.parameters) == ["settings"] and (served["vault"], served["out"]) == (str(vault), str(out))
        assert serve.wait_for(lambda: _deployment(prefect_api, "process-digest/weekly-process-digest"), 30, "digest")

        _deployment_run(prefect_api, "repurpose-note/on-demand", f"note={BOOK}")

        folder = out / "프로세스-이코노미"
        assert (folder / "blog" / "프로세스-이코노미.md").is_file()
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["source"] == BOOK and manifest["insights"]
        run = _last_run(prefect_api, on_demand.id)
        assert run.state is not None and run.state.is_completed()
        assert run.parameters["note"] == BOOK
        assert run.name == "repurpose-note/프로세스-이코노미"
        assert {"osmu", "trigger:deployment", "channel:blog", "channel:workshop"} <= set(run.tags), run.tags
        arts = _artifacts(prefect_api, run.id)
        assert {"repurpose-report", "repurpose-notes", "repurpose-preview"} <= set(arts)
        assert (folder / "index.html").as_uri() in str(arts["repurpose-preview"].data)
        report = arts["repurpose-report"]
        assert report.type == "markdown"
        assert BOOK in report.data and "프로세스-공유" in report.data and "**Insights**" in report.data
        table = arts["repurpose-notes"]
        assert table.type == "table"
        rows = json.loads(table.data) if isinstance(table.data, str) else table.data
        assert rows[0]["note"] == BOOK and rows[0]["status"] == "rendered" and rows[0]["insights"] > 0
    finally:
        code = serve.stop(signal.SIGTERM)
    assert serve.popen.poll() is not None, "osmu serve still running"
    assert code is not None
    # pause_on_shutdown=False: the schedule stays active while serve is down.
    assert not _deployment(prefect_api, "vault-sweep/scheduled").paused


def _postgres_bin() -> bool:
    return any(Path("/usr/lib/postgresql").glob("*/bin/initdb"))


def test_postgres_backed_server_runs_sweep_deployment_on_process_worker(vault: Path, tmp_path: Path) -> None:
    """PostgreSQL cluster → Prefect server on it → prefect.yaml deployments → process worker → run."""
    if not _postgres_bin():
        require_system("postgresql")
    # initdb runs as the `postgres` user: its folder must not sit under pytest's private (0700) tmp.
    pg_dir = Path(tempfile.mkdtemp(prefix="osmu-pg-", dir="/tmp"))
    pg_dir.chmod(0o755)
    pg_env = base_env(PG_FSYNC="off")
    out = tmp_path / "out"
    worker: Proc | None = None
    try:
        exported = script("postgres.sh", "start", str(pg_dir / "c"), str(free_port()), env=pg_env)
        db_url = exported.strip().split("=", 1)[1]
        assert db_url.startswith("postgresql+asyncpg://")
        with prefect_server(tmp_path / "home", PREFECT_API_DATABASE_CONNECTION_URL=db_url) as url:
            env = base_env(PREFECT_API_URL=url, PREFECT_HOME=str(tmp_path / "client-home"))
            created = run_cli([PREFECT, "work-pool", "create", "osmu", "--type", "process"], env)
            assert created.returncode == 0, created.stdout + created.stderr
            deployed = run_cli([PREFECT, "--no-prompt", "deploy", "--all"], env)
            assert deployed.returncode == 0, deployed.stdout + deployed.stderr
            scheduled = _deployment(url, "vault-sweep/scheduled")
            assert scheduled is not None and scheduled.work_pool_name == "osmu"
            assert [s.schedule.cron for s in scheduled.schedules] == ["0 * * * *"]
            worker = Proc([PREFECT, "worker", "start", "--pool", "osmu"], env)

            _deployment_run(url, "vault-sweep/scheduled", f"vault={vault}", f"out={out}")

            notes = public_notes(vault)  # the daily notes are private by default (#18 finding 9)
            manifests = list(out.glob("*/manifest.json"))
            assert len(manifests) == len(notes) == 11
            run = _last_run(url, scheduled.id)
            assert run.state is not None and run.state.is_completed()
            assert {"sweep-report", "sweep-notes"} <= set(_artifacts(url, run.id))
            # The run is recorded in PostgreSQL, not in a SQLite file.
            assert not (tmp_path / "home" / "prefect.db").exists()
            psql = sorted(Path("/usr/lib/postgresql").glob("*/bin/psql"))[-1]
            port = db_url.rsplit(":", 1)[1].split("/", 1)[0]
            query = "select count(*) from flow_run where state_name = 'Completed'"
            psql_args = [str(psql), "-h", "127.0.0.1", "-p", port, "-U", "prefect", "-tAc", query, "prefect"]
            counted = run_cli(psql_args, env)
            assert counted.returncode == 0, counted.stderr
            assert int(counted.stdout.strip()) >= 1
            # A worker ignores SIGTERM; SIGINT asks it to stop, a second SIGINT makes it kill its runs and exit.
            worker.popen.send_signal(signal.SIGINT)
            time.sleep(1)
            worker.stop(signal.SIGINT, grace=5)
    finally:
        if worker is not None:
            worker.stop(signal.SIGKILL, grace=5)
        script("postgres.sh", "stop", str(pg_dir / "c"), env=pg_env)
        shutil.rmtree(pg_dir, ignore_errors=True)


def test_prefect_yaml_names_the_flows_it_deploys() -> None:
    """prefect.yaml entry points exist and name the flows the README documents."""
    from ruamel.yaml import YAML

    data = YAML(typ="safe").load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    found = {}
    for deployment in data["deployments"]:
        module, _, attr = deployment["entrypoint"].partition(":")
        assert (ROOT / module).is_file()
        flow_obj = getattr(importlib.import_module(module.removesuffix(".py").replace("/", ".")), attr)
        found[f"{flow_obj.name}/{deployment['name']}"] = deployment
    assert set(found) == {"vault-sweep/scheduled", "repurpose-note/on-demand", "process-digest/weekly-process-digest"}


def test_cli_sweep_on_process_pool_runner(prefect_api: str, vault: Path, tmp_path: Path) -> None:
    """`--runner processes` ships batches to other processes (needs the server) and reports every note."""
    small = tmp_path / "small"
    shutil.copytree(vault / "00-roots", small / "00-roots")
    shutil.copytree(vault / "30-knowledge", small / "30-knowledge")
    notes = len(list(small.rglob("*.md")))
    args = [sys.executable, "-m", "flows.cli", "sweep", "--vault", str(small), "--out", str(tmp_path / "out")]
    done = run_cli([*args, "--runner", "processes"], base_env(PREFECT_API_URL=prefect_api))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{notes} rendered, 0 unchanged (skipped), 0 failed" in done.stdout
    refused = run_cli([*args, "--runner", "processes"], base_env())
    assert refused.returncode == 2 and "needs a Prefect server" in refused.stderr


def test_serve_without_a_server_says_how_to_start_one(vault: Path) -> None:
    done = run_cli([sys.executable, "-m", "flows.cli", "serve", "--vault", str(vault)], base_env(), timeout=60)
    assert done.returncode == 2
    assert "scripts/prefect-server.sh start" in " ".join(done.stderr.split())
