"""The constraint linter: named rules, configured per channel in `channel.yaml`.

A check in channel.yaml is `{rule, name, files, …params}` (`files`: a glob or a list of
globs). A param written `$key` takes the value of `limits.key` of the same channel (else
of its option `key`, as resolved for the run), so every platform figure lives in the YAML
(platform figures change), never here. Text rules get the decoded text; binary rules
(`BINARY_RULES`: PNG, PPTX, EML) get the bytes. `lint_tree` re-checks a written output
folder from its manifests (`osmu lint OUT_DIR`).
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tasks.lint.editorial import EDITORIAL_RULES
from tasks.lint.rules import BINARY_RULES, TEXT_RULES
from tasks.model import LintResult, RenderResult

if TYPE_CHECKING:  # the render stage's result; render reads the rule names from here
    from tasks.render.channel import ChannelSpec
    from tasks.render.templating import Drafts

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
    hits = [p for p in patterns if re.search(p, text, re.IGNORECASE | re.MULTILINE)]
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
    **TEXT_RULES,
    **EDITORIAL_RULES,
}


def max_files(paths: Sequence[str], *, files: str, max: int, rule: str = "max-files") -> LintResult:
    """At most `max` of the channel's outputs of one note match the glob `files` (`*/carousel.md`)."""
    n = sum(1 for p in paths if fnmatch.fnmatch(p, files))
    return LintResult(rule, n <= max, f"{n} files {files} (max {max})")


CHANNEL_RULES: dict[str, Callable[..., LintResult]] = {"max-files": max_files}
"""Rules run once over all of a channel's outputs of one note (their paths), not per file."""


def _params(check: Mapping[str, Any], limits: Mapping[str, Any]) -> dict[str, Any]:
    """The rule's keyword arguments, with `$key` resolved from the channel's limits (and options)."""
    params: dict[str, Any] = {}
    for key, value in check.items():
        if key in ("rule", "files", "name"):
            continue
        if isinstance(value, str) and value.startswith("$"):
            if value[1:] not in limits:
                raise KeyError(
                    f"check '{check.get('name', check['rule'])}': no limit or option '{value[1:]}' in channel.yaml"
                )
            value = limits[value[1:]]
        params[key] = value
    return params


def matches(path: str, files: str | Sequence[str]) -> bool:
    """`path` matches the check's `files`: one glob, or a list of globs (any of them)."""
    globs = [files] if isinstance(files, str) else files
    return any(fnmatch.fnmatch(path, g) for g in globs)


def run_checks(
    path: str, content: bytes | str, checks: Iterable[Mapping[str, Any]], limits: Mapping[str, Any] | None = None
) -> tuple[LintResult, ...]:
    """Run every check whose `files` glob matches `path` (relative to the channel folder)."""
    results: list[LintResult] = []
    data = content.encode("utf-8") if isinstance(content, str) else content
    for check in checks:
        if check["rule"] in CHANNEL_RULES or not matches(path, check.get("files", "*")):
            continue
        name = str(check.get("name", check["rule"]))
        params = _params(check, limits or {})
        if check["rule"] in BINARY_RULES:
            results.append(BINARY_RULES[check["rule"]](data, rule=name, **params))
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            results.append(LintResult(name, False, "not UTF-8 text"))
            continue
        results.append(RULES[check["rule"]](text, rule=name, **params))
    return tuple(results)


def run_channel_checks(
    paths: Sequence[str], checks: Iterable[Mapping[str, Any]], limits: Mapping[str, Any] | None = None
) -> dict[str, tuple[LintResult, ...]]:
    """The channel-level checks (`CHANNEL_RULES`) over one note's outputs of a channel.

    `paths` are relative to the channel folder. Each result is reported on the first path its
    glob matches (else the first path), so it shows in the manifest and `osmu lint` like any other.
    """
    found: dict[str, list[LintResult]] = {}
    for check in checks:
        if check["rule"] not in CHANNEL_RULES or not paths:
            continue
        glob = str(check.get("files", "*"))
        params = _params(check, limits or {})
        result = CHANNEL_RULES[check["rule"]](paths, files=glob, rule=str(check.get("name", check["rule"])), **params)
        home = next((p for p in paths if fnmatch.fnmatch(p, glob)), paths[0])
        found.setdefault(home, []).append(result)
    return {p: tuple(r) for p, r in found.items()}


def check_output(
    path: str, content: bytes, spec: ChannelSpec, options: Mapping[str, Any] | None = None
) -> tuple[LintResult, ...]:
    """The channel's checks on one of its files (`path`: `<channel>/<file>`, as in the manifest).

    `$key` params read `limits`, then the channel's resolved `options` (None: their defaults).
    """
    values = spec.resolve_options() if options is None else options
    return run_checks(path.split("/", 1)[1], content, spec.checks, {**values, **spec.limits})


def known_rules() -> frozenset[str]:
    """Every rule name a channel.yaml may use."""
    return frozenset(RULES) | frozenset(BINARY_RULES) | frozenset(CHANNEL_RULES)


def lint_tree(
    out_dir: Path, options: Mapping[str, Mapping[str, Any]] | None = None
) -> dict[str, tuple[LintResult, ...]]:
    """Lint every output listed by the `manifest.json` files under `out_dir`.

    Returns `{path relative to out_dir: results}`. Reads only; the checks come from each
    output's channel.yaml, so the figures are the current ones, not those of the run.
    `options`: the settings' channel options (`settings.options`); None: the defaults.
    """
    from tasks.project import CHANNELS_DIR
    from tasks.render.channel import channel_names, load_channel  # channel specs check their rule names here

    report: dict[str, tuple[LintResult, ...]] = {}
    manifests = sorted(out_dir.rglob("manifest.json"))
    if not manifests:
        raise FileNotFoundError(f"{out_dir}: no manifest.json found (is this an osmu output folder?)")
    for manifest in manifests:
        folder = manifest.parent
        try:
            listed = manifest_outputs(manifest)
        except ValueError as exc:  # one line for the manifest, and the other notes go on
            report[manifest.relative_to(out_dir).as_posix()] = (LintResult("manifest", False, str(exc)),)
            continue
        for name in dict.fromkeys(o["channel"] for o in listed):
            if name not in channel_names(CHANNELS_DIR):
                for o in listed:
                    if o["channel"] == name:
                        rel = (folder / o["path"]).relative_to(out_dir).as_posix()
                        report[rel] = (LintResult("manifest", False, f"unknown channel '{name}' in manifest.json"),)
                continue
            spec = load_channel(name)
            values = spec.resolve_options((options or {}).get(spec.name))
            paths = [o["path"] for o in listed if o["channel"] == name]
            extra = run_channel_checks([p.split("/", 1)[1] for p in paths], spec.checks, {**values, **spec.limits})
            for path in paths:
                file = folder / path
                rel = file.relative_to(out_dir).as_posix()
                if not file.is_file():
                    report[rel] = (LintResult("exists", False, "listed in manifest.json but missing"),)
                    continue
                own = extra.get(path.split("/", 1)[1], ())
                report[rel] = check_output(path, file.read_bytes(), spec, values) + own
    return report


def manifest_outputs(manifest: Path) -> list[dict[str, str]]:
    """The `outputs` a `manifest.json` lists, each with a `channel` and a `path` inside its folder.

    A manifest that is not JSON, or not shaped as osmu writes it, raises `ValueError` with one
    line naming the line (and key) at fault: `osmu lint` reports it instead of a traceback.
    """
    try:
        data = json.loads(manifest.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ValueError(f"line 1: manifest.json is not UTF-8 text (byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise ValueError(f"line {exc.lineno}: manifest.json is not valid JSON: {exc.msg}") from exc
    if not isinstance(data, dict):
        raise ValueError(f"line 1: manifest.json must be an object, not {type(data).__name__}")
    listed = data.get("outputs", [])
    if not isinstance(listed, list):
        raise ValueError("outputs: must be a list")
    good: list[dict[str, str]] = []
    for n, item in enumerate(listed):
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in ("channel", "path")):
            raise ValueError(f"outputs.{n}: needs a 'channel' and a 'path' (strings)")
        parts = item["path"].split("/")
        if len(parts) < 2 or parts[0] != item["channel"] or any(p in ("", ".", "..") for p in parts):
            raise ValueError(f"outputs.{n}.path: '{item['path']}' is not a file of its channel's folder")
        good.append({"channel": item["channel"], "path": item["path"]})
    return good


def violations(report: Mapping[str, Iterable[LintResult]]) -> list[str]:
    """`path: rule: message` for every failed check."""
    return [f"{path}: {r.rule}: {r.message}" for path, results in report.items() for r in results if not r.ok]


def lint_note(drafts: Drafts) -> RenderResult:
    """Stage 9, lint: every file checked against its channel's rules; the note's final render result."""
    outputs = []
    for d in drafts.drafts:
        limits = {**d.ctx["options"], **d.spec.limits}
        paths = [o.path.split("/", 1)[1] for o in d.outputs]
        extra = run_channel_checks(paths, d.spec.checks, limits)
        for o, rel in zip(d.outputs, paths, strict=True):
            outputs.append(replace(o, lint=run_checks(rel, o.content, d.spec.checks, limits) + extra.get(rel, ())))
    return RenderResult(
        drafts.source, drafts.slug, tuple(outputs), drafts.diagnostics, drafts.llm, drafts.channels, drafts.composition
    )
