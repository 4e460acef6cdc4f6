"""The Jinja environment of a channel: the user's overrides, the channel, then `_base`.

Template lookup is layered as in Pelican and MkDocs: the user's override folder, then the
channel, then `_base`; `builtin/…` and `base/…` prefixes let an override extend the
built-in template and replace a single block. Templates run in Jinja's immutable sandbox
(`tasks/render/sandbox.py`) with `StrictUndefined`; `.html` templates autoescape. Compiled
templates are kept in the user's cache (Jinja's bytecode cache, one folder per version of
osmu's code): a fresh process skips compiling them (~0.15 s of a one-note run).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    FileSystemBytecodeCache,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
    select_autoescape,
)
from jinja2.sandbox import ImmutableSandboxedEnvironment

from tasks.cache import folder_of
from tasks.changes import code_digest
from tasks.render.channel import BASE_DIR_NAME
from tasks.render.filters import FILTERS
from tasks.render.sandbox import OsmuSandbox


@lru_cache(maxsize=1)
def _bytecode_cache() -> FileSystemBytecodeCache | None:
    """One bytecode cache for every channel's environment (its folder set up once per process)."""
    compiled = folder_of("jinja", code_digest()[:16], newest=4)
    return FileSystemBytecodeCache(str(compiled)) if compiled else None


@lru_cache(maxsize=32)
def environment(channel_dir: Path, override_dir: Path | None) -> ImmutableSandboxedEnvironment:
    """The Jinja environment of one channel (built once per process and channel)."""
    base = channel_dir.parent / BASE_DIR_NAME
    loaders: list[Any] = []
    if override_dir is not None and (override_dir / channel_dir.name).is_dir():
        loaders.append(FileSystemLoader(override_dir / channel_dir.name))
    builtin, shared = FileSystemLoader(channel_dir), FileSystemLoader(base)
    loaders += [builtin, shared, PrefixLoader({"builtin": builtin, "base": shared})]
    untrusted = len(loaders) > 3  # an override folder: her templates (maybe from a shared vault) run bounded
    env = OsmuSandbox(
        loader=ChoiceLoader(loaders),
        bytecode_cache=None if untrusted else _bytecode_cache(),  # bounded code is compiled apart
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html", "htm", "xml", "html.j2")),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    if untrusted:
        env.untrust()
    return env
