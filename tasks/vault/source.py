"""Stage 1, read: one source note, plus what the privacy stage must know about the notes it links.

The note's wikilinks and embeds are found in its text and resolved against the vault's note
list; only those notes are opened, and only their front matter is read (`publish: false`,
`private: true`) or their folder checked. The privacy stage then works on values alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from tasks.markdown.wikilink import WIKILINK
from tasks.model import Note
from tasks.vault.links import NoteIndex, resolve
from tasks.vault.read import read_note, read_private_paths


def linked_targets(note: Note, notes: NoteIndex) -> frozenset[str]:
    """Vault paths (no `.md`) of every note the body links to or embeds (the note itself excluded)."""
    body = "\n".join(note.text.split("\n")[note.body_line - 1 :])
    itself = note.path.removesuffix(".md")
    found = (resolve(match.group(1), note.path, notes) for match in WIKILINK.finditer(body))
    return frozenset(p for p in found if p is not None and p != itself)


def read_source(vault: Path, path: Path, notes: NoteIndex, private_folders: Iterable[str]) -> Note:
    """The note at `path` (absolute or vault-relative), with its linked notes and which of them are private."""
    note = read_note(vault, path)
    linked = linked_targets(note, notes)
    return replace(note, linked=linked, private_links=read_private_paths(vault, sorted(linked), private_folders))
