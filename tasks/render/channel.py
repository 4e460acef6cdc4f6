"""A channel is one folder, `channel_templates/<name>/`, and at most one module, `tasks/channels/<name>.py`.

`channel.yaml` declares the channel's outputs, limits, options and checks, and the parts an
LLM may polish; this module reads and validates it (`ChannelSpec`). The module, when there is
one, is the channel's *preparer*: `prepare(ctx, spec) -> ctx` reshapes the shared context for
its templates (process logs included: the story variant lives in the same module), and
functions named by `builder:` return the bytes of binary outputs. Nothing else names a channel.
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tasks.lint.checks import known_rules
from tasks.settings import CHANNELS_DIR, ConfigError
from tasks.slug import is_safe_component

BASE_DIR_NAME = "_base"
"""The folder of templates and labels every channel shares (not a channel)."""


class PartSpec(BaseModel):
    """One polishable part of a channel (`llm.<part>` in channel.yaml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    field: str
    """Context path of the text to replace: `lead`, `posts[].hook`, `slides[].title`."""
    prompt: str
    """Prompt template, looked up like the channel's templates (user overrides first)."""
    also: tuple[str, ...] = ()
    """Other context paths that receive the same text (`front_matter.description`)."""
    checks: tuple[dict[str, Any], ...] = ()
    """Constraint-linter rules the answer must pass (tasks/lint.py names)."""
    max_tokens: int = 200
    """Upper bound on generated tokens."""
    max_growth: float | None = None
    """The answer may be at most this many times as long as the deterministic text."""
    keep_prefix: str = ""
    """A prefix the deterministic text may carry (`(광고) `): kept out of the prompt, put back after."""
    enabled: bool = True
    """Switch this part off without deleting it."""
    when: tuple[str, ...] = ()
    """Note kinds the part is asked for (as outputs' `when`); empty: all. Saves calls on unused fields."""


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
    """Parts an LLM may polish when one is configured (tasks/llm/polish.py); empty: none."""


def load_channel(name: str, channels_dir: Path = CHANNELS_DIR) -> ChannelSpec:
    """Read and validate `channel_templates/<name>/channel.yaml`."""
    if not is_safe_component(name) or name.startswith("_"):
        raise ConfigError([f"channel name '{name}' is not a plain folder name"])
    path = channels_dir / name / "channel.yaml"
    if not path.is_file():
        known = ", ".join(channel_names(channels_dir))
        raise ConfigError([f"unknown channel '{name}' (known: {known})"])
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


def channel_names(channels_dir: Path = CHANNELS_DIR) -> tuple[str, ...]:
    """Every channel folder (one holding a `channel.yaml`), sorted."""
    return tuple(sorted(p.name for p in channels_dir.iterdir() if (p / "channel.yaml").is_file()))


def preparer(name: str) -> ModuleType | None:
    """The channel's preparer module `tasks.channels.<name>`, if it has one."""
    try:
        return importlib.import_module(f"tasks.channels.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"tasks.channels.{name}":
            return None
        raise
