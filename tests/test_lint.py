"""The constraint linter: every rule of spec/channels.md passes good output and catches bad output."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from PIL import Image

from tasks.lint.checks import known_rules, lint_tree, run_checks, violations
from tasks.lint.rules import (
    ad_law,
    alt_text,
    blog_front_matter,
    email_html,
    hashtags,
    hook,
    lines_per_slide,
    particle_start,
    png,
    preheader,
    run_of_show,
    slide_count,
    speaker_notes,
)
from tasks.render.channel import load_channel
from tasks.settings import CHANNELS_DIR
from tasks.write.outputs import write_outputs
from tests.conftest import BOOK, EXAMPLE_VAULT
from tests.helpers import pipeline, render

BLOG_KEYS = ["title", "date", "lastmod", "draft", "tags", "slug", "description"]


def _blog(description: str = "짧은 설명", slug: str = "프로세스-이코노미", draft: str = "true") -> str:
    return (
        f"---\ntitle: 제목\ndate: '2025-10-10'\nlastmod: '2025-10-10'\ndraft: {draft}\ntags: []\n"
        f"slug: {slug}\ndescription: {json.dumps(description, ensure_ascii=False)}\n---\n\n본문\n"
    )


def test_every_channel_check_names_a_known_rule_and_resolves_its_limits() -> None:
    for folder in sorted(p for p in CHANNELS_DIR.iterdir() if (p / "channel.yaml").is_file()):
        spec = load_channel(folder.name)
        assert spec.checks, folder.name
        for check in spec.checks:
            assert check["rule"] in known_rules(), (folder.name, check)
            for value in check.values():
                if isinstance(value, str) and value.startswith("$"):
                    assert value[1:] in {**spec.options, **spec.limits}, (folder.name, check)


def test_limits_are_read_from_the_channel_yaml() -> None:
    checks = [{"rule": "max-chars", "name": "caption-max-chars", "files": "*.txt", "max": "$caption_max_chars"}]
    assert run_checks("a.txt", "가" * 30, checks, {"caption_max_chars": 30})[0].ok
    result = run_checks("a.txt", "가" * 31, checks, {"caption_max_chars": 30})[0]
    assert not result.ok and result.rule == "caption-max-chars" and "31 chars (max 30)" in result.message
    assert run_checks("a.md", "가" * 31, checks, {"caption_max_chars": 30}) == ()  # glob does not match
    with pytest.raises(KeyError, match="caption_max_chars"):
        run_checks("a.txt", "x", checks, {})


def test_blog_front_matter_rule() -> None:
    assert blog_front_matter(_blog(), keys=BLOG_KEYS, description_max=160, rule="r").ok
    assert not blog_front_matter(_blog("가" * 161), keys=BLOG_KEYS, description_max=160, rule="r").ok
    assert not blog_front_matter(_blog("첫 줄\n둘째 줄"), keys=BLOG_KEYS, description_max=160, rule="r").ok
    assert not blog_front_matter(_blog(slug="''"), keys=BLOG_KEYS, description_max=160, rule="r").ok
    assert not blog_front_matter(_blog(draft="'yes'"), keys=BLOG_KEYS, description_max=160, rule="r").ok
    missing = blog_front_matter("---\ntitle: x\n---\n", keys=BLOG_KEYS, description_max=160, rule="r")
    assert not missing.ok and "missing 'slug'" in missing.message


def test_caption_rules() -> None:
    assert hook("프로세스를 공유하면 팬이 생긴다.\n·\n본문", max=125, rule="r").ok
    assert not hook("가" * 126, max=125, rule="r").ok
    assert not hook("문장이 중간에 잘린…\n본문", max=125, rule="r").ok
    assert hashtags("#프로세스이코노미 #의미가치 #당도 #AI", rule="r").ok
    bad = hashtags("#프로세스이코노미는 #process/cafe #1", rule="r")
    assert not bad.ok
    assert "#프로세스이코노미는: ends with a particle" in bad.message and "#process/cafe" in bad.message
    assert particle_start("프로세스이코노미는") == len("프로세스이코노미")
    assert particle_start("당도") == 2  # a noun ending in 도 is not noun + particle


def test_carousel_rules() -> None:
    two = "## Slide 1: a\n\nx\n\nalt: 첫 장\n\n## Slide 2: b\n\ny\n\nalt: 둘째 장\n"
    assert slide_count(two, min=2, max=10, rule="r").ok
    assert not slide_count(two.split("## Slide 2")[0], min=2, max=10, rule="r").ok
    assert alt_text(two, max=1000, rule="r").ok
    assert not alt_text(two.replace("alt: 둘째 장", "alt: "), max=1000, rule="r").ok
    assert not alt_text(two.replace("alt: 둘째 장\n", ""), max=1000, rule="r").ok


def _png(size: tuple[int, int], fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "white").save(out, format=fmt)
    return out.getvalue()


def test_png_rule() -> None:
    assert png(_png((1080, 1350)), width=1080, height=1350, max_bytes=8_000_000, rule="r").ok
    assert not png(_png((1080, 1080)), width=1080, height=1350, max_bytes=8_000_000, rule="r").ok
    assert not png(_png((1080, 1350), "JPEG"), width=1080, height=1350, max_bytes=8_000_000, rule="r").ok
    assert not png(_png((1080, 1350)), width=1080, height=1350, max_bytes=100, rule="r").ok
    assert not png(b"not an image", width=1080, height=1350, max_bytes=100, rule="r").ok


EMAIL = """<html><head><title>{subject}</title>{meta}
<style>@media (max-width: 620px) {{ .c {{ padding: 0 }} }}</style></head>
<body><div id="preheader" style="{style}">{pre}</div>
<table role="presentation" width="{width}"><tr><td><p>본문</p>{img}
<p>보낸 사람: 보내는이 · 연락처: a@b.kr<br><a href="https://x.kr/u">수신거부</a></p></td></tr></table></body></html>"""


def _email(**kw: str) -> str:
    values = {
        "subject": "(광고) 제목",
        "meta": "",
        "style": "display:none",
        "pre": "가" * 90,
        "width": "600",
        "img": "",
    }
    return EMAIL.format(**{**values, **kw})


def test_email_rules() -> None:
    assert email_html(_email(), max_width=600, rule="r").ok
    assert not email_html(_email(width="700"), max_width=600, rule="r").ok
    assert not email_html(_email(img='<img src="https://x/y.png">'), max_width=600, rule="r").ok
    assert email_html(_email(img='<img src="https://x/y.png" alt="로고">'), max_width=600, rule="r").ok
    assert not email_html(_email(img="<script>x()</script>"), max_width=600, rule="r").ok
    assert not email_html(_email().replace("<style>", "<style>p { color: red } "), max_width=600, rule="r").ok
    assert preheader(_email(), min=85, max=100, rule="r").ok
    assert not preheader(_email(pre="가" * 50), min=85, max=100, rule="r").ok
    assert not preheader(_email(style="font-size:1px; color:#ffffff"), min=85, max=100, rule="r").ok
    assert not preheader(_email(style="display:none; font-size:0px"), min=85, max=100, rule="r").ok


def test_ad_law_rule_applies_only_to_commercial_mail() -> None:
    meta = '<meta name="osmu-commercial" content="true"><meta name="osmu-sender" content="보내는이">'
    meta += '<meta name="osmu-contact" content="a@b.kr">'
    assert ad_law(_email(subject="제목"), rule="r").message == "not commercial mail"
    assert ad_law(_email(meta=meta), rule="r").ok
    no_prefix = ad_law(_email(meta=meta, subject="광고 제목"), rule="r")
    assert not no_prefix.ok and "(광고)" in no_prefix.message
    for wrong in ("[광고] 제목", "(광 고) 제목", "제목 (광고)"):  # exactly `(광고)`, at the start
        assert not ad_law(_email(meta=meta, subject=wrong), rule="r").ok, wrong
    no_link = ad_law(_email(meta=meta).replace("수신거부", "구독 설정"), rule="r")
    assert not no_link.ok and "수신거부" in no_link.message
    assert not ad_law(_email(meta=meta).replace("a@b.kr<br>", "<br>"), rule="r").ok


DECK = "---\nmarp: true\n---\n\n# 표지\n\n<!--\n노트\n-->\n\n---\n\n## 제목\n\n- 하나\n- 둘\n\n<!--\n설명\n-->\n"


def test_marp_rules() -> None:
    assert lines_per_slide(DECK, max=6, rule="r").ok
    crowded = DECK.replace("- 둘\n", "- 둘\n- 셋\n- 넷\n- 다섯\n- 여섯\n")
    result = lines_per_slide(crowded, max=6, rule="r")
    assert not result.ok and "slide 2: 7 lines" in result.message
    assert speaker_notes(DECK, rule="r").ok
    assert not speaker_notes(DECK.replace("<!--\n설명\n-->\n", ""), rule="r").ok


def test_run_of_show_rule() -> None:
    guide = "---\ntotal_minutes: 60\n---\n\n| 시작 | 시간 |\n|---|---|\n| 0분 | 20분 | a |\n| 20분 | 40분 | b |\n"
    assert run_of_show(guide, rule="r").ok
    assert not run_of_show(guide.replace("40분 | b", "30분 | b"), rule="r").ok
    assert not run_of_show("---\ntotal_minutes: 60\n---\n", rule="r").ok


def test_lint_tree_reports_per_file_and_rule(tmp_path: Path) -> None:
    parsed, _, _, insights, _ = pipeline(EXAMPLE_VAULT, BOOK)
    result = render(EXAMPLE_VAULT, BOOK)
    write_outputs(result, parsed.note.source_hash, insights, (), tmp_path)
    report = lint_tree(tmp_path)
    assert len(report) == len(result.outputs)
    assert violations(report) == []
    caption = tmp_path / "프로세스-이코노미" / "instagram" / "post-01" / "caption.txt"
    caption.write_text(caption.read_text(encoding="utf-8") + "\n\n" + "#a " * 6, encoding="utf-8")
    found = violations(lint_tree(tmp_path))
    assert any(
        re.match(r"프로세스-이코노미/instagram/post-01/caption.txt: caption-max-hashtags: 11 hashtags", v)
        for v in found
    )
    assert any("caption-no-blank-lines" in v for v in found)
    with pytest.raises(FileNotFoundError, match=r"no manifest\.json"):
        lint_tree(tmp_path / "프로세스-이코노미" / "blog")


def test_a_check_with_an_unknown_rule_is_a_config_error(tmp_path: Path) -> None:
    from tasks.settings import ConfigError

    (tmp_path / "podcast").mkdir()
    (tmp_path / "podcast" / "channel.yaml").write_text(
        "name: podcast\noutputs: [{template: a.j2, path: a.txt}]\nchecks: [{rule: max-chars-typo, max: 3}]\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="unknown rule 'max-chars-typo'"):
        load_channel("podcast", tmp_path)


def test_osmu_lint_command(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from flows.cli import app

    parsed, _, _, insights, _ = pipeline(EXAMPLE_VAULT, BOOK)
    result = render(EXAMPLE_VAULT, BOOK)
    write_outputs(result, parsed.note.source_hash, insights, (), tmp_path)
    clean = CliRunner().invoke(app, ["lint", str(tmp_path)])
    assert clean.exit_code == 0, clean.output
    assert f"{len(result.outputs)} files" in clean.output and "0 violation(s)" in clean.output
    guide = next((tmp_path / "프로세스-이코노미" / "workshop").glob("*-guide.md"))
    longer = re.sub(
        r"^\| 0분 \| (\d+)분 \|",
        lambda m: f"| 0분 | {int(m[1]) + 10}분 |",
        guide.read_text(encoding="utf-8"),
        count=1,
        flags=re.M,
    )
    guide.write_text(longer, encoding="utf-8")
    dirty = CliRunner().invoke(app, ["lint", str(tmp_path)])
    assert dirty.exit_code == 1
    assert re.search(
        r"workshop/프로세스-이코노미-guide.md: guide-run-of-show-total: \d+ blocks, 100 of 90 minutes", dirty.output
    )
    other_font = tmp_path / "font.yaml"  # the user's channel options are the ones checked
    other_font.write_text("options: {workshop: {pptx_font: Nanum Gothic}}\n", encoding="utf-8")
    optioned = CliRunner().invoke(app, ["lint", str(tmp_path), "--config", str(other_font)])
    assert "pptx-notes-and-korean-font" in optioned.output and "pptx-notes-and-korean-font" not in dirty.output
    assert CliRunner().invoke(app, ["lint", str(tmp_path / "nothing")]).exit_code == 2


BAD_MANIFESTS = Path(__file__).parent / "fixtures" / "bad-manifests"
MANIFEST_PROBLEMS = {  # bad-manifest corpus file → what its one line says
    "not_json.json": "line 4: manifest.json is not valid JSON: Expecting ',' delimiter",
    "a_list.json": "line 1: manifest.json must be an object, not list",
    "path_outside.json": "outputs.0.path: 'blog/../../../etc/passwd' is not a file of its channel's folder",
    "no_path.json": "outputs.0: needs a 'channel' and a 'path' (strings)",
    "unknown_channel.json": "unknown channel 'podcast' in manifest.json",
    "not_utf8.json": "line 1: manifest.json is not UTF-8 text (byte 0)",
}


def test_osmu_lint_on_broken_manifests_prints_one_line_each(tmp_path: Path) -> None:
    """Finding 16 of #18: a broken manifest.json gave a full traceback; now one line per manifest,
    naming its line or key, and the good note next to it is still checked (real CLI process)."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    assert sorted(p.name for p in BAD_MANIFESTS.iterdir()) == sorted(MANIFEST_PROBLEMS)
    parsed, _, _, insights, _ = pipeline(EXAMPLE_VAULT, BOOK)
    write_outputs(render(EXAMPLE_VAULT, BOOK), parsed.note.source_hash, insights, (), tmp_path)
    for bad in BAD_MANIFESTS.iterdir():
        (tmp_path / bad.stem).mkdir()
        (tmp_path / bad.stem / "manifest.json").write_bytes(bad.read_bytes())
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PREFECT_HOME": str(tmp_path / "prefect"), "COLUMNS": "300"}
    proc = subprocess.run([sys.executable, "-m", "flows.cli", "lint", str(tmp_path)],
                          capture_output=True, text=True, env=env, timeout=300)  # fmt: skip
    text = proc.stdout + proc.stderr
    assert proc.returncode == 1, text
    assert "Traceback" not in text and 'File "' not in text, text
    lines = text.splitlines()
    for name, message in MANIFEST_PROBLEMS.items():
        mine = [line for line in lines if line.startswith(f"{Path(name).stem}/")]
        assert len(mine) == 1 and mine[0].endswith(message), (name, mine)
    assert re.search(r"^\d+ files, \d+ checks, 6 violation\(s\)$", lines[-1]), lines[-1]
