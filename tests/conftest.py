"""Shared fixtures: a copy of the example vault, parsed seeds, and one Prefect harness."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# `osmu run` would otherwise start a detached Prefect server that outlives the test (its own
# session, out of reach of the process-group kills); tests/test_local_server.py opts back in.
os.environ["OSMU_PREFECT_SERVER"] = "embedded"
for _name in [n for n in os.environ if n.startswith("OSMU_LLM_")]:
    del os.environ[_name]  # a developer's LLM settings must not change test outputs (or spend money)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_VAULT = ROOT / "examples" / "vault"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
BOOK = "34-learning/34.01-books/books/프로세스-이코노미.md"
ROOT_NOTE = "00-roots/root-04-프로세스-공유.md"


def require_system(what: str) -> None:
    """Skip when a system component is missing, but fail in CI (OSMU_REQUIRE_SYSTEM=1)."""
    if os.environ.get("OSMU_REQUIRE_SYSTEM") == "1":
        pytest.fail(f"{what} is required in CI but missing")
    pytest.skip(f"{what} not installed")


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    """A private copy of the example vault (without outputs)."""
    target = tmp_path / "vault"
    shutil.copytree(EXAMPLE_VAULT, target, ignore=shutil.ignore_patterns("_osmu"))
    return target


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect API for every flow test of the session (~7 s once)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness():
        yield


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `prefect server start` (scripts/prefect-server.sh, SQLite, free port) for the session; its API URL."""
    from tests.servers import prefect_server

    with prefect_server(tmp_path_factory.mktemp("prefect-home")) as url:
        yield url
