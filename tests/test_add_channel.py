"""A channel is one folder and one module: adding one changes nothing else in the project.

A copy of the project gets `channel_templates/echo/` (channel.yaml with an options schema,
one template, one check reading an option) and `tasks/channels/echo.py` (a preparer), and
nothing else; the bundled example note then renders through `tasks.pipeline` in a
subprocess that imports the copy, with the option defaults and with a user's overrides.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import BOOK, EXAMPLE_VAULT, ROOT
from tests.helpers import pipeline

COPIED = ("tasks", "flows", "channel_templates", "config")
"""What a deployment of osmu is (no tests, examples, .venv or .git)."""

CHANNEL_YAML = """\
name: echo
description: The note's title and its first insight titles, one per line.
outputs:
  - template: echo.txt.j2
    path: "{slug}.txt"
limits: {}
options:
  greeting:
    type: str
    default: Hello
    doc: First word of the file.
  max_lines:
    type: int
    default: 3
    min: 1
    max: 10
    doc: At most this many insight titles.
  max_chars:
    type: int
    default: 2000
    min: 10
    doc: Longest file the echo-max-chars check accepts.
checks:
  - {rule: max-chars, name: echo-max-chars, files: "*.txt", max: $max_chars}
  - {rule: required, name: echo-greets, files: "*.txt", patterns: ['\\A\\S+, ']}
"""

TEMPLATE = """\
{{ options.greeting }}, {{ note.title }}
{% for line in lines %}
- {{ line }}
{% endfor %}
"""

PREPARER = '''\
"""Echo preparer: the first insight titles."""

from __future__ import annotations

from typing import Any

from tasks.render.channel import ChannelSpec


def prepare(ctx: dict[str, Any], spec: ChannelSpec) -> dict[str, Any]:
    """Add `lines`: the titles of the first `max_lines` insights."""
    return {**ctx, "lines": [i.title for i in ctx["insights"][: ctx["options"]["max_lines"]]]}
'''

SCRIPT = """\
import json, sys
from pathlib import Path

import tasks
from tasks.pipeline import cut_insights, open_vault, render_insights
from tasks.settings import load_settings

config = Path(sys.argv[3]) if len(sys.argv) > 3 else None
settings = load_settings(config, {"vault": sys.argv[1]})
vault = open_vault(settings)
cut = cut_insights(settings, vault, Path(sys.argv[2]))
result = render_insights(cut.parsed, cut.insights, cut.roots, settings, vault, ("echo",))
print(json.dumps({
    "tasks": tasks.__file__,
    "outputs": [
        {"path": o.path, "text": o.content.decode(), "lint": {r.rule: r.ok for r in o.lint}} for o in result.outputs
    ],
}))
"""


def _project_with_echo(root: Path) -> Path:
    copy = root / "osmu"
    for name in COPIED:
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    folder = copy / "channel_templates" / "echo"
    folder.mkdir()
    (folder / "channel.yaml").write_text(CHANNEL_YAML, encoding="utf-8")
    (folder / "echo.txt.j2").write_text(TEMPLATE, encoding="utf-8")
    (copy / "tasks" / "channels" / "echo.py").write_text(PREPARER, encoding="utf-8")
    return copy


def _python(copy: Path, code: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `code` with the copy as the project: its folder first on the path, and the working folder."""
    env = {**os.environ, "PYTHONPATH": str(copy)}
    cmd = [sys.executable, "-c", code, *args]
    return subprocess.run(cmd, cwd=copy, env=env, capture_output=True, text=True, timeout=240, check=False)


def _render(copy: Path, config: Path | None = None) -> dict[str, Any]:
    done = _python(copy, SCRIPT, str(EXAMPLE_VAULT), BOOK, *([str(config)] if config else []))
    assert done.returncode == 0, done.stderr
    data: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return data


def test_a_new_channel_is_one_folder_and_one_module(tmp_path: Path) -> None:
    copy = _project_with_echo(tmp_path)
    parsed, _, _, insights, _ = pipeline(EXAMPLE_VAULT, BOOK)
    titles = [i.title for i in insights]
    slug = Path(BOOK).stem

    plain = _render(copy)
    assert Path(plain["tasks"]).parent == copy / "tasks"  # the copy ran, not this checkout
    [output] = plain["outputs"]
    assert output["path"] == f"echo/{slug}.txt"
    assert output["text"] == f"Hello, {parsed.title}\n" + "".join(f"- {t}\n" for t in titles[:3])
    assert output["lint"] == {"echo-max-chars": True, "echo-greets": True}

    # A user's settings file sets the channel's options; one of them feeds a check.
    config = tmp_path / "config.yaml"
    config.write_text("options:\n  echo: {greeting: 안녕, max_lines: 5, max_chars: 10}\n", encoding="utf-8")
    [output] = _render(copy, config)["outputs"]
    assert output["text"] == f"안녕, {parsed.title}\n" + "".join(f"- {t}\n" for t in titles[:5])
    assert output["lint"] == {"echo-max-chars": False, "echo-greets": True}


def test_a_bad_option_of_the_new_channel_is_a_config_error(tmp_path: Path) -> None:
    copy = _project_with_echo(tmp_path)
    config = tmp_path / "config.yaml"
    config.write_text("options:\n  echo: {max_lines: 0, greting: hi}\n", encoding="utf-8")
    code = "import sys, pathlib, tasks.settings as s; s.load_settings(pathlib.Path(sys.argv[1]))"
    done = _python(copy, code, str(config))
    assert done.returncode != 0 and "ConfigError" in done.stderr
    assert f"{config}: options.echo.max_lines: Input should be greater than or equal to 1" in done.stderr
    assert f"{config}: options.echo.greting: unknown option (known: greeting, max_lines, max_chars)" in done.stderr
