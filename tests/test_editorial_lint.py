"""The editorial rules (spec/editorial.md): every rule has a fixture that breaks it and one that passes.

`tests/fixtures/editorial/<rule>/` holds `bad*.<ext>` (each must fail, its message naming what
`fixture.yaml` `messages` says), `good*.<ext>` (each must pass) and the rule's `params`.
A channel-level rule (`max-files`) reads one output path per line.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from tasks.lint.checks import CHANNEL_RULES, RULES, lint_note, run_channel_checks, run_checks
from tasks.lint.editorial import (
    EDITORIAL_RULES,
    no_lead_in_alone,
    no_repeated_paragraph,
    visible_lines,
)
from tasks.model import LintResult
from tasks.render.channel import load_channel
from tasks.render.templating import render_note
from tasks.settings import CHANNELS_DIR
from tests.conftest import BOOK, EXAMPLE_VAULT
from tests.helpers import pipeline

FIXTURES = Path(__file__).parent / "fixtures" / "editorial"
FOLDERS = sorted(p for p in FIXTURES.iterdir() if p.is_dir())


def _fixture(folder: Path) -> dict[str, Any]:
    data = yaml.safe_load((folder / "fixture.yaml").read_text(encoding="utf-8")) or {}
    return {"params": data.get("params") or {}, "messages": data.get("messages") or {}}


def _check(folder: Path, file: Path) -> LintResult:
    params = _fixture(folder)["params"]
    text = file.read_text(encoding="utf-8")
    if folder.name in CHANNEL_RULES:
        return CHANNEL_RULES[folder.name](text.split(), rule=folder.name, **params)
    return RULES[folder.name](text, rule=folder.name, **params)


def _cases(prefix: str) -> list[Any]:
    return [
        pytest.param(folder, file, id=f"{folder.name}/{file.name}")
        for folder in FOLDERS
        for file in sorted(folder.glob(f"{prefix}*"))
    ]


@pytest.mark.parametrize(("folder", "file"), _cases("bad"))
def test_bad_fixture_fails_with_a_message_naming_the_problem(folder: Path, file: Path) -> None:
    result = _check(folder, file)
    assert not result.ok, f"{file.name} should break {folder.name}: {result.message}"
    expected = _fixture(folder)["messages"].get(file.name)
    assert expected, f"fixture.yaml of {folder.name} names no message for {file.name}"
    assert expected in result.message, result.message
    assert result.rule == folder.name


@pytest.mark.parametrize(("folder", "file"), _cases("good"))
def test_good_fixture_passes(folder: Path, file: Path) -> None:
    result = _check(folder, file)
    assert result.ok, f"{file.name} should pass {folder.name}: {result.message}"


def test_every_editorial_rule_has_a_fixture_that_breaks_it_and_one_that_passes() -> None:
    for name in (*EDITORIAL_RULES, *CHANNEL_RULES):
        folder = FIXTURES / name
        assert folder.is_dir(), f"no fixture folder for rule {name}"
        assert list(folder.glob("bad*")) and list(folder.glob("good*")), name
    assert {f.name for f in FOLDERS} <= {*EDITORIAL_RULES, *CHANNEL_RULES}, "a fixture folder names no rule"


def test_every_editorial_rule_a_channel_yaml_names_has_a_fixture_folder() -> None:
    named = {
        check["rule"]
        for folder in CHANNELS_DIR.iterdir()
        if (folder / "channel.yaml").is_file()
        for check in load_channel(folder.name).checks
        if check["rule"] in EDITORIAL_RULES or check["rule"] in CHANNEL_RULES
    }
    missing = sorted(r for r in named if not (FIXTURES / r).is_dir())
    assert not missing, f"rules in channel.yaml without fixtures: {missing}"


def test_newsletter_text_part_skips_its_subject_and_preheader() -> None:
    text = (
        "'왜'에 지갑을 여는 사람들\n\n"
        "물건만 좋다고 해서 잘 팔리는 시대는 지났다. 과정을 보여 주는 사람이 이긴다.\n\n"
        "물건만 좋다고 해서 잘 팔리는 시대는 지났다. 과정을 보여 주는 사람이 이긴다.\n\n"
        "전문 읽기: https://example.com/posts/x/\n"
    )
    assert not no_repeated_paragraph(text, rule="r").ok
    assert no_repeated_paragraph(text, skip_paragraphs=2, rule="r").ok


def test_html_is_read_as_the_reader_sees_it() -> None:
    html = (
        "<!DOCTYPE html><html><head><title>제목…</title><style>p{color:red}</style></head><body>"
        '<div id="preheader" style="display:none">숨은 글…</div><h2>원리</h2>'
        '<p>이유는</p><ul><li>하나<ul><li>둘</li></ul></li></ul><img src="a.png" alt="x">'
        "<table><tr><td>시작</td><td>블록</td></tr></table><pre>code...</pre></body></html>"
    )
    lines = [ln for ln in visible_lines(html) if ln]
    assert lines == ["## 원리", "이유는", "- 하나", "  - 둘", "| 시작 | 블록 |"]
    assert no_lead_in_alone(html, rule="r").ok  # 이유는 is followed by its list


def test_files_may_list_several_globs() -> None:
    checks = [{"rule": "no-ellipsis-cut", "name": "cut", "files": ["*.md", "*.txt"]}]
    assert [r.ok for r in run_checks("post-01/caption.txt", "끝까지…", checks)] == [False]
    assert [r.ok for r in run_checks("post-01/carousel.md", "끝까지.", checks)] == [True]
    assert run_checks("slide-01.png", "끝까지…", checks) == ()


def test_channel_level_check_runs_once_and_reports_on_the_first_matching_file() -> None:
    checks: list[dict[str, Any]] = [
        {"rule": "max-files", "name": "max-carousels", "files": "*/carousel.md", "max": "$max_carousels"},
        {"rule": "max-chars", "name": "short", "files": "*.txt", "max": 5},
    ]
    paths = ["post-01/caption.txt", "post-01/carousel.md", "post-02/caption.txt", "post-02/carousel.md"]
    found = run_channel_checks(paths, checks, {"max_carousels": 1})
    assert list(found) == ["post-01/carousel.md"]
    (result,) = found["post-01/carousel.md"]
    assert result.rule == "max-carousels" and not result.ok and "2 files" in result.message
    assert run_channel_checks(paths, checks, {"max_carousels": 2})["post-01/carousel.md"][0].ok
    # the per-file runner leaves channel-level rules alone
    assert [r.rule for r in run_checks("post-01/caption.txt", "가나다", checks, {"max_carousels": 1})] == ["short"]


def test_lint_note_reports_a_channel_level_check_once_per_note() -> None:
    parsed, note_roots, index, insights, settings = pipeline(EXAMPLE_VAULT, BOOK)
    settings = settings.model_copy(update={"options": {"instagram": {"series": 3}}})  # a series of carousels
    drafts = render_note(parsed, insights, note_roots, index, settings, ("instagram",))
    check = {"rule": "max-files", "name": "at-most-one-carousel", "files": "*/carousel.md", "max": 1}
    drafts = replace(
        drafts,
        drafts=tuple(
            replace(d, spec=d.spec.model_copy(update={"checks": (*d.spec.checks, check)})) for d in drafts.drafts
        ),
    )
    result = lint_note(drafts)
    carousels = [o.path for o in result.outputs if o.path.endswith("/carousel.md")]
    hits = [(o.path, r) for o in result.outputs for r in o.lint if r.rule == "at-most-one-carousel"]
    assert len(carousels) > 1
    assert [p for p, _ in hits] == [carousels[0]]
    assert not hits[0][1].ok and f"{len(carousels)} files" in hits[0][1].message
