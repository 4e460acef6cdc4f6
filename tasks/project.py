"""Where osmu's own files are, and the error any unusable configuration raises.

The bottom of the settings layer: `tasks/settings.py` and the channel specs
(`tasks/render/channel.py`) both build on it, so neither needs the other to say where
`config/` and `channel_templates/` are.
"""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""Folder holding `config/`, `channel_templates/` and `examples/`."""
DEFAULT_CONFIG = PROJECT_ROOT / "config" / "osmu.yaml"
"""The bundled settings every run starts from."""
CHANNELS_DIR = PROJECT_ROOT / "channel_templates"
"""One folder per channel (`channel.yaml`, templates), plus `_base/`."""


class ConfigError(Exception):
    """Settings or a channel.yaml that cannot be used; `problems` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid settings:\n" + "\n".join(f"  - {p}" for p in problems))
        self.problems = problems
