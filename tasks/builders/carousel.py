"""Carousel slides as PNG images (Pillow), with a Korean font and no tofu boxes.

The font is, in order: the one set in config (`font:`), the system Noto Sans CJK KR
(Debian `fonts-noto-cjk`, face index 1 of the TTC), or Noto Sans KR from the
`pylopdf-fonts-ko` wheel. Without any, rendering stops with `FontNotFound` rather than
drawing boxes. Characters the font cannot draw (emoji, rare symbols) are dropped, and
lines break only at spaces, so a Hangul word is never split unless it alone is wider
than the slide.
"""

from __future__ import annotations

import io
import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import PIL
from PIL import Image, ImageDraw, ImageFont

from tasks.cache import keep, key_of, recall

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WIDTH, HEIGHT = 1080, 1350
MARGIN = 96
BACKGROUND, INK, ACCENT, MUTED = "#FAF7F2", "#1F2937", "#B4602B", "#6B7280"
SYSTEM_FONTS = (
    (Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"), 1),
    (Path("/usr/share/fonts/opentype/noto-cjk/NotoSansCJK-Regular.ttc"), 1),
    (Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf"), 0),
)
# Emoji and pictographs are never in a CJK text font: drop them before measuring.
EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d\U000e0000-\U000e007f]")


class FontNotFound(RuntimeError):
    """No font able to draw Hangul was found."""


@dataclass(frozen=True, slots=True)
class FontFace:
    """A font file and the face inside it."""

    path: Path
    """TTF, OTF or TTC file."""
    index: int = 0
    """Face index in a collection (Noto Sans CJK: 1 = KR)."""


def _bold_of(face: FontFace) -> FontFace | None:
    bold = Path(str(face.path).replace("Regular", "Bold"))
    return FontFace(bold, face.index) if bold != face.path and bold.is_file() else None


def find_font(configured: Path | None = None, index: int = 0) -> FontFace:
    """The Korean font to draw with (see the module docstring for the order)."""
    if configured is not None:
        if not configured.is_file():
            raise FontNotFound(f"font: {configured} does not exist (set `font:` in config to a TTF/OTF/TTC file)")
        candidates = [FontFace(configured, index)]
    else:
        candidates = [FontFace(p, i) for p, i in SYSTEM_FONTS if p.is_file()]
        packaged = resources.files("pylopdf_fonts_ko").joinpath("NotoSansKR-Regular.otf")
        if packaged.is_file():
            candidates.append(FontFace(Path(str(packaged)), 0))
    for face in candidates:
        if _draws_hangul(face):
            return face
    raise FontNotFound(
        "no Korean font found: install fonts-noto-cjk (apt) or pylopdf-fonts-ko (pip), "
        "or set `font:` in config to a TTF/OTF/TTC file with Hangul"
    )


@lru_cache(maxsize=64)
def load(face: FontFace, size: int) -> ImageFont.FreeTypeFont:
    """A loaded font at `size` pixels (cached: loading a TTC face costs ~4 ms)."""
    return ImageFont.truetype(str(face.path), size, index=face.index)


@lru_cache(maxsize=4096)
def _has_glyph(face: FontFace, char: str) -> bool:
    """False when the font would draw its 'missing glyph' box for `char`."""
    return char.isspace() or _glyph_pixels(face, char) != _glyph_pixels(face, "\U0010fffd")


@lru_cache(maxsize=4096)
def _glyph_pixels(face: FontFace, char: str) -> bytes:
    img = Image.new("L", (64, 64))
    ImageDraw.Draw(img).text((8, 8), char, font=load(face, 32), fill=255)
    return img.tobytes()


def _draws_hangul(face: FontFace) -> bool:
    try:
        return all(_has_glyph(face, c) for c in "가힣한글")
    except OSError:
        return False


def drawable(text: str, face: FontFace) -> str:
    """`text` on one line, without emoji and characters the font lacks."""
    kept = "".join(c for c in EMOJI.sub("", text) if _has_glyph(face, c))
    return re.sub(r"\s+", " ", kept).strip()


def wrap(text: str, font: ImageFont.FreeTypeFont, max_width: int) -> list[str]:
    """Lines no wider than `max_width`, broken at spaces (CSS `word-break: keep-all`)."""
    lines: list[str] = []
    for para in text.split("\n"):
        current = ""
        for word in para.split():
            candidate = f"{current} {word}" if current else word
            if font.getlength(candidate) <= max_width:
                current = candidate
                continue
            if current:
                lines.append(current)
            while font.getlength(word) > max_width:  # a single word wider than the slide
                cut = max(1, max(i for i in range(1, len(word) + 1) if font.getlength(word[:i]) <= max_width))
                lines.append(word[:cut])
                word = word[cut:]
            current = word
        lines.append(current)
    return [ln for ln in lines if ln] or [""]


def _fit(text: str, face: FontFace, sizes: tuple[int, ...], width: int, max_lines: int) -> tuple[int, list[str]]:
    """The largest size at which `text` fits in `max_lines` lines."""
    for size in sizes:
        lines = wrap(text, load(face, size), width)
        if len(lines) <= max_lines:
            return size, lines
    size = sizes[-1]
    lines = wrap(text, load(face, size), width)[:max_lines]
    lines[-1] = lines[-1].rstrip() + "…"
    return size, lines


@dataclass(frozen=True, slots=True)
class Slide:
    """What one carousel image shows."""

    title: str
    """Heading (bold)."""
    body: str
    """Main text."""
    number: int
    """1-based position in the carousel."""
    total: int
    """Slides in the carousel."""
    footer: str = ""
    """Small text at the bottom (the note title)."""


SLIDES_KEPT = 1024
"""Slide images kept in the user's cache (~40-120 KB each)."""


def _font_file(face: FontFace) -> list[object]:
    stat = face.path.stat()
    return [str(face.path), face.index, stat.st_size, stat.st_mtime_ns]


def slide_image(slide: Slide, face: FontFace) -> bytes:
    """`render_slide`, remembered in the user's cache (tasks/cache.py) under the slide's text, its
    fonts and Pillow's version: an edited note changes a slide or two, and each costs ~25 ms."""
    bold = _bold_of(face) or face
    key = key_of("slide", PIL.__version__, _font_file(face), _font_file(bold), asdict(slide))
    found = recall("slides", key)
    if found is not None and found.startswith(PNG_SIGNATURE):
        return found
    image = render_slide(slide, face, bold)
    keep("slides", key, image, SLIDES_KEPT)
    return image


def render_slide(slide: Slide, face: FontFace, bold: FontFace | None = None) -> bytes:
    """One 1080×1350 PNG."""
    bold = bold or _bold_of(face) or face
    faux_bold = 0 if bold != face else 1  # no bold face: thicken strokes instead
    img = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(img)
    inner = WIDTH - 2 * MARGIN
    draw.rectangle((0, 0, WIDTH, 16), fill=ACCENT)
    draw.text((MARGIN, 72), f"{slide.number} / {slide.total}", font=load(face, 30), fill=MUTED)
    cover = slide.number == 1
    size, title_lines = _fit(drawable(slide.title, face), bold, (84, 72, 64, 56) if cover else (64, 56, 48), inner, 4)
    y = 170
    for line in title_lines:
        draw.text((MARGIN, y), line, font=load(bold, size), fill=INK, stroke_width=faux_bold, stroke_fill=INK)
        y += int(size * 1.4)
    y += 24
    draw.rectangle((MARGIN, y, MARGIN + 120, y + 6), fill=ACCENT)
    y += 56
    body_lines_max = max(1, (HEIGHT - 200 - y) // int(40 * 1.6))
    size, body_lines = _fit(drawable(slide.body, face), face, (48, 44, 40), inner, body_lines_max)
    for line in body_lines:
        draw.text((MARGIN, y), line, font=load(face, size), fill=INK)
        y += int(size * 1.6)
    footer = _fit(drawable(slide.footer, face), face, (28,), inner, 1)[1][0] if slide.footer else ""
    draw.text((MARGIN, HEIGHT - 110), footer, font=load(face, 28), fill=MUTED)
    out = io.BytesIO()
    img.save(out, format="PNG", compress_level=6)
    return out.getvalue()
