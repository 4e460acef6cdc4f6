"""Instagram: captions with whole hooks, 2–10 slides, PNGs 1080×1350 in a Korean font, no tofu."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from tasks.builders.carousel import (
    HEIGHT,
    WIDTH,
    FontNotFound,
    Slide,
    _has_glyph,
    drawable,
    find_font,
    load,
    render_slide,
    wrap,
)
from tasks.model import RenderResult
from tasks.project import ConfigError
from tests.conftest import BOOK, EXAMPLE_VAULT
from tests.helpers import render

CHANNEL_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "channels"


@pytest.fixture(scope="module")
def book() -> RenderResult:
    return render(EXAMPLE_VAULT, BOOK, ("instagram",))


def _posts(result: RenderResult) -> dict[str, dict[str, bytes]]:
    posts: dict[str, dict[str, bytes]] = {}
    for o in result.outputs:
        _, post, name = o.path.split("/")
        posts.setdefault(post, {})[name] = o.content
    return posts


def test_one_carousel_per_note_with_cover_ideas_and_call_to_action(book: RenderResult) -> None:
    posts = _posts(book)
    assert list(posts) == ["post-01"]  # one carousel per note by default (options.series)
    for post, files in posts.items():
        pngs = sorted(n for n in files if n.endswith(".png"))
        assert 5 <= len(pngs) <= 10, post
        roles = re.findall(r"^## Slide \d+ \((\w+)\)", files["carousel.md"].decode(), re.M)
        assert roles[0] == "cover" and roles[-1] == "cta" and set(roles[1:-1]) == {"idea"}
        assert 4 <= roles.count("idea") <= 8
        carousel = files["carousel.md"].decode()
        assert carousel.count("\n## Slide ") == len(pngs)
        assert carousel.count("\nalt: ") == len(pngs)
        for name in pngs:
            with Image.open(io.BytesIO(files[name])) as img:
                assert img.format == "PNG" and img.size == (1080, 1350)
            assert len(files[name]) < 8_000_000


def test_captions_fit_and_open_with_a_whole_hook(book: RenderResult) -> None:
    for files in _posts(book).values():
        caption = files["caption.txt"].decode()
        first = caption.split("\n", 1)[0]
        assert len(caption) <= 2200 and 0 < len(first) <= 125 and not first.endswith("…")
        assert "\n\n" not in caption  # Instagram collapses blank lines: separators keep paragraphs
        tags = caption.strip().splitlines()[-1].split()
        assert 1 <= len(tags) <= 5 and all(t.startswith("#") and len(t) > 1 for t in tags)
        assert "#프로세스이코노미는" not in caption


def test_slides_are_reproducible() -> None:
    first, again = (render(CHANNEL_FIXTURES, "english-essay.md", ("instagram",)) for _ in range(2))
    assert any(o.path.endswith(".png") for o in first.outputs)
    assert [o.content for o in again.outputs] == [o.content for o in first.outputs]


def test_font_draws_hangul_and_reports_missing_glyphs() -> None:
    face = find_font()
    assert all(_has_glyph(face, c) for c in "가나다한글ABC123")
    assert not _has_glyph(face, "\U0001f333")  # 🌳 would be a box
    assert drawable("🌳 관련 Root ☕️ 개념 ✨", face) == "관련 Root 개념"


def test_emoji_are_dropped_not_drawn_as_boxes() -> None:
    face = find_font()
    with_emoji = render_slide(Slide("🌳 프로세스 공유 ✨", "과정을 🎉 공유한다", 2, 5, "노트"), face)
    without = render_slide(Slide("프로세스 공유", "과정을 공유한다", 2, 5, "노트"), face)
    assert with_emoji == without


def test_korean_text_is_visibly_drawn() -> None:
    face = find_font()
    blank = Image.open(io.BytesIO(render_slide(Slide("", "", 1, 2), face))).convert("RGB")
    drawn = Image.open(io.BytesIO(render_slide(Slide("한글 제목", "한글 본문이 보입니다", 1, 2), face))).convert("RGB")
    box = ImageChops.difference(blank, drawn).getbbox()
    assert box is not None and box[1] >= 150 and box[3] < HEIGHT - 150 and box[2] <= WIDTH


def test_wrap_never_splits_a_hangul_word() -> None:
    font = load(find_font(), 48)
    text = "프로세스를 공유하면 적은 숫자라도 충성도 높은 팬을 확보할 수 있다는 것이 이 책의 핵심 주장이다"
    lines = wrap(text, font, 500)
    assert len(lines) > 1 and " ".join(lines) == text
    assert all(font.getlength(line) <= 500 for line in lines)
    long_word = "띄어쓰기없는아주긴한글낱말" * 4
    assert "".join(wrap(long_word, font, 500)) == long_word  # only a word wider than the slide is cut


def test_missing_font_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FontNotFound, match="does not exist"):
        find_font(tmp_path / "nope.ttf")
    not_a_font = tmp_path / "fake.ttf"
    not_a_font.write_bytes(b"not a font")
    with pytest.raises(FontNotFound, match="no Korean font found"):
        find_font(not_a_font)


def test_configured_font_is_used() -> None:
    from importlib import resources

    otf = Path(str(resources.files("pylopdf_fonts_ko").joinpath("NotoSansKR-Regular.otf")))
    face = find_font(otf)
    assert face.path == otf and load(face, 20).getname()[0] == "Noto Sans KR"
    assert render_slide(Slide("한글", "본문", 1, 2), face) != render_slide(Slide("한글", "본문", 1, 2), find_font())


def test_emoji_heavy_note_gives_plain_hashtags_and_clean_slides() -> None:
    result = render(CHANNEL_FIXTURES, "emoji-heavy.md", ("instagram",))
    assert all(r.ok for o in result.outputs for r in o.lint), [
        (o.path, r) for o in result.outputs for r in o.lint if not r.ok
    ]
    caption = next(o for o in result.outputs if o.path.endswith("caption.txt")).content.decode()
    assert "#process/cafe-pairing" not in caption and "☕" not in caption.split("\n")[-2]


def test_a_huge_note_gives_one_carousel_or_a_short_series(tmp_path: Path) -> None:
    sections = "\n".join(f"## 섹션 {i}\n\n섹션 {i}에서 배운 것은 작게 시작하는 용기다.\n" for i in range(30))
    (tmp_path / "many.md").write_text(f"---\ntitle: 많은 섹션\ndate: 2025-01-01\n---\n\n{sections}", encoding="utf-8")
    result = render(tmp_path, "many.md", ("instagram",))
    assert {o.path.split("/")[1] for o in result.outputs} == {"post-01"}
    assert all(r.ok for o in result.outputs for r in o.lint)
    series = render(tmp_path, "many.md", ("instagram",), options={"instagram": {"series": 3}})
    assert {o.path.split("/")[1] for o in series.outputs} == {"post-01", "post-02", "post-03"}
    with pytest.raises(ConfigError, match="series"):
        render(tmp_path, "many.md", ("instagram",), options={"instagram": {"series": 4}})
