"""Shared fixtures: a copy of the example vault, parsed seeds, and one Prefect harness."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
# Shared, noisy machines: Prefect's 20 s for its temporary server to start made flow tests flaky.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
# `osmu run` would otherwise start a detached Prefect server that outlives the test (its own
# session, out of reach of the process-group kills); tests/test_local_server.py opts back in.
os.environ["OSMU_PREFECT_SERVER"] = "embedded"
# The root-index cache (tasks/roots/cache.py) of this test process only, never the developer's.
os.environ["OSMU_CACHE_DIR"] = tempfile.mkdtemp(prefix="osmu-cache-")
atexit.register(shutil.rmtree, os.environ["OSMU_CACHE_DIR"], True)
# Default output folders (outside the vault, tasks/vault/obsidian.py) under a temporary folder, never the real home.
os.environ["OSMU_DATA_DIR"] = tempfile.mkdtemp(prefix="osmu-data-")
atexit.register(shutil.rmtree, os.environ["OSMU_DATA_DIR"], True)
for _name in [n for n in os.environ if n.startswith("OSMU_LLM_")]:
    del os.environ[_name]  # a developer's LLM settings must not change test outputs (or spend money)

ROOT = Path(__file__).resolve().parent.parent


def _ignore_outputs(folder: str, names: list[str]) -> set[str]:
    """What a demo or a user run writes into the example vault: outputs, the LLM cache."""
    return {n for n in names if n == "_osmu" or (n == "cache" and folder.endswith(".osmu"))}


def _pristine_example_vault() -> Path:
    """The bundled example vault as committed, copied once per test process.

    Tests never read what `make demo` (or another run) left in `examples/vault`, and never
    write there: every test sees this copy (file times kept: they are the notes' fallback dates).
    """
    home = Path(tempfile.mkdtemp(prefix="osmu-example-"))
    atexit.register(shutil.rmtree, home, True)
    shutil.copytree(ROOT / "examples" / "vault", home / "vault", ignore=_ignore_outputs)
    return home / "vault"


EXAMPLE_VAULT = _pristine_example_vault()
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
    shutil.copytree(EXAMPLE_VAULT, target)
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
