"""Living inside Obsidian (#19, shared/spec/vault.md): the vault is found from `.obsidian/`, a note
outside it is refused, outputs stay out of Obsidian's index, `osmu init` sets a vault up, and
`osmu run --quiet` (the README's Shell commands recipe, run through a real shell) prints one line."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from tasks.model import NoteResult
from tasks.pipeline import open_vault, run_note
from tasks.settings import ConfigError, load_settings, system_timezone
from tasks.vault.obsidian import (
    INSIGHT_FOLDER,
    VAULT_RULE,
    data_home,
    default_out_dir,
    find_vault,
    init_vault,
    is_excluded,
)
from tasks.vault.read import list_vault
from tests.conftest import BOOK, EXAMPLE_VAULT, ROOT
from tests.servers import base_env

OSMU = [sys.executable, "-m", "flows.cli"]
SLOW_MACHINE = {"PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120"}
"""Prefect's embedded server may take over its default 20 s to start on a busy shared machine."""
RECIPE_MARK = "<!-- shell-commands-recipe"


def _obsidian_vault(tmp_path: Path, daily_folder: str = "50-daily") -> Path:
    """A copy of the example vault made an Obsidian vault: `.obsidian/` with daily notes and app settings."""
    vault = tmp_path / "my vault"
    shutil.copytree(EXAMPLE_VAULT, vault)
    (vault / ".obsidian").mkdir()
    (vault / ".obsidian" / "daily-notes.json").write_text(json.dumps({"folder": daily_folder, "format": "YYYY-MM-DD"}))
    (vault / ".obsidian" / "app.json").write_text(json.dumps({"alwaysUpdateLinks": True}, indent=2))
    return vault


def _cli(args: list[str], cwd: Path, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*OSMU, *args], cwd=cwd, env=base_env(**env), capture_output=True, text=True, timeout=timeout, check=False
    )


def _tree(folder: Path) -> dict[str, str]:
    """Every file under `folder` with the SHA-256 of its bytes."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# 1. Vault discovery


def test_the_vault_is_the_folder_holding_obsidian_searched_upward(tmp_path: Path) -> None:
    vault = _obsidian_vault(tmp_path)
    note = vault / BOOK
    assert find_vault(note) == vault.resolve()
    assert find_vault(note.parent) == vault.resolve()
    assert find_vault(vault) == vault.resolve()
    assert find_vault(tmp_path) is None  # above the vault: no vault
    nested = tmp_path / "plain" / "notes"
    nested.mkdir(parents=True)
    assert find_vault(nested) is None


def test_a_note_outside_the_vault_is_refused_naming_the_vault_rule(tmp_path: Path) -> None:
    vault = _obsidian_vault(tmp_path)
    stray = tmp_path / "idea.md"
    stray.write_text("# 아이디어\n\n과정을 공유하면 팬이 생긴다. 결과보다 과정이 사람을 모은다.\n", encoding="utf-8")
    done = _cli(["insights", str(stray)], cwd=vault)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{stray}:0: outside the vault {vault.resolve()}" in done.stderr.replace("\n", "")
    assert VAULT_RULE in done.stderr.replace("\n", "")
    assert "Traceback" not in done.stderr


def test_with_no_vault_above_the_command_stops_naming_the_rule(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    note = tmp_path / "notes" / "idea.md"
    note.write_text("# idea\n\nA sentence long enough to be an insight of its own.\n", encoding="utf-8")
    done = _cli(["run", "idea.md", "--quiet"], cwd=tmp_path / "notes")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "no Obsidian vault here" in done.stderr and VAULT_RULE in done.stderr.replace("\n", "")
    assert not any(tmp_path.rglob("manifest.json"))  # nothing rendered (into the bundled vault or elsewhere)


def test_the_vault_settings_file_is_always_read_even_under_an_explicit_config(tmp_path: Path) -> None:
    vault = _obsidian_vault(tmp_path)
    (vault / ".osmu").mkdir()
    (vault / ".osmu" / "config.yaml").write_text("private_folders: [50-daily]\nroots_folder: 00-roots\n")
    assert load_settings(None, {"vault": vault}).private_folders == ("50-daily",)
    extra = tmp_path / "extra.yaml"
    extra.write_text("strict: true\n")
    both = load_settings(extra, {"vault": vault})
    assert both.private_folders == ("50-daily",) and both.strict  # the vault's file, then --config over it
    (vault / ".osmu" / "config.yaml").write_text("privat_folders: [x]\n")
    with pytest.raises(ConfigError, match=r"config\.yaml.*privat_folders"):
        load_settings(extra, {"vault": vault})


# 3. A clean vault by default


def test_outputs_default_to_a_folder_outside_the_vault_one_per_vault(tmp_path: Path) -> None:
    vault = _obsidian_vault(tmp_path)
    settings = load_settings(None, {"vault": vault})
    assert settings.out_dir == default_out_dir(vault)
    assert settings.out_dir.is_relative_to(data_home()) and not settings.out_dir.is_relative_to(vault)
    assert data_home() == Path(os.environ["OSMU_DATA_DIR"])  # tests never write into the real home
    other = tmp_path / "other" / vault.name
    shutil.copytree(vault, other)
    assert default_out_dir(other) != default_out_dir(vault)  # two vaults of one name keep apart
    assert load_settings(None, {"vault": vault, "out": tmp_path / "o"}).out_dir == tmp_path / "o"


def test_a_run_without_settings_leaves_the_vault_as_it_was(tmp_path: Path) -> None:
    vault = _obsidian_vault(tmp_path)
    before = _tree(vault)
    settings = load_settings(None, {"vault": vault})
    outcome = run_note(settings, open_vault(settings), Path(BOOK))
    assert outcome.result.ok and outcome.result.files
    assert _tree(vault) == before
    assert Path(outcome.result.out_dir).is_relative_to(default_out_dir(vault))
    assert Path(outcome.result.preview).is_file()
    assert (Path(outcome.result.out_dir) / "atoms").is_dir()  # insight notes off: with the other outputs


def test_insight_notes_go_to_the_excluded_vault_folder_with_their_preview_page(tmp_path: Path) -> None:
    vault = _obsidian_vault(tmp_path)
    list(init_vault(vault))
    settings = load_settings(None, {"vault": vault})
    assert settings.insight_notes and settings.insight_dir == vault / INSIGHT_FOLDER
    outcome = run_note(settings, open_vault(settings), Path(BOOK))
    notes = vault / INSIGHT_FOLDER / "프로세스-이코노미"
    atoms = sorted((notes / "atoms").glob("*.md"))
    assert atoms and (notes / "index.html").is_file() and (notes / "manifest.json").is_file()
    page = (notes / "index.html").read_text(encoding="utf-8")
    assert all(f"atoms/{a.name}" in page for a in atoms)  # the page there links to the notes beside it
    manifest = json.loads((notes / "manifest.json").read_text(encoding="utf-8"))
    assert {o["channel"] for o in manifest["outputs"]} == {"atoms"}
    out = Path(outcome.result.out_dir)
    assert not (out / "atoms").exists() and (out / "blog").is_dir() and Path(outcome.result.preview).is_file()
    assert is_excluded(vault, INSIGHT_FOLDER)
    assert not any(p.startswith(f"{INSIGHT_FOLDER}/") for p in list_vault(vault))  # never read back as notes
    again = run_note(settings, open_vault(settings), Path(BOOK))  # a re-run changes no byte, in either place
    assert all(f.status == "unchanged" for f in again.result.files), [f for f in again.result.files]


# 2. osmu init


def test_init_writes_a_commented_config_with_the_system_zone_and_the_daily_folder(tmp_path: Path) -> None:
    vault = _obsidian_vault(tmp_path, daily_folder="Daily/")
    done = _cli(["init", str(vault)], cwd=tmp_path, TZ="Asia/Seoul")
    assert done.returncode == 0, done.stdout + done.stderr
    config = vault / ".osmu" / "config.yaml"
    text = config.read_text(encoding="utf-8")
    assert text.count("\n#") >= 5  # commented
    assert "timezone: Asia/Seoul" in text
    lines = done.stdout.splitlines()
    assert lines[0] == f"wrote {config}"
    assert any("Daily/" in line and "private" in line for line in lines)
    assert any("Excluded files" in line and f"{INSIGHT_FOLDER}/" in line for line in lines)
    assert any(line.startswith("outputs: ") and "outside the vault" in line for line in lines)
    settings = load_settings(None, {"vault": vault})  # a valid settings file, read with the vault
    assert settings.private_folders == ("Daily",) and settings.sweep.timezone == "Asia/Seoul"
    assert settings.insight_notes and settings.out_dir == default_out_dir(vault)
    app = json.loads((vault / ".obsidian" / "app.json").read_text(encoding="utf-8"))
    assert app == {"alwaysUpdateLinks": True, "userIgnoreFilters": [f"{INSIGHT_FOLDER}/"]}  # other keys kept


def test_init_is_idempotent_and_keeps_a_settings_file_the_author_edited(tmp_path: Path) -> None:
    vault = _obsidian_vault(tmp_path)
    list(init_vault(vault))
    config = vault / ".osmu" / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "strict: true\n", encoding="utf-8")
    before = _tree(vault)
    done = _cli(["init"], cwd=vault / "30-knowledge")  # no VAULT: the one above the working folder
    assert done.returncode == 0, done.stdout + done.stderr
    assert _tree(vault) == before
    assert done.stdout.startswith(f"kept {config}") and "already in Obsidian's Excluded files" in done.stdout


def test_init_refuses_a_folder_without_obsidian_and_a_broken_app_json(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    done = _cli(["init", str(plain)], cwd=tmp_path)
    assert done.returncode == 2 and "not an Obsidian vault" in done.stderr and not (plain / ".osmu").exists()
    vault = _obsidian_vault(tmp_path)
    (vault / ".obsidian" / "app.json").write_text('{"userIgnoreFilters": [\n', encoding="utf-8")
    done = _cli(["init", str(vault)], cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"{vault / '.obsidian' / 'app.json'}:" in done.stderr.replace("\n", "") and "not valid JSON" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_system_time_zone_is_an_iana_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Seoul")
    assert system_timezone() == "Asia/Seoul"
    monkeypatch.setenv("TZ", "Not/AZone")
    from zoneinfo import available_timezones

    assert system_timezone() in available_timezones() | {"UTC"}


# 10. The summary at 80 columns


def test_the_summary_keeps_note_and_output_paths_whole_at_80_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    import flows.cli as cli

    source = "34-learning/34.01-books/books/프로세스-이코노미-과정을-파는-시대의-생존-전략.md"
    out_dir = "/home/someone/.local/share/osmu/main-1a2b3c4d/프로세스-이코노미-과정을-파는-시대의-생존-전략"
    result = NoteResult(source=source, ok=True, insights=55, roots=("프로세스-공유", "응원-경제"), out_dir=out_dir)
    buffer = io.StringIO()
    monkeypatch.setattr(cli, "out", Console(file=buffer, width=80, color_system=None))
    cli._summary([result])
    lines = buffer.getvalue().splitlines()
    assert source in lines and f"  → {out_dir}" in lines  # whole, each on its own line
    assert "…" not in buffer.getvalue()
    figures = next(line for line in lines if "insights" in line)
    assert len(figures) <= 80 and "55 insights" in figures


# 4. Trigger from Obsidian, and the acceptance sequence


def _recipe(readme: Path) -> str:
    """The Shell commands command line a README documents (the fenced line after the marker)."""
    text = readme.read_text(encoding="utf-8")
    block = re.search(re.escape(RECIPE_MARK) + r".*?```text\n\s*(.+?)\n\s*```", text, re.DOTALL)
    assert block, f"{readme.name}: no Shell commands recipe"
    return block.group(1).strip()


def _sh_escape(value: str) -> str:
    """What the Shell commands plugin does to a variable's value for bash: a backslash before every
    character that is not an ASCII letter, digit or underscore (its ShEscaper)."""
    return re.sub(r"[^A-Za-z0-9_]", lambda m: "\\" + m.group(0), value)


def test_both_readmes_document_the_same_recipe_with_both_variables() -> None:
    line = _recipe(ROOT / "README.md")
    assert line == _recipe(ROOT / "README.ko.md")
    assert "{{file_path:absolute}}" in line and "{{vault_path}}" in line and "--quiet" in line
    korean = (ROOT / "README.ko.md").read_text(encoding="utf-8")
    for step in ("uv tool install", "osmu init", "osmu run", "단축키"):
        assert step in korean


@pytest.mark.flow
@pytest.mark.timeout(600)
def test_the_readme_recipe_runs_through_a_real_shell_and_prints_one_line(tmp_path: Path) -> None:
    vault = _obsidian_vault(tmp_path)  # a space in the vault's name, Hangul in the note's
    list(init_vault(vault))
    note = vault / BOOK
    command = _recipe(ROOT / "README.md")
    command = command.replace("{{file_path:absolute}}", _sh_escape(str(note)))
    command = command.replace("{{vault_path}}", _sh_escape(str(vault)))
    env = base_env(OSMU_PREFECT_SERVER="embedded", PREFECT_HOME=str(tmp_path / "prefect"), **SLOW_MACHINE)
    done = subprocess.run(
        ["bash", "-c", command], cwd=vault, env=env, capture_output=True, text=True, timeout=400, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr == "" and len(done.stdout.splitlines()) == 1, done.stdout + done.stderr
    line = done.stdout.strip()
    assert line.startswith("osmu: 34-learning/34.01-books/books/프로세스-이코노미.md: ") and "files written" in line
    preview = Path(line.split(" · preview: ", 1)[1])
    assert preview.is_file() and not preview.is_relative_to(vault)

    as_json = subprocess.run(
        [*OSMU, "run", str(note), "--json"], cwd=vault, env=env, capture_output=True, text=True, timeout=400
    )
    assert as_json.returncode == 0, as_json.stdout + as_json.stderr
    data = json.loads(as_json.stdout)
    assert data["errors"] == [] and [r["source"] for r in data["results"]] == [BOOK]
    assert data["results"][0]["preview"] == str(preview) and data["results"][0]["written"] == 0  # unchanged


@pytest.mark.flow
@pytest.mark.timeout(600)
def test_acceptance_init_then_run_quiet_from_inside_the_vault_with_no_other_flags(tmp_path: Path) -> None:
    bundled = _tree(ROOT / "examples" / "vault")
    vault = _obsidian_vault(tmp_path)
    before = _tree(vault)
    env = {"OSMU_PREFECT_SERVER": "embedded", "PREFECT_HOME": str(tmp_path / "prefect"), **SLOW_MACHINE}
    init = _cli(["init", str(vault)], cwd=tmp_path, **env)
    assert init.returncode == 0, init.stdout + init.stderr

    inside = vault / "34-learning"
    done = _cli(["run", str(Path(BOOK).relative_to("34-learning")), "--quiet"], cwd=inside, timeout=400, **env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert len((done.stdout + done.stderr).splitlines()) == 1, done.stdout + done.stderr
    preview = Path(done.stdout.strip().split(" · preview: ", 1)[1])
    assert preview.is_file() and preview.is_relative_to(default_out_dir(vault))
    changed = {p for p, h in _tree(vault).items() if before.get(p) != h}
    indexed = {p for p in changed if not p.startswith((".obsidian/", ".osmu/", f"{INSIGHT_FOLDER}/"))}
    assert not indexed, indexed  # nothing new where Obsidian indexes: the rest is hidden or excluded
    assert any(p.startswith(f"{INSIGHT_FOLDER}/") for p in changed) and is_excluded(vault, INSIGHT_FOLDER)
    assert _tree(ROOT / "examples" / "vault") == bundled  # the bundled example vault untouched

    stray = tmp_path / "idea.md"
    stray.write_text("# 아이디어\n\n과정을 공유하면 팬이 생긴다. 결과보다 과정이 사람을 모은다.\n", encoding="utf-8")
    refused = _cli(["run", str(stray), "--quiet"], cwd=inside, timeout=400, **env)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "outside the vault" in refused.stderr and VAULT_RULE in refused.stderr.replace("\n", "")
    assert refused.stdout == ""
