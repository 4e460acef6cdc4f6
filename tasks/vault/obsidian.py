"""Living inside Obsidian: which folder is the vault, where outputs go, and `osmu init`.

- The vault is the folder holding `.obsidian/`, searched upward from the note (or the working
  folder); a note outside it is refused (`VAULT_RULE` is what the error says).
- Channel outputs live outside the vault by default (`default_out_dir`): Obsidian indexes every
  `.md` inside it (graph, search, tags, backlinks).
- Insight notes, when enabled (`insight_notes: true`), go to the one folder `INSIGHT_FOLDER`
  inside the vault, which `osmu init` adds to Obsidian's Excluded files (`userIgnoreFilters`
  in `.obsidian/app.json`).

Stdlib only (no Prefect): the CLI and the settings both use it.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tasks.model import NoteError
from tasks.slug import safe_slug, short_hash

MARKER = ".obsidian"
"""The folder Obsidian keeps its settings in: the folder holding it is a vault."""
VAULT_RULE = "the vault is the folder holding .obsidian/, searched upward from the note or the working folder"
"""The rule a refused note's error names."""
INSIGHT_FOLDER = "_osmu"
"""Vault folder of the insight notes (osmu never reads it as notes; `osmu init` hides it from Obsidian)."""
DATA_ENV = "OSMU_DATA_DIR"
"""Environment variable replacing the per-user data folder that holds the default output folders."""
CONFIG = Path(".osmu") / "config.yaml"
"""The vault's settings file, relative to the vault."""


def find_vault(start: Path) -> Path | None:
    """The nearest folder at or above `start` (a note or a folder) holding `.obsidian/`; None when none does."""
    here = start.resolve()
    for folder in (here, *here.parents) if here.is_dir() else here.parents:
        if (folder / MARKER).is_dir():
            return folder
    return None


def refuse_outside(note: Path, vault: Path) -> None:
    """Raise a `NoteError` naming the vault rule when `note` is not inside `vault`."""
    # Where the path says it is, links not followed: a link inside the vault to a file outside it is
    # the read stage's to refuse, by name (tasks/vault/read.py).
    where = Path(os.path.abspath(note))
    if not (where.is_relative_to(vault.resolve()) or where.is_relative_to(os.path.abspath(vault))):
        raise NoteError(str(note), 0, f"outside the vault {vault.resolve()} ({VAULT_RULE}; or give --vault)")


def data_home() -> Path:
    """Per-user data folder of osmu: `$OSMU_DATA_DIR`, else the platform's user data folder + `osmu`.

    Linux and other Unix: `$XDG_DATA_HOME/osmu` (default `~/.local/share/osmu`); macOS:
    `~/Library/Application Support/osmu`; Windows: `%LOCALAPPDATA%\\osmu`.
    """
    if os.environ.get(DATA_ENV):
        return Path(os.path.expanduser(os.environ[DATA_ENV]))
    home = Path.home()
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local") / "osmu"
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "osmu"
    return Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share") / "osmu"


def default_out_dir(vault: Path) -> Path:
    """`<data_home>/<vault-name>-<hash of the vault's path>`: outside the vault, one per vault."""
    resolved = vault.resolve()
    return data_home() / f"{safe_slug(resolved.name, str(resolved))}-{short_hash(str(resolved))}"


def _read_json(path: Path) -> dict[str, Any]:
    """An Obsidian settings file as a mapping ({} when absent); a broken one is a `NoteError` naming it."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    try:
        data = json.loads(text) if text.strip() else {}
    except ValueError as exc:
        line = getattr(exc, "lineno", 0)
        raise NoteError(str(path), line, f"not valid JSON ({exc}); fix or remove it, then run osmu init again") from exc
    if not isinstance(data, dict):
        raise NoteError(str(path), 1, "must be a JSON object")
    return data


def daily_notes_folder(vault: Path) -> str:
    """The daily-notes folder set in `.obsidian/daily-notes.json` (vault-relative), or "" (the vault root)."""
    folder = _read_json(vault / MARKER / "daily-notes.json").get("folder")
    return str(folder).strip().strip("/") if isinstance(folder, str) else ""


def is_excluded(vault: Path, folder: str) -> bool:
    """True when Obsidian's Excluded files (`userIgnoreFilters`) hide `folder` (vault-relative)."""
    filters = _read_json(vault / MARKER / "app.json").get("userIgnoreFilters") or []
    wanted = folder.strip("/")
    return any(isinstance(f, str) and f.strip("/") == wanted for f in filters)


def exclude_folder(vault: Path, folder: str) -> bool:
    """Add `folder/` to `userIgnoreFilters` in `.obsidian/app.json`, keeping every other setting; True if added."""
    if is_excluded(vault, folder):
        return False
    app = vault / MARKER / "app.json"
    data = _read_json(app)
    filters = data.get("userIgnoreFilters")
    data["userIgnoreFilters"] = [*(filters if isinstance(filters, list) else []), f"{folder.strip('/')}/"]
    _write_text(app, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    return True


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.osmu-tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _yaml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML string


def config_text(vault: Path) -> str:
    """The commented `<vault>/.osmu/config.yaml` that `osmu init` writes for `vault`."""
    from tasks.settings import system_timezone  # settings import this module

    daily = daily_notes_folder(vault)
    private = [daily] if daily else []
    out = default_out_dir(vault)
    home = str(Path.home())
    shown = "~" + str(out)[len(home) :] if str(out).startswith(home + os.sep) else str(out)
    lines = [
        "# osmu settings for this vault, written by `osmu init` (run it again any time: it keeps this file).",
        '# Every key: config/osmu.yaml in osmu\'s source, or README "Settings". Relative paths are relative',
        "# to this folder (.osmu/). An unknown or mistyped key is an error.",
        "",
        "# Where channel outputs go (blog, newsletter, Instagram, workshop, the preview pages):",
        "# outside the vault, so Obsidian's graph, search and tags stay yours.",
        f"out: {_yaml_str(shown)}",
        "",
        f"# Insight notes (one small note per insight) go into {INSIGHT_FOLDER}/ inside the vault; osmu init",
        "# added that folder to Obsidian's Excluded files (Settings → Files and links). false: they go",
        "# with the other outputs, outside the vault.",
        "insight_notes: true",
        "",
        "# Notes in these vault-relative folders are private: never a source, never linked or embedded.",
        "# The daily-notes folder (.obsidian/daily-notes.json) is listed when it has one.",
        f"private_folders: [{', '.join(_yaml_str(p) for p in private)}]",
        "",
        "# Folder (vault-relative) of your root-concept notes `root-NN-<slug>.md`.",
        "roots_folder: 00-roots",
        "",
        "sweep:",
        "  # Time zone of the scheduled sweep and the weekly digest (taken from this computer).",
        f"  timezone: {system_timezone()}",
        "",
    ]
    return "\n".join(lines)


def init_vault(vault: Path) -> Iterator[str]:
    """Set `vault` up for osmu, saying what was done, one line each: settings file, excluded folder.

    Non-interactive and idempotent: an existing `.osmu/config.yaml` is kept as it is, and the
    insight-notes folder is added to `userIgnoreFilters` only once.
    """
    if not (vault / MARKER).is_dir():
        raise NoteError(str(vault), 0, f"not an Obsidian vault: no {MARKER}/ folder ({VAULT_RULE})")
    config = vault / CONFIG
    if config.exists():
        yield f"kept {config} (already there; edit it or delete it and run osmu init again)"
    else:
        _write_text(config, config_text(vault))
        yield f"wrote {config}"
    daily = daily_notes_folder(vault)
    if daily:
        yield f"daily notes ({daily}/, from .obsidian/daily-notes.json) are private"
    if exclude_folder(vault, INSIGHT_FOLDER):
        where = ".obsidian/app.json userIgnoreFilters"
        yield f"added {INSIGHT_FOLDER}/ to Obsidian's Excluded files ({where}): insight notes go there"
    else:
        yield f"{INSIGHT_FOLDER}/ already in Obsidian's Excluded files: insight notes go there"
    yield f"outputs: {default_out_dir(vault)} (outside the vault; `out:` in {config} changes it)"
