"""Stage 1, read: files on disk → `Note` values.

Only this stage and `write` touch the disk. Front matter is split with python-frontmatter
and parsed with ruamel.yaml (YAML 1.2, duplicate keys are errors), so every bad note fails
with a `NoteError` naming the file and the line instead of being read silently wrong.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from frontmatter.default_handlers import JSONHandler, YAMLHandler
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from tasks.model import Diagnostic, Note, NoteError
from tasks.vault.obsidian import INSIGHT_FOLDER

_YAML_FENCE = re.compile(r"^-{3,}[ \t]*$", re.MULTILINE)
_ROOT_FILE = re.compile(r"(^|/)root-\d+-[^/]+\.md$")
_TEMPLATER = re.compile(r"<%[-_*~+]?.*?%>", re.DOTALL)
_DATED_HEADING = re.compile(r"^##\s+\d{4}-\d{2}-\d{2}\b", re.MULTILINE)
IGNORED_DIRS = frozenset({INSIGHT_FOLDER, ".obsidian", ".trash", ".git", ".osmu"})
"""Folders never read as notes (the insight notes osmu writes, app state, hidden)."""

NoteKind = Literal["root", "knowledge", "process-log", "project"]


def nfc(text: str) -> str:
    """NFC-normalise (vaults synced from macOS store Hangul names decomposed)."""
    return unicodedata.normalize("NFC", text)


def vault_relative(vault: Path, path: Path) -> str:
    """The NFC POSIX path of `path` inside `vault`, or its absolute path when outside."""
    try:
        rel = path.resolve().relative_to(vault.resolve())
    except ValueError:
        return nfc(path.resolve().as_posix())
    return nfc(rel.as_posix())


def sha256_text(data: bytes) -> str:
    """`sha256:<hex>` of bytes."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def decode(data: bytes, name: str) -> str:
    """UTF-8 text with BOM removed and LF line ends, or a NoteError at the bad line."""
    nul = data.find(b"\x00", 0, 8192)
    if nul >= 0:
        raise NoteError(name, data[:nul].count(b"\n") + 1, "not a text file (binary content)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise NoteError(name, line, f"not valid UTF-8 (byte {exc.start})") from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _yaml_error(name: str, exc: YAMLError, first_line: int) -> NoteError:
    mark = exc.problem_mark if isinstance(exc, MarkedYAMLError) else None
    problem = exc.problem if isinstance(exc, MarkedYAMLError) and exc.problem else str(exc)
    problem = problem.splitlines()[0] if problem.strip() else "unreadable"
    if isinstance(exc, MarkedYAMLError) and exc.context_mark is not None and "end of stream" in problem:
        # An unclosed quote or bracket is found only at the end: point at where it opened.
        mark = exc.context_mark
        problem = f"{exc.context} that is never closed"
    line = first_line + mark.line if mark is not None else first_line
    return NoteError(name, line, f"front matter is not valid YAML: {problem}")


def split_front_matter(text: str, name: str) -> tuple[dict[str, Any], int]:
    """Parse the front matter of `text`; returns (metadata, 1-based body line).

    Front matter must open on line 1. An unclosed fence, invalid YAML, duplicate keys
    or a non-mapping value raise `NoteError` with the file line.
    """
    if JSONHandler().detect(text) and text.startswith("{"):
        return _json_front_matter(text, name)
    if not _YAML_FENCE.match(text):
        return {}, 1
    fences = list(_YAML_FENCE.finditer(text))
    if len(fences) < 2:
        raise NoteError(name, 1, "front matter opened on line 1 is never closed with '---'")
    handler = YAMLHandler()
    raw, _body = handler.split(text)
    body_line = text[: fences[1].end()].count("\n") + 2
    try:
        data = YAML(typ="safe", pure=True).load(raw)
    except YAMLError as exc:
        raise _yaml_error(name, exc, 1) from exc
    if data is None:
        return {}, body_line
    if not isinstance(data, dict):
        raise NoteError(name, 2, f"front matter must be key: value pairs, not a {type(data).__name__}")
    return {str(k).strip().lower(): v for k, v in data.items()}, body_line


def _json_front_matter(text: str, name: str) -> tuple[dict[str, Any], int]:
    decoder = json.JSONDecoder()
    try:
        data, end = decoder.raw_decode(text)
    except json.JSONDecodeError as exc:
        raise NoteError(name, exc.lineno, f"JSON front matter: {exc.msg}") from exc
    if not isinstance(data, dict):
        raise NoteError(name, 1, "JSON front matter must be an object")
    return {str(k).strip().lower(): v for k, v in data.items()}, text[:end].count("\n") + 2


def note_kind(path: str, meta: dict[str, Any], text: str) -> NoteKind:
    """Classify a note by the vault conventions (see shared spec vault.md)."""
    tags = meta.get("tags") or []
    tag_list = [str(t).lower() for t in (tags if isinstance(tags, list) else [tags])]
    if meta.get("category") == "philosophical-root" or "root" in tag_list or _ROOT_FILE.search(path):
        return "root"
    if str(meta.get("type", "")).lower() == "process-log" or _DATED_HEADING.search(text):
        return "process-log"
    if path.startswith("10-projects/"):
        return "project"
    return "knowledge"


def load_note(data: bytes, rel_path: str) -> Note:
    """Build a `Note` from raw bytes (pure: no disk access)."""
    text = decode(data, rel_path)
    meta, body_line = split_front_matter(text, rel_path)
    diagnostics: list[Diagnostic] = []
    if not text.strip():
        diagnostics.append(Diagnostic(rel_path, 0, "note is empty", "empty-note"))
    templater = _TEMPLATER.search(text)
    if templater:
        line = text[: templater.start()].count("\n") + 1
        diagnostics.append(Diagnostic(rel_path, line, "Templater code is not run by osmu; kept as text", "templater"))
    return Note(
        path=rel_path,
        text=text,
        meta=meta,
        body_line=body_line,
        source_hash=sha256_text(data),
        kind=note_kind(rel_path, meta, text),
        diagnostics=tuple(diagnostics),
    )


def read_note(vault: Path, path: Path) -> Note:
    """Read one note from disk; `path` may be absolute or relative to the vault."""
    full = path if path.is_absolute() else vault / path
    rel = vault_relative(vault, full)
    lexical = Path(os.path.abspath(full))
    if lexical.is_relative_to(os.path.abspath(vault)) and not full.resolve().is_relative_to(vault.resolve()):
        # A link planted in a shared vault must not publish a file from elsewhere (~/.ssh/…).
        shown = nfc(lexical.relative_to(os.path.abspath(vault)).as_posix())
        raise NoteError(shown, 0, "is a link to a file outside the vault; not read")
    try:
        data = full.read_bytes()
        mtime = full.stat().st_mtime
    except FileNotFoundError as exc:
        raise NoteError(rel, 0, "file not found") from exc
    except IsADirectoryError as exc:
        raise NoteError(rel, 0, "is a folder, not a note") from exc
    except PermissionError as exc:
        raise NoteError(rel, 0, "cannot be read (permission denied)") from exc
    modified = datetime.fromtimestamp(mtime, tz=UTC).date().isoformat()
    return replace(load_note(data, rel), modified=modified)


def iter_note_paths(vault: Path) -> Iterator[Path]:
    """Every `.md` file of the vault, skipping outputs and hidden folders, in sorted order."""
    for path in sorted(vault.rglob("*.md")):
        parts = path.relative_to(vault).parts
        if any(p in IGNORED_DIRS or p.startswith(".") for p in parts[:-1]):
            continue
        yield path


def list_vault(vault: Path) -> tuple[str, ...]:
    """Vault-relative NFC paths of every note (for link resolution)."""
    return tuple(vault_relative(vault, p) for p in iter_note_paths(vault))


_PRIVATE_LINE = re.compile(r"^\s*[\"']?(private[\"']?\s*:\s*(true|yes)|publish[\"']?\s*:\s*(false|no))\b", re.I | re.M)


def read_private_paths(vault: Path, paths: Iterable[str], folders: Iterable[str]) -> frozenset[str]:
    """Which of these vault paths (without `.md`) are private notes (see `tasks.vault.privacy`).

    Only linked notes are read, and only their front matter matters. A note whose front
    matter cannot be parsed is private when a line of it says so: when in doubt, hide.
    """
    from tasks.vault.privacy import in_private_folder, private_by_meta

    private: set[str] = set()
    for path in paths:
        if in_private_folder(path, folders):
            private.add(path)
            continue
        try:
            text = decode((vault / f"{path}.md").read_bytes()[:65536], path)
            meta, _ = split_front_matter(text, path)
        except (OSError, NoteError):
            head = (vault / f"{path}.md").read_bytes()[:4096] if (vault / f"{path}.md").is_file() else b""
            if _PRIVATE_LINE.search(head.decode("utf-8", "replace")):
                private.add(path)
            continue
        if private_by_meta(meta):
            private.add(path)
    return frozenset(private)


def read_roots(vault: Path, folder: str) -> tuple[tuple[Note, ...], tuple[Diagnostic, ...]]:
    """Read every root-concept note under `vault/folder`; bad ones become diagnostics."""
    root_dir = vault / folder
    notes: list[Note] = []
    problems: list[Diagnostic] = []
    if not root_dir.is_dir():
        return (), (Diagnostic(folder, 0, "root-concept folder not found", "no-roots"),)
    from tasks.vault.privacy import private_by_meta

    for path in sorted(root_dir.glob("*.md")):
        try:
            note = read_note(vault, path)
        except NoteError as exc:
            problems.append(exc.to_diagnostic())
            continue
        if private_by_meta(note.meta):  # its summary and title would be quoted in outputs
            problems.append(Diagnostic(note.path, 0, "private root note left out of the root index", "private"))
            continue
        notes.append(note)
    return tuple(notes), tuple(problems)
