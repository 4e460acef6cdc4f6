"""Images a note embeds: found in the vault as Obsidian finds them, copied beside the outputs that show them.

`find_images` resolves every image block of the note's insights once per render (next to the note,
from the vault root, else the file of that name anywhere in the vault, as Obsidian's "shortest
path" links do); a missing file, or one in a private folder, is a warning and the outputs show its
alt text. `place_images` points a channel's plans at the copies (`images/<name>`) and lists the
files to copy; a URL stays a URL.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from tasks.compose.ideas import Figure
from tasks.compose.plan import Plan, Slot
from tasks.model import Block, Diagnostic, Insight
from tasks.slug import is_safe_component, safe_slug

REMOTE = ("http://", "https://")
SKIPPED_DIRS = frozenset({"_osmu", ".osmu", ".obsidian", ".trash", ".git"})


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def name_index(vault: Path) -> dict[str, Path]:
    """Every file of the vault by its name (the shallowest first, as Obsidian's shortest path picks),
    outputs, hidden and trash folders left out: one walk for all the images of a note."""
    best: dict[str, tuple[int, str, Path]] = {}
    for folder, dirs, files in os.walk(vault):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.startswith("."))
        depth = folder.count(os.sep)
        for name in files:
            key, path = unicodedata.normalize("NFC", name), Path(folder) / name
            rank = (depth, path.as_posix(), path)
            if key not in best or rank[:2] < best[key][:2]:
                best[key] = rank
    return {name: rank[2] for name, rank in best.items()}


def resolve_image(
    vault: Path, note_path: str, src: str, names: Callable[[], Mapping[str, Path]] | None = None
) -> Path | None:
    """The vault file an image embed or link names, or None (a URL, or nothing of that name).

    `names`: the vault's files by name (`name_index`), asked for only when the file is neither next
    to the note nor at that path from the vault root."""
    if not src or src.startswith(REMOTE) or "\x00" in src:
        return None
    target = src.split("#", 1)[0].split("?", 1)[0].strip()
    note_dir = vault / PurePosixPath(note_path).parent
    for candidate in (note_dir / target, vault / target):
        if candidate.is_file() and _inside(candidate, vault):
            return candidate
    name = unicodedata.normalize("NFC", PurePosixPath(target).name)
    if not name or not is_safe_component(name):
        return None
    found = (names() if names is not None else name_index(vault)).get(name)
    return found if found is not None and found.is_file() and _inside(found, vault) else None


def _private(vault: Path, path: Path, folders: Sequence[str]) -> bool:
    rel = path.resolve().relative_to(vault.resolve()).as_posix()
    return any(rel == f.strip("/") or rel.startswith(f.strip("/") + "/") for f in folders if f.strip("/"))


def image_blocks(insights: Iterable[Insight]) -> list[Block]:
    """Every image block the insights carry, in order."""
    return [b for i in insights for b in i.blocks if b.kind == "image"]


def find_images(
    vault: Path, note_path: str, insights: Iterable[Insight], private_folders: Sequence[str] = ()
) -> tuple[dict[str, Path | None], tuple[Diagnostic, ...]]:
    """`{src: vault file or None}` for every image of the insights (URLs left out), and one warning per
    image that cannot be shown (missing, or in a private folder)."""
    found: dict[str, Path | None] = {}
    warnings: list[Diagnostic] = []
    walked: list[dict[str, Path]] = []

    def names() -> dict[str, Path]:
        if not walked:
            walked.append(name_index(vault))
        return walked[0]

    for block in image_blocks(insights):
        src = block.get("src")
        if src.startswith(REMOTE) or src in found:
            continue
        path = resolve_image(vault, note_path, src, names)
        if path is not None and _private(vault, path, private_folders):
            warnings.append(
                Diagnostic(
                    note_path,
                    block.lines[0],
                    f"image '{src}' is in a private folder: its alt text is shown instead",
                    "private-image",
                )
            )
            path = None
        elif path is None:
            warnings.append(
                Diagnostic(
                    note_path,
                    block.lines[0],
                    f"image '{src}' not found in the vault: its alt text is shown instead",
                    "missing-image",
                )
            )
        found[src] = path
    return found, tuple(warnings)


def copy_name(path: Path, taken: set[str]) -> str:
    """A safe file name for the copy (`images/<name>`), unique among `taken`."""
    stem = safe_slug(path.stem, fallback="image") or "image"
    suffix = path.suffix.lower() if path.suffix.lower().lstrip(".").isalnum() else ".img"
    name, n = f"{stem}{suffix}", 2
    while name in taken:
        name, n = f"{stem}-{n}{suffix}", n + 1
    taken.add(name)
    return name


def place_images(
    plans: Sequence[Plan], files: Mapping[str, Path | None], folder: str = "images", prefix: str = ""
) -> tuple[list[Plan], list[dict[str, Any]]]:
    """The plans with each image's `src` set to where the output finds it (`prefix` + `images/<name>`,
    a URL, or "" when it cannot be shown), and the files to copy: `{"name", "file"}` each."""
    names: dict[Path, str] = {}
    taken: set[str] = set()

    def where(block: Block) -> Block:
        if block.kind != "image":
            return block
        src = block.get("src")
        if src.startswith(REMOTE):
            return block
        path = files.get(src)
        if path is None:
            target = ""
        else:
            if path not in names:
                names[path] = copy_name(path, taken)
            name = quote(names[path]) if prefix.startswith(REMOTE) else names[path]
            target = f"{prefix}{folder}/{name}"
        meta = tuple((k, target if k == "src" else v) for k, v in block.meta)
        return replace(block, meta=meta)

    def slot(s: Slot) -> Slot:
        if not s.figures:
            return s
        return replace(s, figures=tuple(Figure(where(f.block), f.after, f.coda) for f in s.figures))

    placed = [replace(p, slots=tuple(slot(s) for s in p.slots)) for p in plans]
    copies = [{"name": f"{names[p]}", "file": p, "slug": names[p]} for p in names]
    return placed, copies


def image_bytes(ctx: Mapping[str, Any]) -> bytes:
    """Builder: the bytes of one copied image (`each: images`, `as: image`)."""
    path: Path = ctx["image"]["file"]
    return path.read_bytes()
