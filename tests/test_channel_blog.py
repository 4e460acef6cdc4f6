"""Blog: static-site front matter per flavor, Hangul slugs, reading time, and the Naver Blog HTML."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tasks.builders.sanitize import sanitize_body
from tasks.channels.blog import reading_minutes
from tests.chromium import chromium, screenshot
from tests.conftest import BOOK, EXAMPLE_VAULT
from tests.helpers import pipeline, render, rendered

CHANNEL_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "channels"


def _blog(flavor: str, note: str = BOOK, vault: Path = EXAMPLE_VAULT) -> dict[str, str]:
    parsed, note_roots, index, insights, settings = pipeline(vault, note)
    settings = settings.model_copy(update={"options": {"blog": {"flavor": flavor}}})
    outputs = rendered(parsed, insights, note_roots, index, settings, ("blog",)).outputs
    assert all(r.ok for o in outputs for r in o.lint), [(o.path, r) for o in outputs for r in o.lint if not r.ok]
    return {o.path.split(".", 1)[1]: o.content.decode() for o in outputs}


def _front(markdown: str) -> dict[str, object]:
    match = re.match(r"\A---\n(.*?)\n---\n", markdown, re.DOTALL)
    assert match is not None
    data = yaml.safe_load(match.group(1))
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize(
    ("flavor", "extra", "osmu_at"),
    [("hugo", set(), ("params", "osmu")), ("jekyll", {"last_modified_at", "published"}, ("osmu",)),
     ("astro", {"pubDate", "updatedDate"}, ("osmu",))],
)  # fmt: skip
def test_front_matter_follows_the_flavor(flavor: str, extra: set[str], osmu_at: tuple[str, ...]) -> None:
    front = _front(_blog(flavor)["md"])
    assert {"title", "date", "lastmod", "draft", "tags", "slug", "description"} | extra <= set(front)
    assert front["draft"] is True and front["slug"] == "프로세스-이코노미" and front["date"] == "2025-10-10"
    description = str(front["description"])
    assert 0 < len(description) <= 160 and "\n" not in description
    header: object = front
    for key in osmu_at:
        assert isinstance(header, dict)
        header = header[key]
    assert isinstance(header, dict) and header["source"] == BOOK and header["root_concepts"]


def test_reading_time_counts_hangul_syllables() -> None:
    assert reading_minutes("가" * 500, 500, 220) == 1
    assert reading_minutes("가" * 501, 500, 220) == 2
    assert reading_minutes("가나다 " * 400, 500, 220) == 3  # 1,200 syllables, not 400 "words"
    assert reading_minutes("word " * 440, 500, 220) == 2


def test_slug_keeps_hangul_and_is_never_empty() -> None:
    front = _front(_blog("hugo", "emoji-heavy.md", CHANNEL_FIXTURES)["md"])
    assert front["slug"] == "카페-창업-일지-3주차"
    long = _front(_blog("hugo", "long-everything.md", CHANNEL_FIXTURES)["md"])
    assert 0 < len(str(long["slug"])) <= 80 and len(str(long["description"])) <= 160


def test_obsidian_syntax_is_converted_and_private_embeds_never_leak() -> None:
    for note in ("embeds-private.md", "english-essay.md"):
        for text in _blog("hugo", note, CHANNEL_FIXTURES).values():
            assert "[[" not in text and "%%" not in text and "[!tip]" not in text and "==archive==" not in text
            assert "SECRET" not in text


def test_naver_html_is_sanitised_standalone_html() -> None:
    html = _blog("hugo")["naver.html"]
    assert html.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in html
    assert "<!-- osmu source=" in html  # header kept in <head>
    body = html.split("<body", 1)[1]
    assert "<style" not in body and "class=" in body and 'style="' in body  # CSS inlined for pasting
    assert "<h1" in body and "<blockquote" in body


def test_sanitiser_removes_active_content_but_keeps_head() -> None:
    dirty = (
        '<html><head><title>t</title><!-- osmu --></head><body><p onclick="x()" style="color:red">글</p>'
        '<script>alert(1)</script><a href="javascript:alert(1)">링크</a><iframe src="https://x"></iframe>'
        '<img src="https://x/a.png" onerror="alert(1)" alt="그림"><!-- 메모 --></body></html>'
    )
    clean = sanitize_body(dirty)
    assert clean.startswith("<html><head><title>t</title><!-- osmu --></head>")
    body = clean.split("<body>", 1)[1]
    for bad in ("onclick", "<script", "javascript:", "<iframe", "onerror", "메모"):
        assert bad not in body
    assert '<p style="color:red">글</p>' in body and 'alt="그림"' in body


def test_chromium_renders_the_naver_html(tmp_path: Path) -> None:
    page = tmp_path / "post.html"
    page.write_text(_blog("hugo")["naver.html"], encoding="utf-8")
    dom = chromium(page, tmp_path, "--dump-dom")
    assert "프로세스 이코노미" in dom and re.search(r"<h2[^>]*>마치며</h2>", dom) and "<blockquote" in dom
    from PIL import Image

    shot = Image.open(screenshot(page, tmp_path, 1000, 800)).convert("L")
    dark = sum(shot.histogram()[:128])
    assert dark > 5000  # text is drawn


def test_book_outputs_all_pass_the_blog_rules() -> None:
    result = render(EXAMPLE_VAULT, BOOK, ("blog",))
    assert {o.path for o in result.outputs} == {"blog/프로세스-이코노미.md", "blog/프로세스-이코노미.naver.html"}
