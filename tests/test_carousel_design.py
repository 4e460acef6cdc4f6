"""Carousel slides are designed, not filled: measured on the pixels of real renders (Noto CJK)."""

from __future__ import annotations

import io
import itertools

import pytest
from PIL import Image, ImageChops, ImageStat

from tasks.builders.carousel import (
    HEIGHT,
    THEMES,
    WIDTH,
    FontFace,
    Slide,
    _fitted,
    balanced,
    find_font,
    load,
    render_slide,
)

FOOTER = "프로세스 이코노미"
SHORT = "가치는 과정에서 나온다."
LONG = "'무엇'과 '어떻게'는 측정할 수 있지만 '왜'는 그 사람만의 삶의 방식이다. " * 8
POINTS = ("1. 인터넷, 유튜브에 정보가 넘처난다", "2. 입소문이 퍼지는 속도가 빨라졌다", "3. 상품 간의 격차가 사라진다")


@pytest.fixture(scope="module")
def face() -> FontFace:
    return find_font()


def _image(slide: Slide, face: FontFace) -> Image.Image:
    return Image.open(io.BytesIO(render_slide(slide, face))).convert("RGB")


def _ink(slide: Slide, face: FontFace) -> Image.Image:
    """What the slide's text adds to the same slide without text (header, footer and bar cancel out), as a mask."""
    blank = _image(Slide("", "", slide.number, slide.total, slide.footer, role=slide.role), face)
    return ImageChops.difference(blank, _image(slide, face)).convert("L").point(lambda v: 255 if v > 40 else 0)


def _rows(mask: Image.Image) -> list[tuple[int, int]]:
    """Runs of rows holding ink, (first row, last row), one per line of text: a gap of a few rows inside a
    line (between the parts of 둘) is not a line break."""
    width = mask.width
    data = mask.tobytes()
    inked = [any(data[y * width : (y + 1) * width]) for y in range(mask.height)]
    runs: list[tuple[int, int]] = []
    for y, on in enumerate(inked):
        if on and runs and runs[-1][1] >= y - 6:
            runs[-1] = (runs[-1][0], y)
        elif on:
            runs.append((y, y))
    return runs


def _corner(slide: Slide, face: FontFace) -> tuple[float, ...]:
    return tuple(ImageStat.Stat(_image(slide, face).crop((WIDTH - 60, HEIGHT - 60, WIDTH, HEIGHT))).mean)


def test_a_short_idea_is_set_larger_than_a_long_one(face: FontFace) -> None:
    short_rows = _rows(_ink(Slide("", SHORT, 2, 7, FOOTER), face))
    long_rows = _rows(_ink(Slide("", LONG, 2, 7, FOOTER), face))
    tallest = max(b - a + 1 for a, b in short_rows)
    assert len(short_rows) <= 2 < len(long_rows)
    assert tallest > 1.25 * max(b - a + 1 for a, b in long_rows)
    assert tallest >= 50  # 64 px type: Hangul ink ~0.9 em


@pytest.mark.parametrize("body", [SHORT, LONG, ""])
@pytest.mark.parametrize("role", ["cover", "idea", "cta"])
def test_the_text_block_sits_in_the_middle(face: FontFace, role: str, body: str) -> None:
    box = _ink(Slide("왜 격차가 사라졌나", body, 3, 7, FOOTER, role=role), face).getbbox()
    assert box is not None
    centre = (box[1] + box[3]) / 2
    assert 0.4 * HEIGHT <= centre <= 0.56 * HEIGHT, (role, box)
    if body == SHORT:  # a short block leaves room above and below it, not the lower half empty
        assert box[1] > 0.25 * HEIGHT and box[3] < 0.75 * HEIGHT


def test_cover_and_closing_slides_look_different_from_ideas(face: FontFace) -> None:
    idea = _corner(Slide("아웃풋의 시대는 끝났다", SHORT, 2, 7, FOOTER), face)
    cover = _corner(
        Slide("사람들은 '무엇'이 아니라 '왜'에 지갑을 연다", "『프로세스 이코노미』 읽기", 1, 7, role="cover"), face
    )
    cta = _corner(Slide("당신의 '왜'는 무엇인가요?", "저장해 두고, 다시 꺼내 보세요.", 7, 7, role="cta"), face)

    def far(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
        return sum(abs(x - y) for x, y in zip(a, b, strict=True)) > 150

    assert far(cover, idea) and far(cta, idea) and far(cover, cta)
    assert sum(cover) < sum(idea) / 2  # the cover is dark


def test_an_unknown_role_is_an_idea(face: FontFace) -> None:
    assert render_slide(Slide("제목", SHORT, 2, 7, role="quote"), face) == render_slide(
        Slide("제목", SHORT, 2, 7), face
    )


def test_each_point_starts_its_own_line(face: FontFace) -> None:
    mask = _ink(Slide("", "", 3, 7, FOOTER, points=POINTS), face)
    rows = _rows(mask)
    assert len(rows) >= 3
    # Each item's first line starts at the left edge with its number; a wrapped line is indented under the text.
    starts = [y for y, last in rows if mask.crop((0, y, 96 + 24, last + 1)).getbbox() is not None]
    assert len(starts) == 3
    both = _rows(_ink(Slide("왜 격차가 사라졌나", "두 가지 이유.", 3, 7, FOOTER, points=POINTS[:2]), face))
    assert len(both) >= 4  # title, body, and each point on a line of its own


def test_a_point_keeps_its_number_and_a_plain_point_gets_a_bullet(face: FontFace) -> None:
    plain = render_slide(Slide("", "", 3, 7, points=("하나", "둘")), face)
    assert render_slide(Slide("", "", 3, 7, points=("- 하나", "• 둘")), face) == plain  # one bullet, not two
    numbered = _ink(Slide("", "", 3, 7, points=("1. 하나", "2. 둘")), face)
    bullets = _ink(Slide("", "", 3, 7, points=("하나", "둘")), face)
    assert numbered.tobytes() != bullets.tobytes()
    assert len(_rows(numbered)) == len(_rows(bullets)) == 2


@pytest.mark.parametrize("role", ["cover", "idea", "cta"])
def test_text_never_overflows_the_canvas(face: FontFace, role: str) -> None:
    body = ("프로세스를 공유하면 적은 숫자라도 충성도 높은 팬을 확보할 수 있다. " * 12)[:400]
    for slide in (
        Slide("아주 긴 제목이 여기 있다 " * 3, body, 4, 7, role=role),
        Slide("제목", body * 3, 4, 7, role=role, points=POINTS * 3),
        Slide("", "띄어쓰기없는아주긴한글낱말" * 8, 4, 7, role=role),
    ):
        box = _ink(slide, face).getbbox()
        assert box is not None
        margin = 64
        assert box[0] >= margin and box[1] >= margin and box[2] <= WIDTH - margin and box[3] <= HEIGHT - margin
        assert box[1] >= 150 and box[3] <= HEIGHT - 150  # clear of the page number and the footer


def test_a_body_too_long_for_the_smallest_size_ends_with_an_ellipsis(face: FontFace) -> None:
    slide = Slide("제목", "낱말 " * 2000, 4, 7)
    pieces = _fitted(slide, face, find_font(), THEMES["idea"])
    texts = [p.text for p in pieces if p.kind == "text"]
    assert texts[0] == "제목" and texts[-1].endswith("…")
    assert {p.size for p in pieces if p.fill == "lead"} == {THEMES["idea"].sizes[-1]}
    box = _ink(slide, face).getbbox()
    assert box is not None and box[3] <= HEIGHT - 150


def test_same_slide_same_bytes_and_valid_png(face: FontFace) -> None:
    for role in ("cover", "idea", "cta"):
        slide = Slide("왜 격차가 사라졌나", LONG, 3, 7, FOOTER, role=role, points=POINTS)
        first, again = render_slide(slide, face), render_slide(slide, face)
        assert first == again and len(first) < 8_000_000
        with Image.open(io.BytesIO(first)) as img:
            assert img.format == "PNG" and img.size == (1080, 1350)


def test_balanced_lines_leave_no_orphan_word(face: FontFace) -> None:
    font = load(face, 88)
    hook = "사람들은 '무엇'이 아니라 '왜'에 지갑을 연다"
    lines = balanced(hook, font, WIDTH - 2 * 96)
    assert " ".join(lines) == hook and len(lines) == 3
    widths = [font.getlength(line) for line in lines]
    assert min(widths) > 0.6 * max(widths)


class _MeasuredFont:
    """A real font that counts the characters it measures and stops past a budget (so the old
    per-character wrap fails at once instead of running for minutes)."""

    def __init__(self, font: object, budget: int) -> None:
        self.font, self.budget, self.measured = font, budget, 0

    def getlength(self, text: str) -> float:
        self.measured += len(text)
        if self.measured > self.budget:
            raise AssertionError(f"wrap measured more than {self.budget} characters")
        return float(self.font.getlength(text))  # type: ignore[attr-defined]


def test_wrap_breaks_a_2000_character_word_in_near_linear_work(face: FontFace) -> None:
    """Finding 14 of #18: a 2,000-character title without spaces spent ~8 min in `wrap` (a measurement
    per prefix). Now the work is near-linear (measured characters, not time), and every line is the
    longest piece that fits."""
    from tasks.builders.carousel import wrap

    real = load(face, 64)
    word = ("가나다라마바사아자차카타파하" * 200)[:2000]
    width = 900
    counted = _MeasuredFont(real, budget=40 * len(word))
    lines = wrap(word, counted, width)  # type: ignore[arg-type]
    assert "".join(lines) == word and len(lines) > 50
    for line, following in itertools.pairwise(lines):
        assert real.getlength(line) <= width < real.getlength(line + following[0])
    assert real.getlength(lines[-1]) <= width
    mixed = _MeasuredFont(real, budget=40 * 4000)  # words and one unbreakable run mixed
    text = "짧은 말 " * 200 + "x" * 2000
    assert "".join(wrap(text, mixed, width)).replace(" ", "") == text.replace(" ", "")  # type: ignore[arg-type]
