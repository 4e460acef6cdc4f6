"""The constraint linter: named rules, configured per channel in `channel.yaml`.

A rule is a function `(text, **params) -> LintResult`; `RULES` maps the names used in
channel.yaml to them. Limits live in the YAML (platform figures change), never here.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable
from typing import Any

from tasks.model import LintResult

Rule = Callable[..., LintResult]
HASHTAG = re.compile(r"(?<![\w#])#([^\s#]+)")


def max_chars(text: str, *, max: int, rule: str = "max-chars") -> LintResult:
    """Length in characters (NFC code points, as the platforms count Hangul) ≤ max."""
    n = len(text)
    return LintResult(rule, n <= max, f"{n} chars (max {max})")


def max_bytes(text: str, *, max: int, rule: str = "max-bytes") -> LintResult:
    """UTF-8 size ≤ max bytes."""
    n = len(text.encode("utf-8"))
    return LintResult(rule, n <= max, f"{n} bytes (max {max})")


def max_hashtags(text: str, *, max: int, rule: str = "max-hashtags") -> LintResult:
    """At most `max` hashtags."""
    n = len(HASHTAG.findall(text))
    return LintResult(rule, n <= max, f"{n} hashtags (max {max})")


def forbidden(text: str, *, patterns: list[str], rule: str = "forbidden") -> LintResult:
    """None of the regular expressions match."""
    hits = [p for p in patterns if re.search(p, text, re.IGNORECASE)]
    return LintResult(rule, not hits, f"found {hits}" if hits else "none found")


def required(text: str, *, patterns: list[str], rule: str = "required") -> LintResult:
    """Every regular expression matches."""
    missing = [p for p in patterns if not re.search(p, text, re.IGNORECASE | re.MULTILINE)]
    return LintResult(rule, not missing, f"missing {missing}" if missing else "all present")


RULES: dict[str, Rule] = {
    "max-chars": max_chars,
    "max-bytes": max_bytes,
    "max-hashtags": max_hashtags,
    "forbidden": forbidden,
    "required": required,
}


def run_checks(path: str, text: str, checks: Iterable[dict[str, Any]]) -> tuple[LintResult, ...]:
    """Run every check whose `files` glob matches `path`."""
    results: list[LintResult] = []
    for check in checks:
        params = {k: v for k, v in check.items() if k not in ("rule", "files", "name")}
        if not fnmatch.fnmatch(path, check.get("files", "*")):
            continue
        rule = RULES[check["rule"]]
        results.append(rule(text, rule=check.get("name", check["rule"]), **params))
    return tuple(results)
