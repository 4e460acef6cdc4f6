"""Where outputs may go: never somewhere the vault's reader or Obsidian would read them back as notes.

An `--out` (or `out:`) inside the vault is refused, with one clear error, unless it is a folder
the reader never enters and Obsidian does not index: the default `_osmu` folder, a hidden
folder, or a folder listed in Obsidian's "Excluded files" (`userIgnoreFilters` in
`<vault>/.obsidian/app.json`). `--out` equal to the vault made the vault grow without end:
every sweep read the last one's outputs back as notes (125 → 1,484 → 15,298 files).
The reader also skips any folder holding osmu's own files (`tasks.vault.read.holds_outputs`).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from tasks.vault.read import nfc

DEFAULT_OUT = "_osmu"
"""The default output folder inside the vault (`Settings.out_dir`); the reader never enters it."""


def obsidian_excluded(vault: Path) -> tuple[str, ...]:
    """The vault's "Excluded files" (`userIgnoreFilters` of `.obsidian/app.json`); () when none or unreadable."""
    try:
        data = json.loads((vault / ".obsidian" / "app.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ()
    found = data.get("userIgnoreFilters") if isinstance(data, dict) else None
    return tuple(f for f in found if isinstance(f, str) and f.strip()) if isinstance(found, list) else ()


def excluded_by(rel: str, filters: tuple[str, ...]) -> str | None:
    """The filter that excludes the vault folder `rel` (a path prefix, or `/regex/` as Obsidian writes it)."""
    for entry in filters:
        if len(entry) > 2 and entry.startswith("/") and entry.endswith("/"):
            try:
                if re.search(entry[1:-1], rel) or re.search(entry[1:-1], rel + "/"):
                    return entry
            except re.error:
                continue
            continue
        prefix = nfc(entry.strip()).strip("/")
        if prefix and (rel == prefix or rel.startswith(prefix + "/")):
            return entry
    return None


def out_folder_problem(vault: Path, out: Path) -> str | None:
    """Why `out` may not hold the outputs of `vault`, or None when it may."""
    root, target = os.path.realpath(vault), os.path.realpath(out)
    if target == root:
        return f"'{out}' is the vault itself: outputs would be read back as notes; choose a folder outside it"
    if not target.startswith(root + os.sep):
        return None
    rel = nfc(os.path.relpath(target, root).replace(os.sep, "/"))
    first = rel.split("/", 1)[0]
    if first == DEFAULT_OUT or first.startswith("."):
        return None  # neither the reader nor Obsidian reads these folders
    if excluded_by(rel, obsidian_excluded(vault)) is not None:
        return None
    return (
        f"'{out}' is inside the vault, where its outputs would be read as notes (by osmu and Obsidian); "
        f"choose a folder outside the vault, or exclude '{rel}/' in Obsidian (Settings → Files and links → "
        "Excluded files)"
    )
