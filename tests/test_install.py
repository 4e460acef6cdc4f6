"""osmu installs as a tool: the wheel carries its files, runs outside the checkout, and needs no dev tools.

The wheel is built from a copy of the checkout's sources with the setuptools of this venv (no
build isolation: offline), installed with `pip --no-deps` into a new venv that sees this venv's
site-packages through a `.pth` file (the dependencies are not downloaded again), then run from a
folder outside the checkout with no PYTHONPATH, so the installed package, not the checkout, runs.
"""

from __future__ import annotations

import ast
import json
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

from tests.conftest import BOOK, ROOT, require_system

SOURCES = ("pyproject.toml", "setup.py", "README.md", "tasks", "flows", "config", "channel_templates")
"""What the wheel is built from (the rest of the checkout, examples and tests included, is not shipped)."""
PART_OF = {"pydantic_core": "pydantic"}
"""Modules imported directly whose distribution a runtime dependency pins exactly (pydantic ↔ pydantic-core)."""
DEV_TOOLS = ("pytest", "pytest-timeout", "hypothesis", "ruff", "mypy", "setuptools", "types-PyYAML")


def _can_build_wheels() -> bool:
    try:
        from setuptools.command.bdist_wheel import bdist_wheel  # noqa: F401  (setuptools ≥ 70.1)
    except ImportError:
        return False
    return True


def _bundled_files() -> set[str]:
    """The files the wheel must carry, as the checkout holds them."""
    names = set()
    for folder in ("config", "channel_templates"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                names.add(f"tasks/_bundled/{path.relative_to(ROOT).as_posix()}")
    return names


def _clean_env(**extra: str) -> dict[str, str]:
    """No PYTHONPATH (the checkout must not be importable) and no Prefect settings from outside."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith(("PREFECT_", "OSMU_"))}
    env.update(PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1", **extra)
    return env


@pytest.mark.flow
@pytest.mark.timeout(600)
def test_the_wheel_carries_its_files_installs_in_a_new_venv_and_renders_a_note(vault: Path, tmp_path: Path) -> None:
    if not _can_build_wheels():
        require_system("setuptools ≥ 70.1 (the dev extras: make install)")
    source = tmp_path / "src"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "_bundled"))
        else:
            shutil.copy2(ROOT / name, source / name)
    dist = tmp_path / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=_clean_env(PYTHONPATH=os.environ.get("PYTHONPATH", "")),  # the setuptools this run imports
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = dist.glob("osmu-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert _bundled_files() <= names, sorted(_bundled_files() - names)
    assert not {n for n in names if n.startswith(("tests/", "examples/", "bench/"))}

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    purelib = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout.strip()
    )
    # The dependencies: this venv's site-packages, after the new venv's own (its osmu comes first).
    (purelib / "osmu-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=_clean_env(),
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = _clean_env(PREFECT_HOME=str(tmp_path / "prefect-home"), OSMU_PREFECT_SERVER="embedded")
    osmu = str(venv / "bin" / "osmu")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [osmu, *args], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=400, check=False
        )

    version = run("--version")
    assert version.returncode == 0, version.stdout + version.stderr
    assert version.stdout.startswith("osmu 0.1.0 "), version.stdout
    assert str(purelib / "tasks" / "_bundled") in version.stdout, version.stdout  # the package data, not the tree

    out = tmp_path / "out"
    done = run("run", str(vault / BOOK), "--vault", str(vault), "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    (folder,) = [p for p in out.iterdir() if p.is_dir()]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    channels = {o["channel"] for o in manifest["outputs"]}
    assert {"blog", "newsletter", "instagram", "workshop"} <= channels, channels
    assert all((folder / o["path"]).is_file() for o in manifest["outputs"])
    (preview,) = [line.removeprefix("preview: ") for line in done.stdout.splitlines() if line.startswith("preview: ")]
    assert Path(preview) == folder / "index.html" and Path(preview).is_file(), done.stdout

    # The acceptance sequence of #19, with the installed tool: `osmu init` on a vault with
    # `.obsidian/`, then `osmu run NOTE --quiet` from inside the vault with no other flags.
    from tasks.vault.obsidian import INSIGHT_FOLDER
    from tests.test_obsidian import _obsidian_vault, _tree

    bundled = _tree(ROOT / "examples" / "vault")
    mine = _obsidian_vault(tmp_path / "home")
    before = _tree(mine)
    env["OSMU_DATA_DIR"] = str(tmp_path / "data")  # the user data folder, kept out of the real home
    init = run("init", str(mine))
    assert init.returncode == 0 and "wrote" in init.stdout, init.stdout + init.stderr
    inside = mine / "34-learning"
    quiet = subprocess.run(
        [osmu, "run", str(Path(BOOK).relative_to("34-learning")), "--quiet"],
        cwd=inside, env=env, capture_output=True, text=True, timeout=400, check=False,
    )  # fmt: skip
    assert quiet.returncode == 0, quiet.stdout + quiet.stderr
    assert len((quiet.stdout + quiet.stderr).splitlines()) == 1, quiet.stdout + quiet.stderr
    shown = Path(quiet.stdout.strip().split(" · preview: ", 1)[1])
    assert shown.is_file() and shown.is_relative_to(tmp_path / "data") and not shown.is_relative_to(mine)
    changed = {p for p, h in _tree(mine).items() if before.get(p) != h}
    assert not {p for p in changed if not p.startswith((".obsidian/", ".osmu/", f"{INSIGHT_FOLDER}/"))}, changed
    assert _tree(ROOT / "examples" / "vault") == bundled  # the bundled example vault untouched


def _imports(package: Path) -> set[str]:
    """Top-level modules `package` imports, besides those inside `try: … except ImportError` (optional)."""
    found: set[str] = set()
    for path in package.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        optional: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Try) and any(
                isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError")
                for h in node.handlers
            ):
                optional |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
        for node in ast.walk(tree):
            if id(node) in optional:
                continue
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    return found


def _normal(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def test_runtime_dependencies_are_declared_and_apart_from_the_dev_tools() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = {_normal(d.split(">")[0].split("=")[0].split("<")[0].split("[")[0]) for d in project["dependencies"]}
    dev = {_normal(d.split(">")[0].split("=")[0]) for d in project["optional-dependencies"]["dev"]}
    assert not runtime & {_normal(t) for t in DEV_TOOLS}, runtime & dev
    assert {_normal(t) for t in DEV_TOOLS} <= dev

    distributions = packages_distributions()
    modules = _imports(ROOT / "tasks") | _imports(ROOT / "flows")
    third_party = modules - set(sys.stdlib_module_names) - {"tasks", "flows", "__future__"}
    providers = {m: [PART_OF[m]] if m in PART_OF else distributions.get(m, [m]) for m in sorted(third_party)}
    undeclared = {m: dists for m, dists in providers.items() if not {_normal(d) for d in dists} & runtime}
    assert not undeclared, f"imported by tasks/ or flows/ but not a runtime dependency: {undeclared}"


def test_readme_states_the_supported_systems_and_uses_the_urls_the_scripts_print() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    systems = readme[readme.index("**Supported systems.**") :].split("\n\n", 1)[0]
    tested = systems.split("Untested:", 1)[0]
    assert platform.system() in tested, systems  # the system these tests run on is listed as tested
    assert "macOS" in systems and "Windows" in systems
    assert "osmu --version" in readme and "pipx install ." in readme and "uv tool install ." in readme
    for doc in (readme, (ROOT / "docs" / "running.md").read_text(encoding="utf-8")):
        assert "export PREFECT_API_URL=http" not in doc  # never a hard-coded server: what the scripts print
        assert 'eval "$(' in doc


def test_version_names_the_files_of_the_checkout_it_runs_from(tmp_path: Path) -> None:
    env = {**_clean_env(PYTHONPATH=str(ROOT))}
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", "--version"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"osmu 0.1.0 (Python {platform.python_version()}; files: {ROOT})"
