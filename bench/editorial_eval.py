"""The editorial eval (spec/editorial.md, "How it is checked"): lint violations per channel and rule.

    python -m bench.editorial_eval [--json] [--fixtures-only] [--channels blog,newsletter]
    make editorial

Copies the example vault to a temporary folder, adds the fixture notes of
`tests/fixtures/editorial-notes/` (a Korean book note, an essay with a table and an image, an
English note, a tech note with code) under `40-editorial/`, and the hand-labelled notes of
`tests/fixtures/insights/` (memos, a book note, a project note, English notes; four of them
written blind for the held-aside labels) under `40-editorial/labelled/`, runs `tasks.pipeline.run_note` on
every non-daily note of the copy (outputs in the temporary folder, never in the repo), lints
what was written with every channel's `checks:` (`tasks.lint.checks.lint_tree`) and prints the
failed checks per channel and rule, per note, and the totals. It reports and always exits 0:
violations are what it measures, not an error.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_VAULT = ROOT / "examples" / "vault"
FIXTURE_NOTES = ROOT / "tests" / "fixtures" / "editorial-notes"
LABELLED_NOTES = ROOT / "tests" / "fixtures" / "insights"
FIXTURE_FOLDER = "40-editorial"
"""Vault folder the fixture notes are copied into."""
LABELLED_FOLDER = f"{FIXTURE_FOLDER}/labelled"
"""… and the labelled notes (some share a name with an editorial note)."""


@dataclass
class Report:
    """What one eval run found."""

    notes: list[str] = field(default_factory=list)
    """Vault-relative notes run, in order."""
    skipped: dict[str, str] = field(default_factory=dict)
    """Note → why it produced nothing (`file:line: message`)."""
    channels: set[str] = field(default_factory=set)
    """Channels that wrote an output."""
    outputs: int = 0
    """Output files linted."""
    checks: int = 0
    """Checks run on them."""
    by_rule: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    """Channel → rule name → failed checks."""
    by_note: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    """Note → channel → failed checks."""

    @property
    def per_channel(self) -> dict[str, int]:
        """Channel → failed checks."""
        return {channel: sum(self.by_rule.get(channel, Counter()).values()) for channel in sorted(self.channels)}

    @property
    def total(self) -> int:
        """Every failed check."""
        return sum(self.per_channel.values())

    def to_json(self) -> dict[str, Any]:
        """The report as plain data (`--json`)."""
        return {
            "notes": self.notes,
            "skipped": self.skipped,
            "outputs": self.outputs,
            "checks": self.checks,
            "by_channel_rule": {c: dict(sorted(r.items())) for c, r in sorted(self.by_rule.items())},
            "by_note": {n: dict(sorted(c.items())) for n, c in sorted(self.by_note.items())},
            "per_channel": self.per_channel,
            "total": self.total,
        }


def build_vault(work: Path, notes: Path = FIXTURE_NOTES, labelled: Path = LABELLED_NOTES) -> Path:
    """A copy of the example vault (without outputs) with the fixture notes under `40-editorial/`
    and the labelled notes under `40-editorial/labelled/`."""
    vault = work / "vault"
    shutil.copytree(EXAMPLE_VAULT, vault, ignore=shutil.ignore_patterns("_osmu", ".osmu"))
    shutil.copytree(notes, vault / FIXTURE_FOLDER)
    shutil.copytree(labelled, vault / LABELLED_FOLDER)
    return vault


def eval_notes(vault: Path, fixtures_only: bool = False) -> list[str]:
    """Every non-daily note of `vault` (vault-relative), or only the fixture notes."""
    from tasks.process.daily import daily_date
    from tasks.vault.read import list_vault

    return [
        p for p in list_vault(vault) if not daily_date(p) and (not fixtures_only or p.startswith(f"{FIXTURE_FOLDER}/"))
    ]


def run_eval(work: Path, fixtures_only: bool = False, channels: Sequence[str] = ()) -> Report:
    """Build the vault in `work`, render its notes into `work/out`, lint them: the report."""
    from tasks.lint.checks import lint_tree
    from tasks.model import NoteError
    from tasks.pipeline import open_vault, run_note
    from tasks.settings import load_settings

    vault = build_vault(work)
    out = work / "out"
    settings = load_settings(None, {"vault": vault, "out": out})
    context = open_vault(settings)
    report = Report()
    for note in eval_notes(vault, fixtures_only):
        report.notes.append(note)
        try:
            result = run_note(settings, context, Path(note), channels).result
        except NoteError as exc:
            report.skipped[note] = str(exc)
            continue
        if not result.ok or not result.files:
            report.skipped[note] = result.error or "no outputs"
    if not any(out.rglob("manifest.json")):
        return report
    sources = {
        m.parent.relative_to(out).as_posix(): json.loads(m.read_text(encoding="utf-8"))["source"]
        for m in out.rglob("manifest.json")
    }
    for path, results in lint_tree(out, settings.options).items():
        folder, channel = _where(path, sources)
        report.outputs += 1
        report.channels.add(channel)
        for r in results:
            report.checks += 1
            if not r.ok:
                report.by_rule[channel][r.rule] += 1
                report.by_note[sources.get(folder, folder)][channel] += 1
    return report


def _where(path: str, sources: dict[str, str]) -> tuple[str, str]:
    """(note folder, channel) of an output path relative to the output root."""
    folder = max((f for f in sources if path.startswith(f + "/")), key=len, default=path.split("/", 1)[0])
    return folder, path[len(folder) + 1 :].split("/", 1)[0]


def _pad(text: str, width: int) -> str:
    """`text` left-aligned in `width` terminal columns (Hangul takes two)."""
    cols = 0
    out = ""
    for ch in text:
        w = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if cols + w > width:
            break
        out, cols = out + ch, cols + w
    return out + " " * (width - cols)


def table(report: Report) -> str:
    """The report as text: per channel and rule, per note, totals."""
    channels = sorted(report.channels) or ["-"]
    lines = [
        f"editorial eval: {len(report.notes)} notes, {report.outputs} outputs, {report.checks} checks, "
        f"{report.total} violations",
        "",
        "violations per channel and rule",
        f"  {'channel':<11} {'rule':<34} {'count':>5}",
    ]
    for channel, rules in sorted(report.by_rule.items()):
        for rule, n in sorted(rules.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"  {channel:<11} {rule:<34} {n:>5}")
    lines += [
        "",
        "violations per note",
        "  " + _pad("note", 60) + "".join(f"{c:>11}" for c in channels) + f"{'total':>7}",
    ]
    for note in report.notes:
        counts = report.by_note.get(note, Counter())
        mark = " (skipped)" if note in report.skipped else ""
        row = "".join(f"{counts.get(c, 0):>11}" for c in channels)
        lines.append(f"  {_pad(note + mark, 60)}{row}{sum(counts.values()):>7}")
    lines += ["", "total per channel: " + " · ".join(f"{c} {n}" for c, n in report.per_channel.items())]
    lines.append(f"total: {report.total}")
    lines += [f"skipped {note}: {why}" for note, why in report.skipped.items()]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the eval and print the table (or `--json`); always 0."""
    parser = argparse.ArgumentParser(prog="python -m bench.editorial_eval", description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--fixtures-only", action="store_true", help="run only the fixture notes (40-editorial/)")
    parser.add_argument("--channels", default="", help="comma-separated channels (default: those of the settings)")
    args = parser.parse_args(argv)
    channels = tuple(c for c in args.channels.split(",") if c)
    with tempfile.TemporaryDirectory(prefix="osmu-editorial-") as work:
        report = run_eval(Path(work), args.fixtures_only, channels)
    print(json.dumps(report.to_json(), ensure_ascii=False, indent=2) if args.json else table(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
