"""Private notes never reach an output.

A note is private when its front matter says `publish: false` or `private: true`, or when
it lives in one of the configured `private_folders`. A private note given as a source is
refused with a clear `file:line: message`. In a public note, an embed of a private note
disappears and a link to one keeps only the author's alias (if any): the private note's
name, path and content never appear. `%% comments %%` are blanked by the parser itself.

Pure functions here: the read stage (`tasks/vault/source.py`) has already read the front
matter of every linked note, once, and recorded which are private.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from tasks.markdown.parse import parse_note
from tasks.markdown.wikilink import WIKILINK
from tasks.model import Note, NoteError, ParsedNote
from tasks.settings import Settings
from tasks.vault.links import NoteIndex, resolve
from tasks.vault.read import IGNORED_DIRS, nfc

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


GLOB_CHARS = frozenset("*?[")


def clean_folder(entry: str) -> str:
    """A `private_folders` entry as an NFC vault-relative path: `./60-private/` → `60-private`,
    `a//b` → `a/b`. Globs (`60-private/**`, `*/diary`) keep their wildcards."""
    parts = [p for p in nfc(str(entry)).strip().replace("\\", "/").split("/") if p not in ("", ".")]
    return "/".join(parts)


def clean_folders(folders: Iterable[str]) -> tuple[str, ...]:
    """Configured folders as NFC vault-relative paths without `./` or surrounding slashes."""
    return tuple(f for f in (clean_folder(f) for f in folders) if f)


@lru_cache(maxsize=256)
def glob_pattern(entry: str) -> re.Pattern[str]:
    """A `private_folders` glob as a regular expression over vault paths: `*` and `?` stay inside
    one folder name, `**` crosses folders (`60-private/**`, `**/diary`), `[…]` is a set."""
    out, i = [], 0
    while i < len(entry):
        if entry.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif entry.startswith("**", i):
            out.append(".*")
            i += 2
        elif entry[i] == "*":
            out.append("[^/]*")
            i += 1
        elif entry[i] == "?":
            out.append("[^/]")
            i += 1
        elif entry[i] == "[" and "]" in entry[i + 2 :]:
            end = entry.index("]", i + 2)
            body = entry[i + 1 : end]
            negate, body = body.startswith("!"), body.removeprefix("!").replace("\\", "\\\\")
            out.append("[" + ("^" if negate else "") + body.lstrip("^") + "]")
            i = end + 1
        else:
            out.append(re.escape(entry[i]))
            i += 1
    return re.compile("".join(out))


def folder_matches(entry: str, path: str) -> bool:
    """True when vault path `path` (a folder, or a note with or without `.md`) is `entry` or lies
    under what `entry` names."""
    if not GLOB_CHARS & set(entry):
        return path in (entry, f"{entry}.md") or path.startswith(entry + "/")
    pattern = glob_pattern(entry)
    parts = path.split("/")
    prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    if not path.endswith(".md"):
        prefixes.append(path + ".md")  # link targets come without `.md`
    return any(pattern.fullmatch(p) for p in prefixes)


DAILY_GLOB = "**/[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9].md"
"""Daily notes by name (`YYYY-MM-DD.md`, Obsidian's default format), wherever they are."""


def daily_entries(daily_folder: str | None) -> tuple[str, ...]:
    """What makes a note a daily note, as `private_folders`-style entries: its name, its folder."""
    return (DAILY_GLOB, *((clean_folder(daily_folder),) if daily_folder and clean_folder(daily_folder) else ()))


def is_daily(path: str, daily_folder: str | None = None) -> bool:
    """True for a daily note: named `YYYY-MM-DD.md`, or in the configured daily-notes folder."""
    return bool(in_private_folder(path, daily_entries(daily_folder)))


def in_private_folder(path: str, folders: Iterable[str]) -> str:
    """The private folder (entry) holding vault-relative `path`, or ''."""
    path = nfc(path)
    return next((f for f in clean_folders(folders) if folder_matches(f, path)), "")


def unmatched_folders(vault: Path, folders: Iterable[str]) -> tuple[str, ...]:
    """The `private_folders` entries that match no folder or note of the vault (each deserves a
    warning: a typo there publishes what she meant to keep private)."""
    entries = clean_folders(folders)
    if not entries:
        return ()
    paths: list[str] = []
    for here, dirs, files in os.walk(vault):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in IGNORED_DIRS]
        rel = Path(here).relative_to(vault).as_posix()
        prefix = "" if rel == "." else nfc(rel) + "/"
        paths += [prefix + nfc(d) for d in dirs] + [prefix + nfc(f) for f in files if f.endswith(".md")]
    return tuple(e for e in entries if not any(folder_matches(e, p) for p in paths))


def private_reason(note: Note, folders: Iterable[str], daily_folder: str | None = None) -> str:
    """Why `note` is private (`publish: false`, `private: true`, `folder 'x'`, a daily note), or ''.

    Daily notes are private by default (shared spec vault.md); `publish: true` in one's front
    matter publishes it. Their `#process/<project>` lines still feed stories (`tasks/process/daily.py`).
    """
    key = private_by_meta(note.meta)
    if key:
        value = note.meta[key]
        return f"{key}: {str(value).lower() if isinstance(value, bool) else value}"
    folder = in_private_folder(note.path, folders)
    if folder:
        return f"it is in the private folder '{folder}'"
    if is_daily(note.path, daily_folder) and not _flag(note.meta.get("publish"), _TRUE):
        return "it is a daily note: daily notes are private unless `publish: true`"
    return ""


class PrivateNote(NoteError):
    """A private note given as a source: never published (a sweep skips it without counting a failure)."""

    def __init__(self, file: str, line: int, reason: str) -> None:
        super().__init__(file, line, f"note is private ({reason}); osmu never publishes it")
        self.reason = reason


def refuse_private(note: Note, folders: Iterable[str], daily_folder: str | None = None) -> None:
    """Raise `PrivateNote` (at the deciding front-matter line) when `note` is private."""
    reason = private_reason(note, folders, daily_folder)
    if not reason:
        return
    key = private_by_meta(note.meta)
    match = re.search(rf"^\s*\"?{key}\"?\s*:", note.text, re.MULTILINE | re.IGNORECASE) if key else None
    line = note.text[: match.start()].count("\n") + 1 if match else 0
    raise PrivateNote(note.path, line, reason)


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


def hidden_targets_of(parsed: ParsedNote, index: NoteIndex) -> frozenset[str]:
    """Link targets to hide: those resolving to a private note, or to a note the read stage did not check.

    The second case cannot happen when the read stage saw the same links as the parser; if it
    ever does, the link is hidden rather than trusted (when in doubt, hide).
    """
    note = parsed.note
    unchecked = {
        path
        for link in parsed.links
        if (path := resolve(link.target, note.path, index)) is not None
        and path != note.path.removesuffix(".md")
        and path not in note.linked
    }
    return hidden_targets(parsed, index, note.private_links | unchecked)


def protect(parsed: ParsedNote, hidden: frozenset[str], navigation_titles: Iterable[str] = ()) -> ParsedNote:
    """`parsed` with every link and embed of `hidden` targets removed (parsed again, in memory, only then)."""
    if not hidden:
        return parsed
    note = parsed.note
    lines = note.text.split("\n")
    body = hide_links("\n".join(lines[note.body_line - 1 :]), hidden)
    text = "\n".join([*lines[: note.body_line - 1], body])
    # A link list stays navigation once its links are hidden (they no longer look like links).
    was_navigation = (s.title for s in parsed.sections if s.navigation and s.title)
    return parse_note(replace(note, text=text), (*navigation_titles, *was_navigation))


def protect_note(parsed: ParsedNote, settings: Settings, index: NoteIndex) -> ParsedNote:
    """Stage 3, privacy: refuse a private source; hide the links and embeds of private notes in a public one."""
    refuse_private(parsed.note, settings.private_folders, settings.daily_folder)
    return protect(parsed, hidden_targets_of(parsed, index), settings.navigation_sections)
