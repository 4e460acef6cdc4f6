"""Where osmu's own files are, and the error any unusable configuration raises.

The bottom of the settings layer: `tasks/settings.py` and the channel specs
(`tasks/render/channel.py`) both build on it, so neither needs the other to say where
`config/` and `channel_templates/` are.

From a checkout they are the tree's own folders (what a person edits, what `make demo` and the
tests use). From an installed wheel (`pipx install`, `uv tool install`, `pip install osmu-*.whl`)
they are the package data `tasks/_bundled/` (setup.py puts them there).
"""

from __future__ import annotations

from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
"""The checkout's top folder, when osmu runs from one (`config/osmu.yaml` is beside `tasks/`)."""
BUNDLED = Path(__file__).resolve().parent / "_bundled"
"""osmu's files as an installed wheel carries them."""


def _files_root() -> Path:
    """The checkout when `config/` and `channel_templates/` are beside `tasks/`, else the package data."""
    if (CHECKOUT / "config" / "osmu.yaml").is_file() and (CHECKOUT / "channel_templates").is_dir():
        return CHECKOUT
    return BUNDLED


PROJECT_ROOT = _files_root()
"""Folder holding `config/` and `channel_templates/` (and, in a checkout, `examples/`); relative
paths in the bundled `config/osmu.yaml` are relative to it."""
INSTALLED = PROJECT_ROOT == BUNDLED
"""True when osmu runs from an installed wheel rather than a checkout."""
DEFAULT_CONFIG = PROJECT_ROOT / "config" / "osmu.yaml"
"""The bundled settings every run starts from."""
CHANNELS_DIR = PROJECT_ROOT / "channel_templates"
"""One folder per channel (`channel.yaml`, templates), plus `_base/`."""
CODE_DIR = Path(__file__).resolve().parent
"""The `tasks` package: osmu's code that shapes outputs (change detection hashes it)."""


class ConfigError(Exception):
    """Settings or a channel.yaml that cannot be used; `problems` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid settings:\n" + "\n".join(f"  - {p}" for p in problems))
        self.problems = problems
