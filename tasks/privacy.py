"""Private notes never reach an output.

A note is private when its front matter says `publish: false` or `private: true`, or when
it lives in one of the configured `private_folders`. A private note given as a source is
refused with a clear `file:line: message`. In a public note, an embed of a private note
disappears and a link to one keeps only the author's alias (if any): the private note's
name, path and content never appear. `%% comments %%` are blanked by the parser itself.

Pure functions here; the one disk access (reading linked notes' front matter) is
`tasks.read.read_private_paths`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from prefect import task

from tasks.links import NoteIndex, resolve
from tasks.markdown.wikilink import WIKILINK
from tasks.model import Note, NoteError, ParsedNote
from tasks.read import nfc, read_private_paths
from tasks.settings import Settings

_FALSE = frozenset({"false", "no", "off", "0"})
_TRUE = frozenset({"true", "yes", "on", "1"})


def _flag(value: Any, words: frozenset[str]) -> bool:
    if isinstance(value, bool):
        return value is (words is _TRUE)
    return isinstance(value, str | int) and str(value).strip().lower() in words


def private_by_meta(meta: Mapping[str, Any]) -> str:
    """The front-matter key that makes a note private (`publish`, `private`), or ''."""
    if "publish" in meta and _flag(meta["publish"], _FALSE):
        return "publish"
    if "private" in meta and _flag(meta["private"], _TRUE):
        return "private"
    return ""


def clean_folders(folders: Iterable[str]) -> tuple[str, ...]:
    """Configured folders as NFC vault-relative prefixes without surrounding slashes."""
    return tuple(f for f in (nfc(str(f)).strip().strip("/") for f in folders) if f)


def in_private_folder(path: str, folders: Iterable[str]) -> str:
    """The private folder holding vault-relative `path`, or ''."""
    path = nfc(path)
    return next((f for f in clean_folders(folders) if path == f or path.startswith(f + "/")), "")


def private_reason(note: Note, folders: Iterable[str]) -> str:
    """Why `note` is private (`publish: false`, `private: true`, `folder 'x'`), or ''."""
    key = private_by_meta(note.meta)
    if key:
        value = note.meta[key]
        return f"{key}: {str(value).lower() if isinstance(value, bool) else value}"
    folder = in_private_folder(note.path, folders)
    return f"it is in the private folder '{folder}'" if folder else ""


def refuse_private(note: Note, folders: Iterable[str]) -> None:
    """Raise `NoteError` (at the deciding front-matter line) when `note` is private."""
    reason = private_reason(note, folders)
    if not reason:
        return
    key = private_by_meta(note.meta)
    match = re.search(rf"^\s*\"?{key}\"?\s*:", note.text, re.MULTILINE | re.IGNORECASE) if key else None
    line = note.text[: match.start()].count("\n") + 1 if match else 0
    raise NoteError(note.path, line, f"note is private ({reason}); osmu never publishes it")


def hidden_targets(parsed: ParsedNote, index: NoteIndex, private_paths: frozenset[str]) -> frozenset[str]:
    """Link targets, as written in the note, that resolve to a private note."""
    hidden = set()
    for link in parsed.links:
        path = resolve(link.target, parsed.note.path, index)
        if path is not None and path in private_paths:
            hidden.add(nfc(link.target).strip())
    return frozenset(hidden)


def hide_links(text: str, hidden: frozenset[str]) -> str:
    """Remove embeds of `hidden` targets; replace links to them by their alias (or nothing)."""
    if not hidden:
        return text

    def swap(match: re.Match[str]) -> str:
        if nfc(match.group(1)).strip() not in hidden:
            return match.group(0)
        alias = match.group(3)
        if match.group(0).startswith("!") or not alias or alias.strip().isdigit():
            return ""
        return alias.strip()

    return WIKILINK.sub(swap, text)


def linked_paths(parsed: ParsedNote, index: NoteIndex) -> tuple[str, ...]:
    """Vault paths (no `.md`) of the notes this note links to or embeds."""
    found = (resolve(link.target, parsed.note.path, index) for link in parsed.links)
    return tuple(sorted({p for p in found if p is not None and p != parsed.note.path.removesuffix(".md")}))


def protect(
    parsed: ParsedNote, private_paths: frozenset[str], index: NoteIndex, navigation_titles: Iterable[str] = ()
) -> ParsedNote:
    """`parsed` with every link and embed of a private note hidden (the note is re-parsed)."""
    from tasks.parse import parse_note

    hidden = hidden_targets(parsed, index, private_paths)
    if not hidden:
        return parsed
    note = parsed.note
    lines = note.text.split("\n")
    body = hide_links("\n".join(lines[note.body_line - 1 :]), hidden)
    text = "\n".join([*lines[: note.body_line - 1], body])
    return parse_note(replace(note, text=text), navigation_titles)


@task(name="protect-private")
def protect_task(parsed: ParsedNote, settings: Settings, index: NoteIndex) -> ParsedNote:
    """Prefect task: refuse a private source, hide private links and embeds of a public one."""
    refuse_private(parsed.note, settings.private_folders)
    linked = linked_paths(parsed, index)
    private = read_private_paths(Path(settings.vault), linked, settings.private_folders)
    return protect(parsed, private, index, settings.navigation_sections)
