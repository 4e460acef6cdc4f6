"""Which notes need rendering: content hashes of each note and of what it depends on.

A note's *key* hashes everything its outputs depend on:
- the note's bytes and its modification date (the fallback for output dates);
- the *context*: settings, the templates and preparers of the chosen channels (built-in and
  the user's overrides), the root-concept notes, and osmu's own code;
- where its wikilinks point now (a link target that appears or disappears changes it).

The keys of the last run live in `<out>/.osmu-state.json` (written atomically). The
no-change path only stats files: a note whose size and mtime match the state reuses the
stored content hash, so a sweep of an unchanged vault reads no note.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from stat import S_ISREG
from typing import Any

from tasks import __version__
from tasks.project import CODE_DIR
from tasks.settings import CHANNELS_DIR, Settings
from tasks.vault.links import NoteIndex, resolve
from tasks.vault.read import nfc, on_disk, walk_vault
from tasks.write.outputs import atomic_write

STATE_FILE = ".osmu-state.json"
_LLM_ENV = ("OSMU_LLM_PROVIDER", "OSMU_LLM_BASE_URL", "OSMU_LLM_MODEL")
"""Environment that overrides the LLM settings (the key itself is never part of a hash)."""
STATE_VERSION = 1
NOT_A_FILE = "not-a-regular-file"
"""The content hash recorded for a FIFO, socket or device named `.md` (never opened)."""
_CODE = CODE_DIR
"""osmu code that shapes outputs: the stages and the pipeline wiring (`tasks/pipeline.py`)."""


def _sha(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


def _tree_digest(folders: Iterable[Path], suffixes: tuple[str, ...] = ()) -> str:
    """Hash of the names and bytes of every file under `folders` (missing folders count as empty)."""
    digest = hashlib.sha256()
    for folder in folders:
        digest.update(str(folder).encode())
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and (not suffixes or path.suffix in suffixes):
                digest.update(path.relative_to(folder).as_posix().encode() + b"\x00")
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def code_digest() -> str:
    """Hash of osmu's code that shapes outputs: the code this process runs, so read once."""
    return _tree_digest([_CODE], (".py",))


def context_key(settings: Settings, channels: tuple[str, ...]) -> str:
    """Hash of what every note's outputs depend on besides the note itself."""
    template_dirs = [CHANNELS_DIR / "_base", *(CHANNELS_DIR / c for c in channels)]
    override = settings.templates_dir
    if override is not None:
        template_dirs += [override / c for c in channels]
    return _sha(
        __version__,
        settings.model_dump_json(exclude={"sweep"}),
        *(f"{k}={os.environ.get(k, '')}" for k in _LLM_ENV),
        ",".join(channels),
        _tree_digest(template_dirs),
        code_digest(),
        _tree_digest([settings.vault / settings.roots_folder], (".md",)),
    )


@dataclass(frozen=True, slots=True)
class FileStat:
    """What a stat tells about one note file."""

    rel: str
    """Vault-relative NFC POSIX path."""
    path: Path
    """Absolute path."""
    size: int
    """Size in bytes."""
    mtime_ns: int
    """Modification time, nanoseconds."""
    regular: bool = True
    """False for a FIFO, socket or device named `.md`: never opened (a FIFO blocks the reader)."""

    @property
    def modified(self) -> str:
        """UTC date of the last modification (as `read_note` records it)."""
        return datetime.fromtimestamp(self.mtime_ns / 1e9, tz=UTC).date().isoformat()


def scan_vault(vault: Path, skip: Iterable[Path] = ()) -> Iterator[FileStat]:
    """Every note of the vault, sorted; hidden, ignored and output folders (and `skip`) are not entered."""
    root = str(vault)
    for folder, names in walk_vault(vault, skip):
        for name in names:
            full = os.path.join(folder, name)
            try:
                st = os.stat(full)
            except OSError:
                continue
            rel = nfc(os.path.relpath(full, root).replace(os.sep, "/"))
            yield FileStat(rel, Path(full), st.st_size, st.st_mtime_ns, S_ISREG(st.st_mode))


def file_sha(path: Path) -> str:
    """`sha256:<hex>` of a file (the form `Note.source_hash` uses)."""
    with path.open("rb") as handle:
        return "sha256:" + hashlib.file_digest(handle, "sha256").hexdigest()


ShaOf = Callable[[str], str]
"""Content hash of a note given its vault path without `.md` ("" when there is none)."""


def links_key(rel: str, targets: Iterable[str], index: NoteIndex, sha_of: ShaOf) -> str:
    """Hash of where the note's link targets resolve now and of what those notes hold.

    A linked note's content matters: when it turns private (`publish: false`), the link to
    it must disappear from this note's outputs.
    """
    parts = []
    for target in targets:
        path = resolve(target, rel, index)
        parts.append(f"{target}>{path}>{sha_of(path) if path else ''}")
    return _sha(*parts)


def file_sha_of(vault: Path) -> ShaOf:
    """`ShaOf` reading the files (for one-note runs, which do not hash the whole vault)."""

    def sha_of(path: str) -> str:
        full = on_disk(vault, f"{path}.md")  # the name as the disk spells it (NFD from macOS)
        return file_sha(full) if full.is_file() else ""  # is_file: False for a FIFO

    return sha_of


def note_key(context: str, sha: str, modified: str, links: str) -> str:
    """The dependency key of one note."""
    return _sha(context, sha, modified, links)


@dataclass(frozen=True, slots=True)
class NoteState:
    """What the last run recorded for one note."""

    size: int
    """File size then."""
    mtime_ns: int
    """File mtime then."""
    sha: str
    """Content hash then."""
    key: str
    """Dependency key then."""
    links: tuple[str, ...] = ()
    """Wikilink targets of the note (to notice targets appearing or disappearing)."""
    manifest: str = ""
    """Absolute path of the note's manifest ("" when the note failed)."""
    error: str = ""
    """`file:line: message` when the note failed."""
    skipped: str = ""
    """Why the note is deliberately not rendered (a private note), else ""."""

    def to_json(self) -> dict[str, Any]:
        """JSON form for the state file."""
        return {
            "size": self.size,
            "mtime_ns": self.mtime_ns,
            "sha": self.sha,
            "key": self.key,
            "links": list(self.links),
            "manifest": self.manifest,
            "error": self.error,
            "skipped": self.skipped,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> NoteState:
        """Read back `to_json` output."""
        return cls(
            int(data["size"]),
            int(data["mtime_ns"]),
            str(data["sha"]),
            str(data["key"]),
            tuple(str(t) for t in data.get("links", ())),
            str(data.get("manifest", "")),
            str(data.get("error", "")),
            str(data.get("skipped", "")),
        )


@dataclass(slots=True)
class SweepState:
    """The state file of one output folder: note path → `NoteState`."""

    path: Path
    """Where the state file lives."""
    notes: dict[str, NoteState] = field(default_factory=dict)
    """Last recorded state per vault-relative note path."""

    @classmethod
    def load(cls, out_dir: Path) -> SweepState:
        """The state of `out_dir`; an absent, unreadable or old state file means "render everything"."""
        path = out_dir / STATE_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") != STATE_VERSION:
                return cls(path)
            return cls(path, {k: NoteState.from_json(v) for k, v in data["notes"].items()})
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return cls(path)

    def save(self) -> None:
        """Write the state atomically (sorted: the file diffs well)."""
        data = {"version": STATE_VERSION, "notes": {k: self.notes[k].to_json() for k in sorted(self.notes)}}
        atomic_write(self.path, (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))


@dataclass(frozen=True, slots=True)
class Candidate:
    """One note of the vault with its current key."""

    stat: FileStat
    """The file."""
    sha: str
    """Its content hash now."""
    key: str
    """Its dependency key now (links as recorded last time)."""
    context: str
    """The context key it was computed with."""


@dataclass(frozen=True, slots=True)
class Plan:
    """What a sweep must do."""

    todo: tuple[Candidate, ...]
    """Notes that are new or whose key changed (or whose outputs vanished)."""
    unchanged: tuple[Candidate, ...]
    """Notes rendered before with the same key: skipped."""
    failed_before: tuple[tuple[Candidate, str], ...]
    """Notes that failed last time and have not changed, with the error (not retried)."""
    private: tuple[Candidate, ...]
    """Unchanged notes skipped last time because they are private."""
    removed: tuple[str, ...]
    """Notes in the state that are no longer in the vault."""
    context: str
    """The context key used."""
    index: NoteIndex
    """Every note of the vault now, for link resolution."""
    sha_of: ShaOf
    """Content hash of every note now, by vault path without `.md`."""


def current(stat: FileStat, old: NoteState | None) -> str:
    """The content hash: reused from the state when size and mtime match, else read."""
    if old is not None and old.size == stat.size and old.mtime_ns == stat.mtime_ns:
        return old.sha
    if not stat.regular:  # the read stage refuses it with one line; hashing it would block
        return NOT_A_FILE
    return file_sha(stat.path)


def candidate_now(
    stat: FileStat, old: NoteState | None, context: str, index: NoteIndex, sha_of: ShaOf, sha: str = ""
) -> Candidate:
    """The note with its key now (its links as recorded last time)."""
    sha = sha or current(stat, old)
    links = links_key(stat.rel, old.links if old else (), index, sha_of)
    return Candidate(stat, sha, note_key(context, sha, stat.modified, links), context)


def is_done(old: NoteState | None, key: str) -> bool:
    """True when the last run handled this very key (outputs still there, unless it failed or was skipped)."""
    if old is None or old.key != key:
        return False
    return bool(old.error or old.skipped) or (bool(old.manifest) and os.path.exists(old.manifest))


def plan(settings: Settings, channels: tuple[str, ...], state: SweepState, full: bool = False) -> Plan:
    """Compare the vault with the state; `full=True` renders everything."""
    context = context_key(settings, channels)
    stats = list(scan_vault(settings.vault, skip=[settings.out_dir]))
    index = NoteIndex.build(s.rel for s in stats)
    shas = {s.rel: current(s, state.notes.get(s.rel)) for s in stats}
    by_path = {rel.removesuffix(".md"): sha for rel, sha in shas.items()}
    sha_of: ShaOf = lambda path: by_path.get(path, "")  # noqa: E731
    todo: list[Candidate] = []
    unchanged: list[Candidate] = []
    failed: list[tuple[Candidate, str]] = []
    private: list[Candidate] = []
    for stat in stats:
        old = state.notes.get(stat.rel)
        candidate = candidate_now(stat, old, context, index, sha_of, shas[stat.rel])
        if full or old is None or not is_done(old, candidate.key):
            todo.append(candidate)
        elif old.error:
            failed.append((candidate, old.error))
        elif old.skipped:
            private.append(candidate)
        else:
            unchanged.append(candidate)
    present = {s.rel for s in stats}
    removed = tuple(sorted(k for k in state.notes if k not in present))
    return Plan(tuple(todo), tuple(unchanged), tuple(failed), tuple(private), removed, context, index, sha_of)


def record(
    state: SweepState,
    candidate: Candidate,
    links: tuple[str, ...],
    index: NoteIndex,
    sha_of: ShaOf,
    manifest: str = "",
    error: str = "",
    skipped: str = "",
) -> None:
    """Store what was done for one note (the key is recomputed with the links just parsed)."""
    stat = candidate.stat
    key = note_key(candidate.context, candidate.sha, stat.modified, links_key(stat.rel, links, index, sha_of))
    state.notes[stat.rel] = NoteState(stat.size, stat.mtime_ns, candidate.sha, key, links, manifest, error, skipped)


def scan_files(vault: Path, paths: Iterable[Path]) -> Iterator[FileStat]:
    """`FileStat`s of the given note files (missing ones are left out)."""
    for path in paths:
        full = path if path.is_absolute() else vault / path
        try:
            st = full.stat()
        except OSError:
            continue
        try:
            rel = full.resolve().relative_to(vault.resolve()).as_posix()
        except ValueError:
            rel = full.resolve().as_posix()
        yield FileStat(nfc(rel), full, st.st_size, st.st_mtime_ns, S_ISREG(st.st_mode))


def remember(
    settings: Settings, channels: tuple[str, ...], path: Path, index: NoteIndex, links: tuple[str, ...], **done: str
) -> None:
    """Record one note run outside a sweep (`osmu watch`), so an unchanged save and the next sweep skip it."""
    stat = next(scan_files(settings.vault, [path]), None)
    if stat is None:
        return
    state = SweepState.load(settings.out_dir)
    candidate = Candidate(stat, current(stat, None), "", context_key(settings, channels))
    record(state, candidate, links, index, file_sha_of(settings.vault), **done)
    state.save()
