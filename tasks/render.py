"""Stage 5, render: insights → `ChannelOutput`s, one channel folder at a time.

A channel is a folder `channel_templates/<name>/` holding `channel.yaml` (outputs, limits,
options, checks) and Jinja templates. A channel that must reshape data adds a preparer
module `tasks/channels/<name>.py` with `prepare(ctx, spec) -> ctx` (and, for binary
outputs, builder functions). Adding a channel never changes a flow.

Template lookup is layered as in Pelican and MkDocs: the user's override folder, then the
channel, then `_base`; `builtin/…` and `base/…` prefixes let an override extend the
built-in template and replace a single block. Templates run in Jinja's immutable sandbox
with `StrictUndefined`; `.html` templates autoescape.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml
from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader, StrictUndefined, TemplateError, select_autoescape
from jinja2.sandbox import ImmutableSandboxedEnvironment
from prefect import task
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tasks import __version__
from tasks.labels import labels, note_language
from tasks.lint import known_rules, run_checks
from tasks.model import (
    ChannelOutput,
    Diagnostic,
    Insight,
    NoteError,
    NoteRoots,
    ParsedNote,
    RenderResult,
    RootIndex,
)
from tasks.polish import PartSpec, PolishLog, guard, polish, quotes_of
from tasks.sandbox import OsmuSandbox, template_error
from tasks.sanitize import sanitize_email
from tasks.settings import CHANNELS_DIR, ConfigError, Settings
from tasks.slug import is_safe_component, safe_slug
from tasks.suggest import second_opinion

BASE_DIR_NAME = "_base"
DATE_KEYS_CREATED = ("date", "created")
DATE_KEYS_UPDATED = ("updated", "modified", "lastmod", "date", "created")


class OutputSpec(BaseModel):
    """One file (or one file per item) a channel writes."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    path: str
    """Output path inside the channel folder; `{slug}`, `{index}`, `{item_slug}` are filled."""
    template: str | None = None
    """Jinja template name (looked up through the override chain)."""
    builder: str | None = None
    """Name of a function in the channel's preparer module that returns bytes (images, decks)."""
    each: str | None = None
    """Name of a list in the context: one file per element."""
    as_: str = Field(default="item", alias="as")
    """Name of the element inside the template."""
    postprocess: tuple[str, ...] = ()
    """Post-processors applied to the rendered text, in order (see `POSTPROCESSORS`)."""
    when: tuple[str, ...] = ()
    """Note kinds this output is for (`knowledge`, `root`, `project`, `process-log`); empty: all."""


class ChannelSpec(BaseModel):
    """A channel's `channel.yaml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    """Channel name (the folder name)."""
    description: str = ""
    """What the channel produces."""
    outputs: tuple[OutputSpec, ...]
    """Files to write."""
    limits: dict[str, Any] = {}
    """Platform limits, available to preparers and templates as `limits`."""
    options: dict[str, Any] = {}
    """Channel options, available as `options`."""
    checks: tuple[dict[str, Any], ...] = ()
    """Constraint-linter checks: `{rule, files, name, …params}`."""
    llm: dict[str, PartSpec] = {}
    """Parts an LLM may polish when one is configured (tasks/polish.py); empty: none."""


def load_channel(name: str, channels_dir: Path = CHANNELS_DIR) -> ChannelSpec:
    """Read and validate `channel_templates/<name>/channel.yaml`."""
    if not is_safe_component(name) or name.startswith("_"):
        raise ConfigError([f"channel name '{name}' is not a plain folder name"])
    path = channels_dir / name / "channel.yaml"
    if not path.is_file():
        known = sorted(p.name for p in channels_dir.iterdir() if (p / "channel.yaml").is_file())
        raise ConfigError([f"unknown channel '{name}' (known: {', '.join(known)})"])
    return _parse_channel(path, path.stat().st_mtime_ns)


@lru_cache(maxsize=64)
def _parse_channel(path: Path, mtime_ns: int) -> ChannelSpec:
    """Parse one channel.yaml, once per process and file version (PyYAML costs ~4 ms a file)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    try:
        spec = ChannelSpec.model_validate(data)
    except ValidationError as exc:
        raise ConfigError([f"{path}: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]) from exc
    rules = known_rules()
    unknown = [f"{path}: checks: unknown rule '{c.get('rule')}'" for c in spec.checks if c.get("rule") not in rules]
    if unknown:
        raise ConfigError(unknown)
    return spec


_NOT_YAML_PRINTABLE = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
"""Characters JSON leaves raw but YAML refuses or reads as line breaks (DEL, C1 controls, line and
paragraph separators, surrogates, BOM, non-characters)."""


def _yaml_value(value: Any) -> str:
    """A YAML flow value (JSON is valid YAML; Hangul kept readable; what YAML cannot hold raw, escaped)."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return _NOT_YAML_PRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _front_matter(data: Mapping[str, Any]) -> str:
    """A YAML block (without fences), keys in the given order."""
    return yaml.safe_dump(dict(data), allow_unicode=True, sort_keys=False, width=1000).rstrip("\n")


def _clip(text: str, limit: int, ellipsis: str = "…") -> str:
    """Cut `text` to at most `limit` characters at a word boundary."""
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ellipsis)].rsplit(" ", 1)[0]
    return cut + ellipsis


FILTERS: dict[str, Callable[..., Any]] = {"yaml": _yaml_value, "front_matter": _front_matter, "clip": _clip}


@lru_cache(maxsize=32)
def environment(channel_dir: Path, override_dir: Path | None) -> ImmutableSandboxedEnvironment:
    """The Jinja environment of one channel (built once per process and channel)."""
    base = channel_dir.parent / BASE_DIR_NAME
    loaders: list[Any] = []
    if override_dir is not None and (override_dir / channel_dir.name).is_dir():
        loaders.append(FileSystemLoader(override_dir / channel_dir.name))
    builtin, shared = FileSystemLoader(channel_dir), FileSystemLoader(base)
    loaders += [builtin, shared, PrefixLoader({"builtin": builtin, "base": shared})]
    env = OsmuSandbox(
        loader=ChoiceLoader(loaders),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html", "htm", "xml", "html.j2")),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    return env


def preparer(name: str) -> ModuleType | None:
    """The channel's preparer module `tasks.channels.<name>`, if it has one."""
    try:
        return importlib.import_module(f"tasks.channels.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"tasks.channels.{name}":
            return None
        raise


def _meta_date(meta: Mapping[str, Any], keys: Sequence[str]) -> str:
    for key in keys:
        value = meta.get(key)
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2}", value):
            return value[:10]
    return ""


def note_dates(parsed: ParsedNote) -> tuple[str, str]:
    """(date, lastmod) from the note's front matter, else from its file time (never the clock)."""
    meta, fallback = parsed.note.meta, parsed.note.modified or "1970-01-01"
    return (_meta_date(meta, DATE_KEYS_CREATED) or fallback, _meta_date(meta, DATE_KEYS_UPDATED) or fallback)


def source_slug(path: str) -> str:
    """Output folder name of a source note: its file stem, made safe."""
    return safe_slug(path.rsplit("/", 1)[-1].removesuffix(".md"), fallback=path)


def base_context(
    parsed: ParsedNote,
    insights: Sequence[Insight],
    note_roots: NoteRoots,
    index: RootIndex,
    settings: Settings,
) -> dict[str, Any]:
    """What every channel's templates see (channels add to it in their preparer)."""
    created, updated = note_dates(parsed)
    slugs = list(dict.fromkeys([t.slug for t in note_roots.tags] + [s for i in insights for s in i.root_slugs]))
    roots = [r for r in (index.get(s) for s in slugs) if r is not None]
    lang = note_language(parsed)
    return {
        "note": {
            "lang": lang,
            "title": parsed.title,
            "path": parsed.note.path,
            "slug": source_slug(parsed.note.path),
            "kind": parsed.note.kind,
            "date": created,
            "lastmod": updated,
            "tags": list(parsed.tags),
            "source_hash": parsed.note.source_hash,
        },
        "insights": list(insights),
        "roots": roots,
        "root_slugs": [r.slug for r in roots],
        "labels": labels(lang),  # fixed words in the note's language (tasks/labels.py)
        "settings": settings,
        "osmu_version": __version__,
    }


def header(ctx: Mapping[str, Any], channel: str, insight_ids: Sequence[str], roots: Sequence[str]) -> dict[str, Any]:
    """The common header block every output carries."""
    return {
        "source": ctx["note"]["path"],
        "source_hash": ctx["note"]["source_hash"],
        "root_concepts": list(roots),
        "insights": list(insight_ids),
        "channel": channel,
        "generated_at": ctx["note"]["lastmod"],
        "osmu_version": ctx["osmu_version"],
    }


def _fill_path(pattern: str, ctx: Mapping[str, Any], index: int, item: Any) -> str:
    item_slug = ""
    if isinstance(item, Mapping) and item.get("slug"):
        item_slug = safe_slug(str(item["slug"]))
    filled = pattern.format(slug=ctx["note"]["slug"], index=index, item_slug=item_slug, item=item)
    parts = filled.split("/")
    if not all(is_safe_component(p) for p in parts):
        raise NoteError(ctx["note"]["path"], 0, f"unsafe output path '{filled}'")
    return "/".join(parts)


def _ids_and_roots(ctx: Mapping[str, Any], item: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    used: Sequence[Insight] = ctx["insights"]
    if isinstance(item, Mapping) and "insights" in item:
        used = item["insights"]
    ids = tuple(i.id for i in used)
    roots = tuple(dict.fromkeys(s for i in used for s in i.root_slugs))
    return ids, roots


def render_channel(
    name: str,
    ctx: Mapping[str, Any],
    settings: Settings,
    channels_dir: Path = CHANNELS_DIR,
    llm_log: PolishLog | None = None,
) -> tuple[ChannelOutput, ...]:
    """Render every output of one channel (LLM-polished when configured; see tasks/polish.py)."""
    spec = load_channel(name, channels_dir)
    env = environment(channels_dir / name, settings.templates_dir)
    channel_ctx: dict[str, Any] = {**ctx, "channel": spec.name, "limits": spec.limits, "options": spec.options}
    module = preparer(name)
    if module is not None and hasattr(module, "prepare"):
        channel_ctx = module.prepare(channel_ctx, spec)
    polished = polish(channel_ctx, spec, settings, env, llm_log)
    outputs = _render_outputs(spec, env, module, polished.ctx if polished else channel_ctx)
    if polished is not None and polished.parts:
        plain = _render_outputs(spec, env, module, channel_ctx)
        outputs = guard(outputs, plain, polished, quotes_of(channel_ctx), llm_log)
    return tuple(outputs)


def _render_outputs(
    spec: ChannelSpec, env: ImmutableSandboxedEnvironment, module: ModuleType | None, channel_ctx: dict[str, Any]
) -> list[ChannelOutput]:
    name = spec.name
    outputs: list[ChannelOutput] = []
    for out in spec.outputs:
        if out.when and channel_ctx["note"]["kind"] not in out.when:
            continue
        items = list(enumerate(channel_ctx[out.each], 1)) if out.each else [(1, None)]
        for index, item in items:
            ids, roots = _ids_and_roots(channel_ctx, item)
            local = {**channel_ctx, out.as_: item, "index": index, "osmu": header(channel_ctx, name, ids, roots)}
            rel = f"{name}/{_fill_path(out.path, channel_ctx, index, item)}"
            if out.builder:
                # Builders see the channel's text outputs rendered so far (an .eml wraps them).
                content = getattr(module, out.builder)({**local, "rendered": {o.path: o.content for o in outputs}})
            else:
                try:
                    text = env.get_template(out.template or "").render(local)
                except TemplateError as exc:  # one `template:line: message`, never a traceback
                    raise template_error(exc, out.template or name) from exc
                for step in out.postprocess:
                    text = POSTPROCESSORS[step](text)
                content = text.encode("utf-8")
            lint = run_checks(rel.split("/", 1)[1], content, spec.checks, {**spec.options, **spec.limits})
            outputs.append(ChannelOutput(name, rel, content, ids, roots, lint))
    return outputs


def _inline_css(html: str) -> str:
    import css_inline

    return str(css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False).inline(html))


def _sanitize(html: str) -> str:
    from tasks.sanitize import sanitize_body

    return sanitize_body(html)


POSTPROCESSORS: dict[str, Callable[[str], str]] = {
    "inline-css": _inline_css,
    "sanitize": _sanitize,
    "sanitize-email": sanitize_email,
}


def render_note(
    parsed: ParsedNote,
    insights: Sequence[Insight],
    note_roots: NoteRoots,
    index: RootIndex,
    settings: Settings,
    channels: Sequence[str] | None = None,
) -> RenderResult:
    """Render all requested channels for one note."""
    ctx = base_context(parsed, insights, note_roots, index, settings)
    outputs: list[ChannelOutput] = []
    diagnostics: list[Diagnostic] = []
    llm_log = PolishLog()
    chosen = tuple(channels or settings.channels)
    for name in chosen:
        outputs.extend(render_channel(name, ctx, settings, llm_log=llm_log))
    second_opinion(ctx, index, settings, environment(CHANNELS_DIR / BASE_DIR_NAME, settings.templates_dir), llm_log)
    diagnostics.extend(llm_log.diagnostics)
    slug = ctx["note"]["slug"]
    return RenderResult(parsed.note.path, slug, tuple(outputs), tuple(diagnostics), llm_log.snapshot(), chosen)


@task(name="render-channels")
def render_note_task(
    parsed: ParsedNote,
    insights: tuple[Insight, ...],
    note_roots: NoteRoots,
    index: RootIndex,
    settings: Settings,
    channels: tuple[str, ...] | None = None,
) -> RenderResult:
    """Prefect task: render the channels of one note."""
    return render_note(parsed, insights, note_roots, index, settings, channels)
