"""The full cold job of `bench/run --only full`, as a standalone child script:

    python -P bench/full_job.py OUT VAULT:N [VAULT:N ...]

Every note (N of each vault's notes spread evenly over its sorted list; N=0: all) through `tasks.pipeline.run_note` with
every configured channel (config/osmu.yaml `channels`), PNG and PPTX builders included, into
OUT/<i>/ (empty). It imports nothing from `bench/` and only osmu APIs that exist both in this
checkout and at commit 13d6336 (`load_settings`, `open_vault`, `run_note`), so the same file
times an older checkout put first on PYTHONPATH (`-P`: this script's folder is not put on
sys.path). The caller gives an empty `OSMU_CACHE_DIR` (slide PNGs, the root index and Jinja's
bytecode are cached there otherwise). Prints one JSON line.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path
from typing import Any

START = time.perf_counter()


DAILY = re.compile(r"^\d{4}-\d{2}-\d{2}\.md$")
"""A daily note's name: private since issue #18 (osmu refuses it), so no side of the comparison
renders one (commit 13d6336 still published them)."""


def notes_of(vault: Path) -> list[Path]:
    """Every note of the vault except root notes, outputs and daily notes (as bench/work.py's `note_files`)."""
    skip = ("00-roots", "_osmu", ".")
    return sorted(
        p for p in vault.rglob("*.md") if not p.relative_to(vault).parts[0].startswith(skip) and not DAILY.match(p.name)
    )


def evenly(paths: list[Path], n: int) -> list[Path]:
    """`n` of `paths` spread evenly over the list (all of them when `n` is 0 or not smaller)."""
    if not n or n >= len(paths):
        return paths
    return [paths[i * len(paths) // n] for i in range(n)]


def main(argv: list[str]) -> dict[str, Any]:
    """Run the job; seconds of the note loop apart from imports, the analyser and each vault's opening."""
    import tasks
    from tasks.nlp import korean
    from tasks.pipeline import open_vault, run_note
    from tasks.settings import load_settings

    out = Path(argv[0])
    korean.warm_up()
    setup_s = time.perf_counter() - START
    notes_s = 0.0
    open_s = 0.0
    notes = failed = 0
    for i, spec in enumerate(argv[1:]):
        vault_name, _, limit = spec.rpartition(":")
        vault = Path(vault_name)
        start = time.perf_counter()
        settings = load_settings(None, {"vault": str(vault), "out": str(out / str(i))})
        context = open_vault(settings)
        paths = evenly(notes_of(vault), int(limit))
        begin = time.perf_counter()
        open_s += begin - start
        for path in paths:
            outcome = run_note(settings, context, path)  # channels empty: every configured channel
            failed += not outcome.result.ok
        notes_s += time.perf_counter() - begin
        notes += len(paths)
    files = [p for p in out.rglob("*") if p.is_file()]
    return {
        "tasks": str(Path(tasks.__file__).resolve().parent.parent),
        "notes": notes,
        "failed": failed,
        "notes_s": round(notes_s, 3),
        "s_per_note": round(notes_s / max(notes, 1), 4),
        "setup_s": round(setup_s, 3),
        "open_vault_s": round(open_s, 3),
        "files": len(files),
        "png": sum(p.suffix == ".png" for p in files),
        "pptx": sum(p.suffix == ".pptx" for p in files),
        "bytes": sum(p.stat().st_size for p in files),
    }


if __name__ == "__main__":
    result = main(sys.argv[1:])
    print(json.dumps({"work_s": round(time.perf_counter() - START, 3), **result}, ensure_ascii=False))
