"""Channel options: declared in each channel.yaml, set under `options:` in the settings, checked at load."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tasks.render.channel import channel_names, load_channel
from tasks.settings import DEFAULT_CONFIG, ConfigError, load_settings
from tests.conftest import BOOK, EXAMPLE_VAULT
from tests.helpers import pipeline, rendered


def test_a_bad_options_entry_lists_every_problem_at_once(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "channels: [blog, blgo]\n"
        "blog: {flavor: jekyll}\n"
        "options:\n"
        "  blog: {flavor: wordpress, draft: 'no', max_tag: 3}\n"
        "  workshop: {total_minutes: 5}\n"
        "  podcast: {voice: calm}\n"
        "  instagram: 3\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load_settings(config)
    both = f"{DEFAULT_CONFIG} + {config}"
    known = ", ".join(channel_names())
    assert info.value.problems == [
        f"{both}: blog: not a setting: channel options go under `options:` (options: {{blog: {{option: value}}}})",
        f"{both}: channels.1: unknown channel 'blgo' (known: {known})",
        f"{config}: options.blog.flavor: Input should be 'hugo', 'jekyll' or 'astro'",
        f"{config}: options.blog.draft: Input should be a valid boolean",
        f"{config}: options.blog.max_tag: unknown option (known: flavor, draft, max_tags)",
        f"{config}: options.workshop.total_minutes: Input should be greater than or equal to 15",
        f"{config}: options.podcast: unknown channel (known: {known})",
        f"{config}: options.instagram: should be a mapping of option: value, got int",
    ]


def test_options_keep_only_what_the_user_set_and_resolve_over_the_defaults(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("options:\n  blog: {flavor: jekyll}\n  workshop: {total_minutes: 60}\n", encoding="utf-8")
    settings = load_settings(config)
    assert settings.options == {"blog": {"flavor": "jekyll"}, "workshop": {"total_minutes": 60}}
    assert load_channel("blog").resolve_options(settings.options["blog"]) == {
        "flavor": "jekyll",
        "draft": True,
        "max_tags": 8,
    }
    assert load_settings().options == {}


def test_an_option_set_without_load_settings_is_still_checked_when_rendering() -> None:
    parsed, note_roots, index, insights, settings = pipeline(EXAMPLE_VAULT, BOOK)
    settings = settings.model_copy(update={"options": {"workshop": {"total_minutes": "sixty"}}})
    with pytest.raises(ConfigError, match=r"options\.workshop\.total_minutes: Input should be a valid integer"):
        rendered(parsed, insights, note_roots, index, settings, ("workshop",))


def test_config_documents_the_built_in_option_defaults() -> None:
    """config/osmu.yaml shows the defaults in a comment: they must be those of channel.yaml (a new
    channel need not be listed there)."""
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    block = re.search(r"^# options:\n((?:#   .*\n)+)", text, re.MULTILINE)
    assert block is not None
    documented = yaml.safe_load("\n".join(line[2:] for line in block.group(1).splitlines()))
    assert documented, "no documented options"
    for channel, values in documented.items():
        assert values == load_channel(channel).resolve_options(), channel


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ("n: {type: int, default: 0, min: 1, doc: d}", "options.n: Value error, default 0: Input should be greater"),
        ("n: {type: str, default: a, min: 1, doc: d}", "min/max apply to int and float options, not str"),
        ("n: {type: list, default: [], doc: d}", "options.n.type: Input should be 'str', 'int', 'float' or 'bool'"),
        ("n: {type: str, default: a, choices: [b, c], doc: d}", "default 'a': Input should be 'b' or 'c'"),
        ("n: {type: str, default: a}", "options.n.doc: Field required"),
        ("Bad-Name: {type: str, default: a, doc: d}", "option names must be lower_snake_case words: Bad-Name"),
    ],
)
def test_a_channel_options_schema_is_checked(tmp_path: Path, schema: str, message: str) -> None:
    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / "channel.yaml").write_text(
        f"name: demo\noutputs: [{{template: a.j2, path: a.txt}}]\noptions:\n  {schema}\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError) as info:
        load_channel("demo", tmp_path)
    assert any(message in p and str(folder / "channel.yaml") in p for p in info.value.problems), info.value.problems
