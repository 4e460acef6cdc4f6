"""Stage 10, write: rendered outputs → files + `manifest.json`, atomically, losing nothing.

- Every file is written to a temp file in the same folder, fsynced, then renamed over
  the target, so a crash leaves the old or the new version, never half of one.
- The manifest records the SHA-256 of what osmu wrote. A file whose bytes differ from
  that record was edited by hand: it is kept, the new version goes beside it as
  `<name>.osmu-new.<ext>`, and the run reports it. `force=True` overwrites after saving a
  `<name>.osmu-backup.<ext>` copy (`…osmu-backup-2.<ext>`, `-3`… when one exists: a backup is
  never overwritten), and the run names it.
- Files get the mode the user's umask gives (`0o666 & ~umask`), as any editor's would.
- An output whose front matter says `locked: true` is frozen the same way, whatever its
  hash; only `force` overwrites it (with a backup).
- Unchanged bytes are not rewritten, so a re-run on an unchanged note changes nothing.
- A run killed midway is repaired by the next one (see `tasks/journal.py`), and two runs
  on the same note take turns on a per-note lock.
- Paths are checked to stay inside the output folder whatever a slug or template says.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson

from tasks import __version__
from tasks.model import ChannelOutput, Diagnostic, Insight, NoteError, RenderResult, WriteReport, WrittenFile
from tasks.slug import is_safe_component, short_hash
from tasks.write.journal import (
    JOURNAL,
    clear_journal,
    folder_owner,
    journal_bytes,
    known_hashes,
    note_lock,
    remove_stale_temps,
)
from tasks.write.preview import PAGE, note_preview

MANIFEST = "manifest.json"
_LOCKED = re.compile(r"^[ \t]*locked:\s*(true|yes|on)\s*$", re.MULTILINE | re.IGNORECASE)


def sha256_hex(data: bytes) -> str:
    """Hex SHA-256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` via a temp file and rename in the same folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~current_umask())  # mkstemp makes 0600 whatever the umask
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process's umask, read without changing it where Linux shows it (thread-safe)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _UMASK_LOCK:  # elsewhere the only way to read it is to set it (and set it back)
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (POSIX; a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def beside(path: Path, tag: str) -> Path:
    """`post.md` → `post.osmu-<tag>.md` in the same folder."""
    return path.with_name(f"{path.stem}.osmu-{tag}{path.suffix}")


def free_backup(path: Path) -> Path:
    """The first backup name of `path` not taken yet: `post.osmu-backup.md`, then `post.osmu-backup-2.md`…"""
    candidate, n = beside(path, "backup"), 1
    while candidate.exists() or candidate.is_symlink():
        n += 1
        candidate = beside(path, f"backup-{n}")
    return candidate


def inside(root: Path, rel: str) -> Path:
    """`root/rel`, refusing anything that would leave `root`."""
    return _within(root.resolve(), rel)


def _within(base: Path, rel: str) -> Path:
    """`inside` a root already resolved (a note's files share one: it is resolved once)."""
    parts = rel.split("/")
    if not all(is_safe_component(p) for p in parts):
        raise NoteError(rel, 0, f"refusing unsafe output path '{rel}'")
    target = (base / Path(*parts)).resolve()
    if not target.is_relative_to(base):
        raise NoteError(rel, 0, f"output path '{rel}' leaves the output folder")
    return target


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest in `folder`, or {} when absent or unreadable."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def note_folder(out_root: Path, slug: str, source: str) -> Path:
    """`<out>/<slug>`, or `<out>/<slug>-<hash>` when another note already owns that slug."""
    folder = inside(out_root, slug)
    owner = folder_owner(folder)
    if owner is not None and owner != source:
        folder = inside(out_root, f"{slug}-{short_hash(source)}")
    return folder


def manifest_bytes(
    result: RenderResult,
    source_hash: str,
    insights: Sequence[Insight],
    outputs: Sequence[dict[str, Any]],
    warnings: Sequence[Diagnostic],
    preview: dict[str, Any] | None = None,
) -> bytes:
    """The manifest contract (README, "Manifest"), serialised deterministically."""
    data: dict[str, Any] = {
        "source": result.source,
        "source_hash": source_hash,
        "osmu_version": __version__,
        "insights": [i.to_json() for i in insights],
        "outputs": list(outputs),
        "warnings": [w.to_json() for w in warnings],
    }
    if result.composition is not None:  # which insight fills which slot of which output
        data.update(result.composition.to_json())
    if preview is not None:  # the note's preview page: osmu's own file, like the outputs
        data["preview"] = preview
    # orjson writes the bytes `json.dumps(data, ensure_ascii=False, indent=2)` would (a test
    # checks it) in a tenth of the time: with `indent`, the stdlib encoder is pure Python.
    return orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n"


def is_locked(data: bytes) -> bool:
    """True when an output's front matter says `locked: true` (the author froze it)."""
    if not data.startswith(b"---"):
        return False
    head = data[:8192].decode("utf-8", "replace").replace("\r\n", "\n").split("\n---", 1)[0]
    return bool(_LOCKED.search(head))


def _write_one(target: Path, data: bytes, known: tuple[str, ...], force: bool) -> tuple[WrittenFile, str | None]:
    """Write one output; returns what happened and the hash to record for `target`.

    `known` holds every hash osmu itself wrote there (the manifest's, plus those of a run
    that crashed before its manifest): only a file with another hash was edited by hand.
    """
    rel = target.name
    new_hash = sha256_hex(data)
    if not target.exists():
        atomic_write(target, data)
        return WrittenFile(rel, "created", str(target)), new_hash
    existing = target.read_bytes()
    current = sha256_hex(existing)
    recorded = current if current in known else (known[0] if known else None)
    if current == new_hash:
        return WrittenFile(rel, "unchanged", str(target)), new_hash
    locked = is_locked(existing)
    if current in known and not locked:
        atomic_write(target, data)
        return WrittenFile(rel, "updated", str(target)), new_hash
    if force:
        backup = free_backup(target)
        atomic_write(backup, existing)
        atomic_write(target, data)
        return WrittenFile(rel, "forced", str(target), str(backup)), new_hash
    side = beside(target, "new")
    atomic_write(side, data)
    return WrittenFile(rel, "locked" if locked else "kept-edited", str(side)), recorded


@lru_cache(maxsize=1)
def _pool(pid: int) -> ThreadPoolExecutor:
    """Threads that write (and fsync) one note's files at once; shared by the whole process.

    Keyed by process id: a forked child (a process pool, a crash test) must not use its
    parent's pool, whose threads do not exist in the child.
    """
    return ThreadPoolExecutor(max_workers=8, thread_name_prefix="osmu-write")


def write_outputs(
    result: RenderResult,
    source_hash: str,
    insights: Sequence[Insight],
    warnings: Sequence[Diagnostic],
    out_root: Path,
    force: bool = False,
) -> WriteReport:
    """Write every output of one note and its manifest (manifest last), under the note's lock.

    Two runs on the same note (watch + schedule) take turns on the lock, so a manifest
    never records hashes of files another run has overwritten since.
    """
    slug_folder = inside(out_root, result.slug)
    with note_lock(slug_folder):  # the owner is checked under the lock: two new notes may share a slug
        if note_folder(out_root, result.slug, result.source) == slug_folder:
            return _write_locked(slug_folder, result, source_hash, insights, warnings, force)
    other = note_folder(out_root, result.slug, result.source)
    with note_lock(other):
        return _write_locked(other, result, source_hash, insights, warnings, force)


def _write_locked(
    folder: Path,
    result: RenderResult,
    source_hash: str,
    insights: Sequence[Insight],
    warnings: Sequence[Diagnostic],
    force: bool,
) -> WriteReport:
    remove_stale_temps(folder)
    known = known_hashes(folder)
    page = note_preview(result, insights)
    files_to_write = [(o.path, o.content) for o in result.outputs] + [(PAGE, page)]
    pending = {path: sha256_hex(data) for path, data in files_to_write}
    if any(h not in known.get(p, ()) for p, h in pending.items()):
        atomic_write(folder / JOURNAL, journal_bytes(folder, result.source, pending))  # before any output changes
    files: list[WrittenFile] = []
    entries: list[dict[str, Any]] = []
    base = folder.resolve()
    targets = [_within(base, path) for path, _ in files_to_write]
    # The files of one note are written concurrently: ext4 folds concurrent fsyncs into one
    # journal commit (bench/run: 130 small files 0.2-0.5 s one by one, 0.03 s in threads).
    # The manifest is still written only after every file is complete. (Two outputs with
    # the same path would race, so those notes keep the one-by-one order.)
    mapper = _pool(os.getpid()).map if len(set(targets)) == len(targets) else map
    done = list(
        mapper(
            lambda pair: _write_one(pair[0], pair[1][1], known.get(pair[1][0], ()), force),
            zip(targets, files_to_write, strict=True),
        )
    )
    for output, (written, recorded) in zip(result.outputs, done, strict=False):
        files.append(WrittenFile(output.path, written.status, written.written_to, written.backup))
        entries.append(_entry(output, recorded, written, folder))
    stale, carried = _previous_outputs(folder, result)
    files += [_remove_stale(folder, entry, known.get(entry["path"], ())) for entry in stale]  # before the manifest
    entries += carried
    page_written, page_hash = done[-1]
    preview = {"path": PAGE, "sha256": page_hash}
    manifest = manifest_bytes(result, source_hash, insights, entries, warnings, preview)
    manifest_path = folder / MANIFEST
    unchanged = manifest_path.exists() and manifest_path.read_bytes() == manifest
    if not unchanged:
        atomic_write(manifest_path, manifest)
    clear_journal(folder)  # the manifest now accounts for every file
    files.append(WrittenFile(PAGE, page_written.status, page_written.written_to, page_written.backup))
    files.append(WrittenFile(MANIFEST, "unchanged" if unchanged else "updated", str(manifest_path)))
    return WriteReport(str(folder), tuple(files), str(manifest_path), page_written.written_to)


def _previous_outputs(folder: Path, result: RenderResult) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The last manifest's entries this run does not write: (stale, carried over).

    Stale: of a channel rendered now that no longer produces that path (a `when:` that no
    longer matches, fewer insights). Carried over: of a channel not rendered in this run
    (`--channels blog`), still the note's outputs, so still recorded.
    """
    rendered = set(result.channels or (o.channel for o in result.outputs))
    paths = {o.path for o in result.outputs}
    old = read_manifest(folder).get("outputs", [])
    left = [e for e in old if isinstance(e, dict) and isinstance(e.get("path"), str) and e["path"] not in paths]
    return [e for e in left if e.get("channel") in rendered], [e for e in left if e.get("channel") not in rendered]


def _remove_stale(folder: Path, entry: dict[str, Any], known: tuple[str, ...]) -> WrittenFile:
    """Delete an output the note no longer produces, only if it still holds bytes osmu wrote."""
    rel = entry["path"]
    try:
        target = inside(folder, rel)
    except NoteError:  # a manifest edited to point elsewhere: never delete outside the folder
        return WrittenFile(rel, "stale-kept", rel)
    if not target.is_file():
        return WrittenFile(rel, "removed", str(target))
    data = target.read_bytes()
    if sha256_hex(data) not in known or is_locked(data):
        return WrittenFile(rel, "stale-kept", str(target))
    target.unlink()
    for parent in target.parents:  # folders the output leaves empty (`instagram/post-05/`)
        if parent == folder or not parent.is_relative_to(folder) or any(parent.iterdir()):
            break
        parent.rmdir()
    _fsync_dir(target.parent if target.parent.exists() else folder)
    return WrittenFile(rel, "removed", str(target))


def _entry(output: ChannelOutput, recorded: str | None, written: WrittenFile, folder: Path) -> dict[str, Any]:
    """One output's manifest entry."""
    entry: dict[str, Any] = {
        "channel": output.channel,
        "path": output.path,
        "sha256": recorded,
        "insights": list(output.insights),
        "root_concepts": list(output.root_concepts),
        "lint": [{"rule": r.rule, "ok": r.ok, "message": r.message} for r in output.lint],
    }
    if output.llm:  # which parts a model wrote (absent when all deterministic)
        entry["llm"] = [part.to_json() for part in output.llm]
    if written.status in ("kept-edited", "locked"):
        entry["edited_by_hand" if written.status == "kept-edited" else "locked"] = True
        entry["new_version"] = Path(written.written_to).relative_to(folder).as_posix()
    return entry


OVERVIEW_RECORD = ".osmu-index.json"
"""Hashes osmu wrote to the output folder's `index.html` (the sweep's overview page)."""


def write_overview(out_root: Path, data: bytes, force: bool = False) -> WrittenFile:
    """Write `<out>/index.html` with the outputs' protection: a hand-edited page is kept.

    The hash about to be written is recorded first (as the journal does for a note), so a
    crash between the two never makes osmu's own page look hand-edited.
    """
    with note_lock(out_root):
        record = out_root / OVERVIEW_RECORD
        try:
            old = json.loads(record.read_text(encoding="utf-8")).get(PAGE, [])
        except (OSError, ValueError, AttributeError):
            old = []
        known = tuple(h for h in old if isinstance(h, str)) if isinstance(old, list) else ()
        new_hash = sha256_hex(data)
        if new_hash not in known:
            atomic_write(record, json.dumps({PAGE: [*known, new_hash]}).encode())
        written, recorded = _write_one(out_root / PAGE, data, known, force)
        if recorded is not None and (recorded,) != known:
            atomic_write(record, json.dumps({PAGE: [recorded]}).encode())
        return WrittenFile(PAGE, written.status, written.written_to, written.backup)
