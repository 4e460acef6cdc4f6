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
import stat
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from frontmatter.default_handlers import JSONHandler, YAMLHandler
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

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


ALIAS_EXPANSION_MAX = 10_000
"""Most values a front matter may hold once its YAML aliases are expanded (a "billion laughs"
of a few lines expands to billions; a real front matter holds tens)."""


def load_front_matter(raw: str, name: str) -> Any:
    """The YAML front matter `raw` (file line 2 onward) as Python values, or a `NoteError` naming
    the line and the key: invalid YAML, aliases expanding past `ALIAS_EXPANSION_MAX` values or
    referring to themselves, and dates that do not exist (`date: 2024-13-45`).

    The node tree is checked before any value is built, so nothing is ever expanded or
    stringified without bound.
    """
    yaml = YAML(typ="safe", pure=True)
    try:
        root = yaml.compose(raw)
        if root is None:
            return None
        _check_nodes(root, name, yaml)
        return yaml.constructor.construct_document(root)
    except YAMLError as exc:
        raise _yaml_error(name, exc, 1) from exc
    except RecursionError as exc:
        raise NoteError(name, 2, "front matter is nested too deeply") from exc


def _check_nodes(root: Node, name: str, yaml: YAML) -> None:
    """Raise `NoteError` for an alias bomb, a self-referring alias or an impossible date under `root`."""
    sizes: dict[int, int] = {}
    building: set[int] = set()

    def size(node: Node, key: str) -> int:
        if id(node) in sizes:
            return sizes[id(node)]
        if id(node) in building:
            raise NoteError(name, 1 + node.start_mark.line, f"{key}: a YAML alias refers to itself")
        building.add(id(node))
        total = 1
        if isinstance(node, SequenceNode):
            total += sum(size(child, f"{key}.{n}") for n, child in enumerate(node.value))
        elif isinstance(node, MappingNode):
            total += sum(size(k, key) + size(v, _key_path(key, k)) for k, v in node.value)
        elif node.tag == "tag:yaml.org,2002:timestamp":
            try:
                yaml.constructor.construct_yaml_timestamp(node)
            except ValueError as exc:
                raise NoteError(name, 1 + node.start_mark.line, f"{key}: {exc} ({node.value})") from exc
        building.discard(id(node))
        sizes[id(node)] = total
        if total > ALIAS_EXPANSION_MAX:
            raise NoteError(
                name,
                1 + node.start_mark.line,
                f"{key}: YAML aliases expand to more than {ALIAS_EXPANSION_MAX:,} values; not read",
            )
        return total

    size(root, "front matter")


def _key_path(parent: str, key: Node) -> str:
    """`date`, `events.0.when`: where a value sits in the front matter (for error messages)."""
    shown = str(key.value)[:40] if isinstance(key, ScalarNode) else "?"
    return shown if parent == "front matter" else f"{parent}.{shown}"


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
    data = load_front_matter(raw, name)
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
    """Read one note from disk; `path` may be absolute or relative to the vault.

    Refused, with one `NoteError` each: a link (to a file, or through a folder) inside the vault
    that leads outside it, a FIFO or any other file that is not a regular one (reading it would
    block forever), and a name with a Unicode-normalisation twin (`노트.md` stored both NFC and
    NFD: both would be the source `노트.md` and share one output folder).
    """
    full = path if path.is_absolute() else vault / path
    rel = vault_relative(vault, full)
    lexical = Path(os.path.abspath(full))
    if lexical.is_relative_to(os.path.abspath(vault)) and not full.resolve().is_relative_to(vault.resolve()):
        # A link planted in a shared vault must not publish a file from elsewhere (~/.ssh/…).
        shown = nfc(lexical.relative_to(os.path.abspath(vault)).as_posix())
        raise NoteError(shown, 0, "is a link to a file outside the vault; not read")
    try:
        info = full.stat()
        if stat.S_ISDIR(info.st_mode):
            raise NoteError(rel, 0, "is a folder, not a note")
        if not stat.S_ISREG(info.st_mode):
            raise NoteError(rel, 0, f"is not a regular file ({file_kind(info.st_mode)}); skipped")
        if normalization_twin(full) is not None:  # the same line for both twins
            raise NoteError(rel, 0, "two files have this name, one stored NFC, one NFD: rename one (neither is read)")
        data = full.read_bytes()
    except FileNotFoundError as exc:
        raise NoteError(rel, 0, "file not found") from exc
    except IsADirectoryError as exc:
        raise NoteError(rel, 0, "is a folder, not a note") from exc
    except PermissionError as exc:
        raise NoteError(rel, 0, "cannot be read (permission denied)") from exc
    modified = datetime.fromtimestamp(info.st_mtime, tz=UTC).date().isoformat()
    return replace(load_note(data, rel), modified=modified)


def file_kind(mode: int) -> str:
    """What a file that is not a regular one is (`a FIFO`), for the one line that skips it."""
    kinds = (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISDIR, "a folder"),
    )
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def is_regular(path: Path) -> bool:
    """True for a regular file (links followed); False for FIFOs, sockets, devices, folders, missing files."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def normalization_twin(full: Path) -> str | None:
    """How a twin of `full` is stored ("NFC", "NFD"), when the vault has one; else None.

    A twin is another file (another inode) in the same folder whose name differs only in
    Unicode normalisation; on a file system that treats the two
    forms as one name (macOS), both forms lead to the same inode and there is no twin.
    """
    here = full.stat()
    for form in ("NFC", "NFD"):
        name = unicodedata.normalize(form, full.name)
        if name == full.name:
            continue
        try:
            other = (full.parent / name).stat()
        except OSError:
            continue
        if (other.st_dev, other.st_ino) != (here.st_dev, here.st_ino):
            return form
    return None


OUTPUT_MARKERS = frozenset({".osmu-state.json", ".osmu-index.json", ".osmu-journal.json"})
"""Files only an osmu output folder holds (the sweep's state, the overview's record, a run's journal)."""


def holds_outputs(folder: str, files: Iterable[str]) -> bool:
    """True for a folder osmu wrote: its state or journal files, or a `manifest.json` of osmu's.

    The reader never enters one, wherever it is, so outputs are never read back as notes.
    """
    names = set(files)
    if names & OUTPUT_MARKERS:
        return True
    if "manifest.json" not in names:
        return False
    try:
        with open(os.path.join(folder, "manifest.json"), "rb") as handle:
            return b'"osmu_version"' in handle.read(4096)
    except OSError:
        return False


def walk_vault(vault: Path, skip: Iterable[Path] = ()) -> Iterator[tuple[str, list[str]]]:
    """(folder, sorted `.md` file names) of every folder of the vault the reader enters.

    Not entered: hidden and ignored folders, `skip` (the configured output folder), and any
    folder holding osmu's outputs. Links to folders are not followed.
    """
    skipped = {os.path.realpath(p) for p in skip}
    root = str(vault)
    for folder, dirs, files in os.walk(root):
        if folder != root and holds_outputs(folder, files):
            dirs[:] = []
            continue
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in IGNORED_DIRS
            and not d.startswith(".")
            and (not skipped or os.path.realpath(os.path.join(folder, d)) not in skipped)
        )
        yield folder, sorted(n for n in files if n.endswith(".md") and not n.startswith("."))


def iter_note_paths(vault: Path, skip: Iterable[Path] = ()) -> Iterator[Path]:
    """Every `.md` file of the vault, skipping outputs and hidden folders, in sorted order."""
    found = [Path(folder, name) for folder, names in walk_vault(vault, skip) for name in names]
    yield from sorted(found)


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
        file = on_disk(vault, f"{path}.md")
        if not is_regular(file):  # a FIFO named `.md` would block the read: hide it
            private.add(path)
            continue
        try:
            head = file.read_bytes()[:65536]
        except OSError:  # listed in the vault but unreadable (or gone): when in doubt, hide
            private.add(path)
            continue
        try:
            meta, _ = split_front_matter(decode(head, path), path)
        except NoteError:
            if _PRIVATE_LINE.search(head[:4096].decode("utf-8", "replace")):
                private.add(path)
            continue
        if private_by_meta(meta):
            private.add(path)
    return frozenset(private)


def on_disk(vault: Path, rel: str) -> Path:
    """The file a vault-relative NFC path names, as the file system spells it.

    A vault synced from macOS keeps Hangul names decomposed (NFD): `vault / rel` then names
    no file on Linux, and a private note read that way would pass for a public one.
    """
    direct = vault / rel
    if direct.exists():
        return direct
    folder = vault
    for part in rel.split("/"):
        candidate = folder / part
        if not candidate.exists() and folder.is_dir():
            with os.scandir(folder) as entries:
                candidate = next((Path(e.path) for e in entries if nfc(e.name) == part), candidate)
        folder = candidate
    return folder


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
