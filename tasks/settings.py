"""Declared settings: `config/osmu.yaml` merged with a user file, validated by pydantic.

Unknown keys are errors (`extra="forbid"`), and every problem is reported at once, as
MkDocs does: `ConfigError` lists `file: key.path: message` lines. Channel options are not
declared here: each channel declares its own in its channel.yaml (`options:`), and the
`options:` setting (`{blog: {flavor: jekyll}}`) is checked against those schemas.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from tasks.project import CHANNELS_DIR as CHANNELS_DIR
from tasks.project import DEFAULT_CONFIG as DEFAULT_CONFIG
from tasks.project import PROJECT_ROOT as PROJECT_ROOT
from tasks.project import ConfigError as ConfigError
from tasks.render.channel import channel_names, check_options
from tasks.vault.obsidian import CONFIG, INSIGHT_FOLDER, default_out_dir


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LlmSettings(_Strict):
    """Optional LLM polish (tasks/llm.py); with no provider nothing touches the network.

    `OSMU_LLM_PROVIDER`, `OSMU_LLM_BASE_URL`, `OSMU_LLM_MODEL` override the first three keys;
    the API key comes only from `OSMU_LLM_API_KEY` or a Prefect Secret block, never this file.
    """

    provider: Literal["none", "openai", "anthropic", "ollama"] = "none"
    """`openai` (any OpenAI-compatible server: OpenAI, vLLM, LM Studio, Ollama /v1), `anthropic`, `ollama`."""
    base_url: str | None = None
    """Server root; None: the provider's public default."""
    model: str | None = None
    """Model name (required when a provider is set)."""
    api_key_secret: str | None = None
    """Name of a Prefect Secret block holding the API key (used when OSMU_LLM_API_KEY is unset)."""
    timeout_seconds: float = Field(default=30.0, gt=0)
    """Per-request timeout."""
    max_retries: int = Field(default=3, ge=0, le=10)
    """Retries on 429, 5xx and transport errors."""
    backoff_seconds: float = Field(default=1.0, ge=0)
    """First retry delay when the server sends no Retry-After; doubles each retry."""
    max_backoff_seconds: float = Field(default=30.0, ge=0)
    """Upper bound of one retry delay (Retry-After included)."""
    concurrency: int = Field(default=2, ge=1, le=32)
    """Requests in flight at once (one request per channel of a note)."""
    max_tokens_per_request: int = Field(default=8192, ge=64)
    """Upper bound on a request's generated tokens (a channel's request asks for the sum of its slots'
    `max_tokens`); keep it within the model's output limit. A cut-off answer keeps its complete slots."""
    temperature: float = Field(default=0.3, ge=0, le=2)
    """Sampling temperature (part of the cache key)."""
    budget_tokens: int = Field(default=200_000, ge=0)
    """Tokens (in + out) one run may spend; 0: unlimited."""
    budget_usd: float = Field(default=1.0, ge=0)
    """Estimated dollars one run may spend; 0: unlimited."""
    price_input_per_mtok: float = Field(default=0.0, ge=0)
    """Price per million input tokens, for the cost estimate."""
    price_output_per_mtok: float = Field(default=0.0, ge=0)
    """Price per million output tokens, for the cost estimate."""
    cache_dir: Path | None = None
    """Response cache; None: `<vault>/.osmu/cache/llm`."""
    skip: tuple[str, ...] = ()
    """Parts to leave deterministic, as `channel.part` (`instagram.caption`)."""
    second_opinion: bool = False
    """Ask the model for insight-boundary and root-tag suggestions (report only, never applied)."""


class SiteSettings(_Strict):
    """Where the author publishes (links between channels: the newsletter's "전문 읽기" button)."""

    base_url: str = Field(default="https://example.com/blog", pattern=r"^https?://\S+$")
    """The blog's address; a post is at `base_url` + `/` + its slug + `/`."""


def system_timezone() -> str:
    """The system's IANA time zone: `$TZ`, else what `/etc/localtime` links to, else `/etc/timezone`; else UTC.

    `/etc/localtime` → `/usr/share/zoneinfo/Asia/Seoul` (Linux) or `/var/db/timezone/zoneinfo/…`
    (macOS) names `Asia/Seoul`.
    """
    candidates = [os.environ.get("TZ", "").removeprefix(":")]
    with contextlib.suppress(OSError):
        candidates.append(os.readlink("/etc/localtime"))
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    for candidate in candidates:
        name = candidate.rsplit("zoneinfo/", 1)[-1]
        if name and _is_zone(name):
            return name
    return "UTC"


def _is_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


class SweepSettings(_Strict):
    """When `osmu serve` runs the `vault-sweep/scheduled` deployment."""

    cron: str = "0 * * * *"
    """Cron schedule of the sweep (default: hourly, on the hour)."""
    timezone: str = Field(default_factory=system_timezone)
    """Time zone of the cron schedules (IANA name, e.g. `Asia/Seoul`); null: the system's (`system_timezone`)."""
    processes: Literal["auto"] | Annotated[int, Field(ge=0)] = "auto"
    """Worker processes that render a sweep with many notes: `auto` (default) one per CPU core,
    0 or 1 in the sweep's own process. bench/run: a cold 1k-note sweep on 2 idle-ish cores took
    37.8 s with 2 workers vs 61.2 s in one process; under heavy load (~4) 78 s vs 72 s."""
    processes_min_notes: int = Field(default=200, ge=1)
    """Fewest notes to render for which a sweep starts worker processes (each costs ~3 s to start)."""

    @field_validator("timezone", mode="before")
    @classmethod
    def _zone(cls, value: object) -> object:
        if value is None:
            return system_timezone()
        if isinstance(value, str) and not _is_zone(value):
            raise ValueError(f"unknown time zone {value!r} (an IANA name, e.g. Asia/Seoul)")
        return value


class Settings(_Strict):
    """All osmu settings (see config/osmu.yaml for the documented defaults)."""

    vault: Path = Path("examples/vault")
    """Vault folder to read."""
    out: Path | None = None
    """Output folder; None: outside the vault, `<user data folder>/osmu/<vault-name>-<hash>`
    (`tasks/vault/obsidian.py`, `default_out_dir`; `OSMU_DATA_DIR` replaces `<user data folder>/osmu`)."""
    insight_notes: bool = False
    """Write the insight notes (the `atoms` channel) into `<vault>/_osmu/`, the one vault folder
    `osmu init` adds to Obsidian's Excluded files; False: with the other outputs."""
    channels: tuple[str, ...]
    """Channels rendered by default (the list lives in config/osmu.yaml only)."""
    digest_channels: tuple[str, ...]
    """Channels the process digest (`osmu digest`, the weekly deployment) renders (config/osmu.yaml)."""
    templates: Path | None = None
    """User template override folder (one sub-folder per channel)."""
    roots_folder: str = "00-roots"
    """Vault-relative folder of root-concept notes."""
    private_folders: tuple[str, ...] = ()
    """Vault-relative folders whose notes are private: never a source, never embedded or linked.
    `./60-private/` is read as `60-private`; globs work (`60-private/**`, `**/diary`); an entry that
    matches nothing in the vault is a warning (`osmu` prints it)."""
    daily_folder: str | None = None
    """Vault-relative folder of her daily notes; None: the folder `.obsidian/daily-notes.json` names, if
    any. Daily notes (there, or named `YYYY-MM-DD.md` anywhere) are private: never a source, never
    linked; only their `#process/<project>` lines reach a story."""
    navigation_sections: tuple[str, ...] = ()
    """Section titles that are navigation (links only, no insights)."""
    root_aliases: dict[str, tuple[str, ...]] = {}
    """Extra names per root slug (`프로세스-공유: [과정 공유, build in public]`), matched in text."""
    strict: bool = False
    """Fail the run on any constraint-linter failure."""
    font: Path | None = None
    """Korean font file (TTF/OTF/TTC) for images; None: Noto Sans CJK KR, else Noto Sans KR (pip)."""
    font_index: int = Field(default=0, ge=0)
    """Face index inside a font collection (`.ttc`)."""
    options: dict[str, dict[str, Any]] = {}
    """Channel options the user set, per channel (`{blog: {flavor: jekyll}}`), checked against each
    channel.yaml's `options:` schema, where the defaults live; templates and preparers see the
    resolved values as `options` (`ChannelSpec.resolve_options`)."""
    llm: LlmSettings = LlmSettings()
    """Optional LLM polish (off by default)."""
    sweep: SweepSettings = SweepSettings()
    site: SiteSettings = SiteSettings()
    """Where the posts are published (the newsletter links to the blog post)."""
    """Schedule of the served vault sweep."""

    @field_validator("private_folders")
    @classmethod
    def _clean_private_folders(cls, folders: tuple[str, ...]) -> tuple[str, ...]:
        from tasks.vault.privacy import clean_folder

        for entry in folders:
            if entry.strip().startswith(("/", "~")) or re.match(r"^[A-Za-z]:[\\/]", entry.strip()):
                raise ValueError(f"'{entry}' must be a folder inside the vault (a vault-relative path)")
            if ".." in entry.replace("\\", "/").split("/"):
                raise ValueError(f"'{entry}' must not leave the vault ('..')")
            if not clean_folder(entry):
                raise ValueError(f"'{entry}' names no folder (it would make nothing private)")
        return tuple(dict.fromkeys(clean_folder(f) for f in folders))

    @field_validator("daily_folder")
    @classmethod
    def _clean_daily_folder(cls, folder: str | None) -> str | None:
        from tasks.vault.privacy import clean_folder

        if folder is None or not clean_folder(folder):
            return None
        cls._clean_private_folders((folder,))
        return clean_folder(folder)

    @property
    def hidden_folders(self) -> tuple[str, ...]:
        """`private_folders` plus what makes a note a daily note: every note a link must not reveal."""
        from tasks.vault.privacy import daily_entries

        return (*self.private_folders, *daily_entries(self.daily_folder))

    @property
    def out_dir(self) -> Path:
        """The output folder, by default outside the vault (`default_out_dir`)."""
        return self.out if self.out is not None else default_out_dir(self.vault)

    @property
    def insight_dir(self) -> Path | None:
        """Where the insight notes go when not with the other outputs: `<vault>/_osmu`, or None."""
        return self.vault / INSIGHT_FOLDER if self.insight_notes else None

    @property
    def templates_dir(self) -> Path | None:
        """The override folder, if configured or present in the vault."""
        if self.templates is not None:
            return self.templates
        candidate = self.vault / ".osmu" / "templates"
        return candidate if candidate.is_dir() else None

    @property
    def llm_cache_dir(self) -> Path:
        """The LLM response cache folder, defaulting to `<vault>/.osmu/cache/llm`."""
        return self.llm.cache_dir if self.llm.cache_dir is not None else self.vault / ".osmu" / "cache" / "llm"


def _load_yaml(path: Path) -> dict[str, Any]:
    yaml = YAML(typ="safe", pure=True)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"))
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        raise ConfigError([f"{path}:{line}: {getattr(exc, 'problem', exc)}"]) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError([f"{path}:1: settings must be a mapping, got {type(data).__name__}"])
    return data


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _resolve(raw: dict[str, Any], base: Path) -> dict[str, Any]:
    """Make relative path settings absolute against `base`."""
    resolved = dict(raw)
    for key in ("vault", "out", "templates", "font"):
        value = resolved.get(key)
        if isinstance(value, str | Path) and str(value):
            path = Path(os.path.expanduser(value))
            resolved[key] = path if path.is_absolute() else base / path
    llm = resolved.get("llm")
    if isinstance(llm, dict) and "cache_dir" in llm:
        resolved["llm"] = {**llm, **_resolve({"vault": llm["cache_dir"]}, base)}
        resolved["llm"]["cache_dir"] = resolved["llm"].pop("vault")
    return resolved


def _channel_problems(data: dict[str, Any]) -> list[str]:
    """Unknown names in the channel lists (`channels.2: unknown channel 'blgo'`)."""
    known = channel_names(CHANNELS_DIR)
    problems = []
    for key in ("channels", "digest_channels"):
        names = data.get(key)
        if isinstance(names, list | tuple):
            problems += [
                f"{key}.{n}: unknown channel '{name}' (known: {', '.join(known)})"
                for n, name in enumerate(names)
                if isinstance(name, str) and name not in known
            ]
    return problems


def _message(err: Any, channels: tuple[str, ...]) -> str:
    loc = err["loc"]
    if err["type"] == "extra_forbidden" and len(loc) == 1 and loc[0] in channels:
        return f"not a setting: channel options go under `options:` (options: {{{loc[0]}: {{option: value}}}})"
    return str(err["msg"])


def validate(data: dict[str, Any], source: str = "settings", options_source: str | None = None) -> Settings:
    """Validate a settings mapping, reporting every problem at once (channel options included).

    `options_source` names the file the `options:` came from (default: `source`).
    """
    options, option_problems = check_options(data.get("options", {}), CHANNELS_DIR)
    problems: list[str] = []
    try:
        settings = Settings.model_validate({**data, "options": options})
    except ValidationError as exc:
        channels = channel_names(CHANNELS_DIR)
        problems = [
            f"{source}: {'.'.join(str(p) for p in err['loc']) or '<root>'}: {_message(err, channels)}"
            for err in exc.errors()
        ]
    problems += [f"{source}: {p}" for p in _channel_problems(data)]
    problems += [f"{options_source or source}: {p}" for p in option_problems]
    if problems:
        raise ConfigError(problems)
    return settings


def config_vault(config_file: Path) -> Path | None:
    """The `vault:` a settings file names (resolved against its folder), or None."""
    if not config_file.is_file():
        return None
    vault = _resolve(_load_yaml(config_file), config_file.parent).get("vault")
    return Path(vault) if isinstance(vault, str | Path) and str(vault) else None


def load_settings(config_file: Path | None = None, overrides: dict[str, Any] | None = None) -> Settings:
    """Bundled defaults, then `<vault>/.osmu/config.yaml`, then `config_file`, then `overrides`.

    Relative paths in the bundled file are relative to the project root; in a user file,
    to that file's folder; in `overrides` (CLI arguments), to the working directory.
    """
    data = _resolve(_load_yaml(DEFAULT_CONFIG), PROJECT_ROOT)
    sources = [str(DEFAULT_CONFIG)]
    options_from = sources[0]
    over = _resolve({k: v for k, v in (overrides or {}).items() if v is not None}, Path.cwd())
    explicit: dict[str, Any] = {}
    if config_file is not None:
        if not config_file.is_file():
            raise ConfigError([f"{config_file}: settings file not found"])
        explicit = _resolve(_load_yaml(config_file), config_file.parent)
    vault = Path(over.get("vault", explicit.get("vault", data.get("vault", "."))))
    vault_file = vault / CONFIG  # the vault's own settings are always read, under an explicit --config
    files = [vault_file] if vault_file.is_file() else []
    if config_file is not None and not (files and files[0].resolve() == config_file.resolve()):
        files.append(config_file)
    for user_file in files:
        user = explicit if user_file is config_file else _resolve(_load_yaml(user_file), user_file.parent)
        data = _merge(data, user)
        sources.append(str(user_file))
        options_from = str(user_file) if "options" in user else options_from
    options_from = "overrides" if "options" in over else options_from
    merged = _merge(data, over)
    if merged.get("daily_folder") is None:
        merged["daily_folder"] = obsidian_daily_folder(Path(merged.get("vault", vault)))
    settings = validate(merged, source=" + ".join(sources), options_source=options_from)
    from tasks.vault.out_folder import out_folder_problem

    problem = out_folder_problem(settings.vault, settings.out_dir)
    if problem:
        source = "--out" if "out" in over else " + ".join(sources)
        raise ConfigError([f"{source}: out: {problem}"])
    return settings


def obsidian_daily_folder(vault: Path) -> str | None:
    """The folder Obsidian's Daily notes plugin writes to (`.obsidian/daily-notes.json`: `folder`), or None."""
    try:
        data = json.loads((vault / ".obsidian" / "daily-notes.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    folder = data.get("folder") if isinstance(data, dict) else None
    return folder if isinstance(folder, str) and folder.strip().strip("/") else None
