"""Wikilink targets → vault paths. Pure: the set of known notes comes from the read stage.

Obsidian resolves `[[name]]` by file name anywhere in the vault, `[[a/b/name]]` by vault
path, and `[[../x/name]]` relative to the linking note. Paths are compared NFC and
without the `.md` suffix.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass

from tasks.vault.read import nfc

ROOT_LINK = re.compile(r"^root-(\d+)-(.+)$")


def stem(path: str) -> str:
    """Last path part without `.md`."""
    return path.rstrip("/").rsplit("/", 1)[-1].removesuffix(".md")


def split_root_name(name: str) -> tuple[int | None, str]:
    """`root-08-프로세스-공유` → (8, `프로세스-공유`); other names → (None, name)."""
    match = ROOT_LINK.match(name)
    return (int(match.group(1)), match.group(2)) if match else (None, name)


@dataclass(frozen=True, slots=True)
class NoteIndex:
    """The vault's notes, for link resolution."""

    paths: frozenset[str]
    """Vault-relative NFC paths without `.md`."""
    by_stem: dict[str, tuple[str, ...]]
    """File stem → the paths with that stem (sorted)."""

    @classmethod
    def build(cls, paths: Iterable[str]) -> NoteIndex:
        """Index vault-relative note paths (with or without `.md`)."""
        clean = sorted({nfc(p).removesuffix(".md") for p in paths})
        by_stem: dict[str, list[str]] = {}
        for path in clean:
            by_stem.setdefault(stem(path), []).append(path)
        return cls(frozenset(clean), {k: tuple(v) for k, v in by_stem.items()})


def resolve(target: str, from_path: str, index: NoteIndex) -> str | None:
    """The vault path (no `.md`) a link points to, or None when it is missing."""
    target = nfc(target).removesuffix(".md")
    if not target:
        return from_path.removesuffix(".md")
    if target.startswith(("./", "../")):
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(from_path), target))
        return joined if joined in index.paths else None
    if "/" in target and target in index.paths:
        return target
    candidates = index.by_stem.get(stem(target), ())
    if "/" in target:
        candidates = tuple(c for c in candidates if c.endswith(target))
    return candidates[0] if candidates else None
