"""A channel is one folder, `channel_templates/<name>/`, and at most one module, `tasks/channels/<name>.py`.

`channel.yaml` declares the channel's outputs, limits, options and checks, and the parts an
LLM may polish; this module reads and validates it (`ChannelSpec`). Its `options:` is a
schema (`OptionSpec`: type, default, allowed values or bounds, a doc line): the user sets
values under `options.<channel>` in the settings file, `check_options` validates them when
the settings load, and `ChannelSpec.resolve_options` gives templates and preparers the
resolved values as `options`. The module, when there is one, is the channel's *preparer*:
`prepare(ctx, spec) -> ctx` reshapes the shared context for its templates (process logs
included: the story variant lives in the same module), and functions named by `builder:`
return the bytes of binary outputs. Nothing else names a channel.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from functools import cached_property, lru_cache
from pathlib import Path
from types import ModuleType
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from tasks.lint.checks import known_rules
from tasks.project import CHANNELS_DIR, ConfigError
from tasks.slug import is_safe_component

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML has it (~5x faster than the pure-Python one), else the pure one."""

BASE_DIR_NAME = "_base"
"""The folder of templates and labels every channel shares (not a channel)."""
OPTION_TYPES: dict[str, type] = {"str": str, "int": int, "float": float, "bool": bool}
"""The value types an option may declare."""
OPTION_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
STRICT = ConfigDict(extra="forbid", strict=True, frozen=True)
"""Option values are checked as written: `total_minutes: "60"` is a string, not a number."""


def _message(err: ErrorDetails, known: Mapping[str, Any]) -> str:
    if err["type"] == "extra_forbidden":
        return f"unknown option (known: {', '.join(known) or 'none'})"
    return err["msg"]


class OptionSpec(BaseModel):
    """One option of a channel (`options.<name>` in channel.yaml): what a user may set, and its default."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    type: Literal["str", "int", "float", "bool"]
    """Value type; values are not converted (`"60"` is not an int)."""
    default: Any
    """The value when the user sets none: the only place the default lives."""
    doc: str = Field(min_length=1, pattern=r"^[^\n]+$")
    """What the option does, in one line."""
    choices: tuple[str | int | float, ...] = ()
    """Allowed values; empty: any value of the type."""
    min: float | None = None
    """Smallest allowed value (`int` and `float` only)."""
    max: float | None = None
    """Largest allowed value (`int` and `float` only)."""

    @model_validator(mode="after")
    def _consistent(self) -> OptionSpec:
        if (self.min is not None or self.max is not None) and self.type not in ("int", "float"):
            raise ValueError(f"min/max apply to int and float options, not {self.type}")
        if self.choices and (self.min is not None or self.max is not None):
            raise ValueError("give either choices or min/max, not both")
        for choice in self.choices:
            TypeAdapter(OPTION_TYPES[self.type], config=STRICT).validate_python(choice)
        try:
            TypeAdapter(self.annotation, config=STRICT).validate_python(self.default)
        except ValidationError as exc:
            raise ValueError(f"default {self.default!r}: {exc.errors()[0]['msg']}") from None
        return self

    @property
    def annotation(self) -> Any:
        """The type pydantic checks a value against: the choices as a `Literal`, or the bounded type."""
        if self.choices:
            return Literal[self.choices]
        base = OPTION_TYPES[self.type]
        if self.min is not None or self.max is not None:
            return Annotated[base, Field(ge=self.min, le=self.max)]
        return base


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
    options: dict[str, OptionSpec] = {}
    """The options a user may set (`options.<channel>.<name>` in the settings file); resolved values
    reach templates and preparers as `options` (`resolve_options`)."""
    checks: tuple[dict[str, Any], ...] = ()
    """Constraint-linter checks: `{rule, files, name, …params}`."""
    llm: dict[str, PartSpec] = {}
    """Parts an LLM may polish when one is configured (tasks/llm/polish.py); empty: none."""

    @field_validator("options")
    @classmethod
    def _option_names(cls, options: dict[str, OptionSpec]) -> dict[str, OptionSpec]:
        bad = [name for name in options if not OPTION_NAME.match(name) or name.startswith("model_")]
        if bad:
            raise ValueError(f"option names must be lower_snake_case words: {', '.join(bad)}")
        return options

    @cached_property
    def options_model(self) -> type[BaseModel]:
        """A pydantic model of the options (`extra="forbid"`, strict): what `resolve_options` checks."""
        fields: dict[str, Any] = {
            name: (opt.annotation, Field(default=opt.default, description=opt.doc))
            for name, opt in self.options.items()
        }
        return create_model(f"{self.name.title()}Options", __config__=STRICT, **fields)

    def option_problems(self, values: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """The user's values for this channel checked: (those given, validated; `<option>: message` lines)."""
        try:
            return self.options_model.model_validate(values).model_dump(exclude_unset=True), []
        except ValidationError as exc:
            problems = [f"{'.'.join(map(str, e['loc']))}: {_message(e, self.options)}" for e in exc.errors()]
            return {}, problems

    def resolve_options(self, values: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Every option's value: the user's `values` over the defaults of channel.yaml (ConfigError if invalid)."""
        given, problems = self.option_problems(values or {})
        if problems:
            raise ConfigError([f"options.{self.name}.{p}" for p in problems])
        return {name: opt.default for name, opt in self.options.items()} | given


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
    data = yaml.load(path.read_text(encoding="utf-8"), SAFE_LOADER) or {}
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


def check_options(raw: object, channels_dir: Path = CHANNELS_DIR) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """The settings' `options:` (`{channel: {option: value}}`) checked against each channel's schema.

    Returns the values given, validated, and every problem as an `options.<channel>.<option>:
    message` line: unknown channels, unknown options, values of the wrong type or out of range.
    """
    if not isinstance(raw, Mapping):
        return {}, [f"options: should be a mapping of channel: {{option: value}}, got {type(raw).__name__}"]
    known = channel_names(channels_dir)
    values: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    for name, given in raw.items():
        where = f"options.{name}"
        if name not in known:
            problems.append(f"{where}: unknown channel (known: {', '.join(known)})")
            continue
        if not isinstance(given, Mapping):
            problems.append(f"{where}: should be a mapping of option: value, got {type(given).__name__}")
            continue
        try:
            spec = load_channel(name, channels_dir)
        except ConfigError as exc:
            problems += exc.problems
            continue
        checked, found = spec.option_problems(given)
        values[name] = checked
        problems += [f"{where}.{p}" for p in found]
    return values, problems


def preparer(name: str) -> ModuleType | None:
    """The channel's preparer module `tasks.channels.<name>`, if it has one."""
    try:
        return importlib.import_module(f"tasks.channels.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"tasks.channels.{name}":
            return None
        raise
