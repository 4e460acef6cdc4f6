"""Stage 6, write: rendered outputs → files + `manifest.json`, atomically, losing nothing.

- Every file is written to a temp file in the same folder, fsynced, then renamed over
  the target, so a crash leaves the old or the new version, never half of one.
- The manifest records the SHA-256 of what osmu wrote. A file whose bytes differ from
  that record was edited by hand: it is kept, the new version goes beside it as
  `<name>.osmu-new.<ext>`, and the run reports it. `force=True` overwrites after saving a
  `<name>.osmu-backup.<ext>` copy.
- Unchanged bytes are not rewritten, so a re-run on an unchanged note changes nothing.
- Paths are checked to stay inside the output folder whatever a slug or template says.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Any

from prefect import task

from tasks import __version__
from tasks.model import Diagnostic, Insight, NoteError, RenderResult, WriteReport, WrittenFile
from tasks.slug import is_safe_component, short_hash

MANIFEST = "manifest.json"


def sha256_hex(data: bytes) -> str:
    """Hex SHA-256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` via a temp file and rename in the same folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def beside(path: Path, tag: str) -> Path:
    """`post.md` → `post.osmu-<tag>.md` in the same folder."""
    return path.with_name(f"{path.stem}.osmu-{tag}{path.suffix}")


def inside(root: Path, rel: str) -> Path:
    """`root/rel`, refusing anything that would leave `root`."""
    parts = rel.split("/")
    if not all(is_safe_component(p) for p in parts):
        raise NoteError(rel, 0, f"refusing unsafe output path '{rel}'")
    target = (root / Path(*parts)).resolve()
    if not target.is_relative_to(root.resolve()):
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
    owner = read_manifest(folder).get("source")
    if owner is not None and owner != source:
        folder = inside(out_root, f"{slug}-{short_hash(source)}")
    return folder


def manifest_bytes(
    result: RenderResult,
    source_hash: str,
    insights: Sequence[Insight],
    outputs: Sequence[dict[str, Any]],
    warnings: Sequence[Diagnostic],
) -> bytes:
    """The manifest contract (README, "Manifest"), serialised deterministically."""
    data = {
        "source": result.source,
        "source_hash": source_hash,
        "osmu_version": __version__,
        "insights": [i.to_json() for i in insights],
        "outputs": list(outputs),
        "warnings": [w.to_json() for w in warnings],
    }
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _write_one(target: Path, data: bytes, recorded: str | None, force: bool) -> tuple[WrittenFile, str | None]:
    """Write one output; returns what happened and the hash to record for `target`."""
    rel = target.name
    new_hash = sha256_hex(data)
    if not target.exists():
        atomic_write(target, data)
        return WrittenFile(rel, "created", str(target)), new_hash
    current = sha256_hex(target.read_bytes())
    if current == new_hash:
        return WrittenFile(rel, "unchanged", str(target)), new_hash
    if recorded is not None and current == recorded:
        atomic_write(target, data)
        return WrittenFile(rel, "updated", str(target)), new_hash
    if force:
        atomic_write(beside(target, "backup"), target.read_bytes())
        atomic_write(target, data)
        return WrittenFile(rel, "forced", str(target)), new_hash
    side = beside(target, "new")
    atomic_write(side, data)
    return WrittenFile(rel, "kept-edited", str(side)), recorded


@lru_cache(maxsize=1)
def _pool() -> ThreadPoolExecutor:
    """Threads that write (and fsync) one note's files at once; shared by the whole process."""
    return ThreadPoolExecutor(max_workers=8, thread_name_prefix="osmu-write")


def write_outputs(
    result: RenderResult,
    source_hash: str,
    insights: Sequence[Insight],
    warnings: Sequence[Diagnostic],
    out_root: Path,
    force: bool = False,
) -> WriteReport:
    """Write every output of one note and its manifest (manifest last)."""
    folder = note_folder(out_root, result.slug, result.source)
    old = {o.get("path"): o.get("sha256") for o in read_manifest(folder).get("outputs", [])}
    files: list[WrittenFile] = []
    entries: list[dict[str, Any]] = []
    targets = [inside(folder, output.path) for output in result.outputs]
    # The files of one note are written concurrently: ext4 folds concurrent fsyncs into one
    # journal commit (bench/run: 130 small files 0.2-0.5 s one by one, 0.03 s in threads).
    # The manifest is still written only after every file is complete. (Two outputs with
    # the same path would race, so those notes keep the one-by-one order.)
    mapper = _pool().map if len(set(targets)) == len(targets) else map
    done = list(
        mapper(
            lambda pair: _write_one(pair[0], pair[1].content, old.get(pair[1].path), force),
            zip(targets, result.outputs, strict=True),
        )
    )
    for output, (written, recorded) in zip(result.outputs, done, strict=True):
        files.append(WrittenFile(output.path, written.status, written.written_to))
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
        if written.status == "kept-edited":
            entry["edited_by_hand"] = True
            entry["new_version"] = Path(written.written_to).relative_to(folder).as_posix()
        entries.append(entry)
    manifest = manifest_bytes(result, source_hash, insights, entries, warnings)
    manifest_path = folder / MANIFEST
    unchanged = manifest_path.exists() and manifest_path.read_bytes() == manifest
    if not unchanged:
        atomic_write(manifest_path, manifest)
    files.append(WrittenFile(MANIFEST, "unchanged" if unchanged else "updated", str(manifest_path)))
    return WriteReport(str(folder), tuple(files), str(manifest_path))


@task(name="write-outputs", retries=2, retry_delay_seconds=0.5)
def write_outputs_task(
    result: RenderResult,
    source_hash: str,
    insights: tuple[Insight, ...],
    warnings: tuple[Diagnostic, ...],
    out_root: Path,
    force: bool = False,
) -> WriteReport:
    """Prefect task: write one note's outputs (retried on transient I/O errors)."""
    return write_outputs(result, source_hash, insights, warnings, out_root, force)
