"""Carousel slides as PNG images (Pillow), with a Korean font and no tofu boxes.

The font is, in order: the one set in config (`font:`), the system Noto Sans CJK KR
(Debian `fonts-noto-cjk`, face index 1 of the TTC), or Noto Sans KR from the
`pylopdf-fonts-ko` wheel. Without any, rendering stops with `FontNotFound` rather than
drawing boxes. Characters the font cannot draw (emoji, rare symbols) are dropped, and
lines break only at spaces, so a Hangul word is never split unless it alone is wider
than the slide.

Slides are designed, not filled (spec/editorial.md, Instagram): each role has its look (`THEMES`:
a dark cover with the hook in large type, light idea slides with a small accent title over the idea,
an accent-coloured closing slide, centred, under a save icon); the main text takes the largest size of
its role's range at which the whole block fits, lines are balanced (no orphan word), list items start
lines of their own with their number or a bullet, and the block sits at the optical centre of the
area between the page number and the footer.
"""

from __future__ import annotations

import io
import math
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
            while (cut := fitting_prefix(word, font, max_width)) < len(word):  # a word wider than the slide
                lines.append(word[:cut])
                word = word[cut:]
            current = word
        lines.append(current)
    return [ln for ln in lines if ln] or [""]


def fitting_prefix(word: str, font: ImageFont.FreeTypeFont, max_width: int) -> int:
    """Length of the longest prefix of `word` no wider than `max_width` (at least 1 character).

    A galloping, then binary, search: a prefix is measured only a few times, and never much
    longer than a line, so breaking a 2,000-character word costs about as much as drawing it
    (measuring every prefix took minutes).
    """
    fits, probe = 0, 1
    while True:
        probe = min(probe, len(word))
        if font.getlength(word[:probe]) > max_width:
            break
        fits = probe
        if probe == len(word):
            return fits
        probe *= 2
    too_wide = probe
    while too_wide - fits > 1:
        mid = (fits + too_wide) // 2
        if font.getlength(word[:mid]) <= max_width:
            fits = mid
        else:
            too_wide = mid
    return max(fits, 1)


def balanced(text: str, font: ImageFont.FreeTypeFont, max_width: int) -> list[str]:
    """`wrap` into as few lines, as even as they go: the narrowest width giving no more lines (no orphan word)."""
    lines = wrap(text, font, max_width)
    widest_word = max((font.getlength(w) for w in text.split()), default=0.0)
    if len(lines) < 2 or widest_word > max_width:
        return lines
    low, high = max(max_width // 2, math.ceil(widest_word)), max_width
    while low < high:
        mid = (low + high) // 2
        if len(wrap(text, font, mid)) <= len(lines):
            high = mid
        else:
            low = mid + 1
    return wrap(text, font, low)


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
    """Heading: the hook of a cover, the small accent line above an idea, the call to action of a closing slide."""
    body: str
    """Main text (its line breaks are kept): a cover's subtitle, the idea itself, a closing slide's second line."""
    number: int
    """1-based position in the carousel."""
    total: int
    """Slides in the carousel."""
    footer: str = ""
    """Small text at the bottom (the note title)."""
    role: str = "idea"
    """`cover` (dark, the hook in large type), `idea` (light, one idea) or `cta` (accent colour, the call to
    action, centred); any other value is drawn as an idea."""
    points: tuple[str, ...] = ()
    """List items under the body, each from a line of its own with its number ("1.", "2)") or a bullet."""


@dataclass(frozen=True, slots=True)
class Theme:
    """How the slides of one role look."""

    background: str
    """Canvas colour."""
    lead: str
    """Colour of the main text."""
    second: str
    """Colour of the secondary text (a cover's subtitle, a closing slide's second line, an idea's title)."""
    accent: str
    """Colour of rules, list markers and icons."""
    muted: str
    """Colour of the page number and the footer."""
    sizes: tuple[int, ...]
    """Sizes (px) tried for the main text, largest first: the largest at which the block fits is used."""
    centred: bool = False
    """Lines centred instead of left-aligned."""


THEMES = {
    "cover": Theme("#1F2937", "#FAF7F2", "#F2C6A4", "#E08A4F", "#A3ACB9", tuple(range(88, 47, -2))),
    "idea": Theme("#FAF7F2", "#1F2937", "#A4521F", "#B4602B", "#6B7280", tuple(range(72, 33, -2))),
    "cta": Theme("#9C4A1E", "#FFFFFF", "#FCE7D8", "#FAF7F2", "#F3CDB3", tuple(range(80, 43, -2)), centred=True),
}


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


TEXT_TOP, TEXT_BOTTOM = 170, HEIGHT - 170
"""The text block's area: below the page number, above the footer."""
LIFT = 24
"""The block sits this much above the area's centre (the optical centre)."""
INNER = WIDTH - 2 * MARGIN
MARKER = re.compile(r"^\s*(?:(\d{1,2}[.)])|([\u2460-\u2473])|[-*\u2022\u00b7\u25aa\u25e6])\s*")
"""A list item's own number ("1.", "2)", "①") or bullet, at its start."""


@dataclass(frozen=True, slots=True)
class Piece:
    """One thing drawn in a slide's text block."""

    kind: str
    """`text`, `dot` (a bullet), `rule` (an accent bar) or `bookmark` (the save icon)."""
    x: int
    """Left edge, from the text box's left."""
    y: int
    """Baseline of a text, top of a shape, from the block's top."""
    text: str = ""
    """What a `text` piece says."""
    face: FontFace | None = None
    """Font of a `text` piece."""
    size: int = 0
    """Font size (px) of a `text` piece; width and height of a shape."""
    fill: str = ""
    """Colour, by its part in the theme: `lead`, `second` or `accent`."""
    height: int = 0
    """Height of a shape."""

    def top(self) -> int:
        """Top of the ink."""
        if self.kind != "text" or self.face is None:
            return self.y
        return self.y + int(load(self.face, self.size).getbbox(self.text, anchor="ls")[1])

    def bottom(self) -> int:
        """Bottom of the ink."""
        if self.kind != "text" or self.face is None:
            return self.y + self.height
        return self.y + int(load(self.face, self.size).getbbox(self.text, anchor="ls")[3])


class _Block:
    """The pieces of a text block laid out from the top, one line under the other."""

    def __init__(self, centred: bool, bold: FontFace, balance: bool) -> None:
        self.centred = centred
        self.balance = balance  # even lines (the same count, so the same height: only for the drawn layout)
        self.bold = bold  # of list numbers
        self.pieces: list[Piece] = []
        self.cursor = 0  # top of the next line box
        self.bottom = 0  # bottom of the lowest line box

    def gap(self, pixels: float) -> None:
        if self.pieces:
            self.cursor += round(pixels)

    def lines(self, text: str, face: FontFace, size: int, fill: str, leading: float, marker: str = "") -> None:
        """`text` wrapped to the box; a `marker` hangs left of it: a number ("1."), "" (a bullet) or "-" (none)."""
        font = load(face, size)
        indent = 0
        if marker != "-":
            indent = round((load(self.bold, size).getlength(marker) if marker else size * 0.3) + size * 0.45)
        for n, line in enumerate((balanced if self.balance else wrap)(text, font, INNER - indent)):
            baseline = self.cursor + round(size * 0.86)
            width = round(font.getlength(line)) + indent
            left = (INNER - width) // 2 if self.centred else 0
            if n == 0 and marker == "":
                dot = max(8, round(size * 0.28))
                centre = baseline - round(size * 0.36)
                self.pieces.append(Piece("dot", left, centre - dot // 2, size=dot, fill="accent", height=dot))
            elif n == 0 and marker != "-":
                self.pieces.append(Piece("text", left, baseline, marker, self.bold, size, "accent"))
            elif self.centred:
                left = (INNER - width + indent) // 2 - indent  # a wrapped item line: its text centred
            self.pieces.append(Piece("text", left + indent, baseline, line, face, size, fill))
            self.bottom = self.cursor + round(size * 1.02)
            self.cursor += round(size * leading)

    def shape(self, kind: str, width: int, height: int, gap_after: float) -> None:
        left = (INNER - width) // 2 if self.centred else 0
        self.pieces.append(Piece(kind, left, self.cursor, size=width, fill="accent", height=height))
        self.bottom = self.cursor + height
        self.cursor += height + round(gap_after)


def _paragraphs(text: str, face: FontFace) -> list[str]:
    return [p for p in (drawable(part, face) for part in text.split("\n")) if p]


def _items(points: tuple[str, ...], face: FontFace) -> list[tuple[str, str]]:
    """(marker, text) of each list item: its own number, or "" for a bullet; a line starting with a tab
    is nested under the item before it (an accent dash: `❌ 하지 말 것:` over its items)."""
    items = []
    for point in points:
        if point.startswith("\t"):
            text = drawable(point.strip(), face)
            if text:
                items.append(("–", text))
            continue
        found = MARKER.match(point)
        number = (found.group(1) or found.group(2) or "") if found else ""
        text = drawable(point[found.end() :] if found else point, face)
        if text:
            items.append((number, text))
    return items


def _layout(slide: Slide, face: FontFace, bold: FontFace, theme: Theme, size: int, balance: bool = True) -> _Block:
    """The text block of `slide` with its main text at `size` px."""
    block = _Block(theme.centred, bold, balance)
    title = _paragraphs(slide.title, bold)
    body = _paragraphs(slide.body, face)
    items = _items(slide.points, face)
    role = slide.role if slide.role in THEMES else "idea"
    if role == "idea" and title and not (body or items):
        body, title = title, []  # a title alone is the idea: set large
        face = bold
    if role == "cta":
        block.shape("bookmark", round(size * 0.62), round(size * 0.82), size * 0.6)
    if role == "idea":
        heading = max(30, min(42, round(size * 0.62)))
        for line in title:
            block.lines(line, bold, heading, "second", 1.35, "-")
        block.gap(heading * 0.9)
        text_size, text_fill = size, "lead"
    else:  # cover and cta: the title is the main text, the body is smaller
        for line in title:
            block.lines(line, bold, size, "lead", 1.28, "-")
        if role == "cover" and title and (body or items):
            block.gap(size * 0.45)
            block.shape("rule", 112, 8, 0)
        block.gap(size * 0.55)
        text_size, text_fill = max(30, min(44, round(size * (0.45 if role == "cover" else 0.5)))), "second"
    for n, paragraph in enumerate(body):
        if n:
            block.gap(text_size * 0.45)
        block.lines(paragraph, face, text_size, text_fill, 1.5, "-")
    if body and items:
        block.gap(text_size * 0.5)
    for n, (marker, text) in enumerate(items):
        if n:
            block.gap(text_size * 0.4)
        block.lines(text, face, text_size, text_fill, 1.45, marker)
    return block


def _fitted(slide: Slide, face: FontFace, bold: FontFace, theme: Theme) -> list[Piece]:
    """The block at the largest size at which it fits the text area; at the smallest, cut with "…"."""
    room = TEXT_BOTTOM - TEXT_TOP
    low, high = 0, len(theme.sizes) - 1  # a smaller size never takes more room: the first that fits, by halving
    while low < high:
        mid = (low + high) // 2
        if _layout(slide, face, bold, theme, theme.sizes[mid], balance=False).bottom <= room:
            high = mid
        else:
            low = mid + 1
    block = _layout(slide, face, bold, theme, theme.sizes[low])
    if block.bottom <= room:
        return block.pieces
    kept = [p for p in block.pieces if p.y + (p.height if p.kind != "text" else round(p.size * 0.16)) <= room]
    texts = [i for i, p in enumerate(kept) if p.kind == "text" and p.fill != "accent"]
    if texts:
        last = kept[texts[-1]]
        font, line = load(last.face or face, last.size), last.text
        while line and font.getlength(line + "…") > INNER - last.x:
            line = line[:-1]
        kept[texts[-1]] = Piece("text", last.x, last.y, line.rstrip() + "…", last.face, last.size, last.fill)
    return kept


def _bookmark(draw: ImageDraw.ImageDraw, x: int, y: int, width: int, height: int, fill: str) -> None:
    notch = round(height * 0.28)
    draw.polygon(
        [(x, y), (x + width, y), (x + width, y + height), (x + width // 2, y + height - notch), (x, y + height)],
        fill=fill,
    )


def render_slide(slide: Slide, face: FontFace, bold: FontFace | None = None) -> bytes:
    """One 1080×1350 PNG: the text block at the largest size that fits, centred between header and footer."""
    bold = bold or _bold_of(face) or face
    faux_bold = 0 if bold != face else 1  # no bold face: thicken strokes instead
    role = slide.role if slide.role in THEMES else "idea"
    theme = THEMES[role]
    colours = {"lead": theme.lead, "second": theme.second, "accent": theme.accent}
    img = Image.new("RGB", (WIDTH, HEIGHT), theme.background)
    draw = ImageDraw.Draw(img)
    if role == "idea":
        draw.rectangle((0, 0, WIDTH, 16), fill=theme.accent)
    draw.text((MARGIN, 72), f"{slide.number} / {slide.total}", font=load(face, 30), fill=theme.muted)
    pieces = _fitted(slide, face, bold, theme)
    if pieces:
        top, bottom = min(p.top() for p in pieces), max(p.bottom() for p in pieces)
        y0 = TEXT_TOP + (TEXT_BOTTOM - TEXT_TOP - (bottom - top)) // 2 - LIFT
        shift = max(TEXT_TOP, min(y0, TEXT_BOTTOM - (bottom - top))) - top
        for p in pieces:
            x, y, fill = MARGIN + p.x, shift + p.y, colours.get(p.fill, theme.lead)
            if p.kind == "text" and p.face is not None:
                stroke = faux_bold if p.face == bold else 0
                draw.text(
                    (x, y),
                    p.text,
                    font=load(p.face, p.size),
                    fill=fill,
                    anchor="ls",
                    stroke_width=stroke,
                    stroke_fill=fill,
                )
            elif p.kind == "dot":
                draw.ellipse((x, y, x + p.size, y + p.height), fill=fill)
            elif p.kind == "rule":
                draw.rectangle((x, y, x + p.size, y + p.height), fill=fill)
            elif p.kind == "bookmark":
                _bookmark(draw, x, y, p.size, p.height, fill)
    footer = drawable(slide.footer, face)
    shown = " ".join(drawable(t, face) for t in (slide.title, slide.body))
    if footer and not (role == "cover" and footer in shown):
        draw.text(
            (MARGIN, HEIGHT - 110), _fit(footer, face, (28,), INNER, 1)[1][0], font=load(face, 28), fill=theme.muted
        )
    if role == "cover":  # swipe on
        y, right = HEIGHT - 96, WIDTH - MARGIN
        draw.rectangle((right - 84, y - 3, right - 16, y + 3), fill=theme.accent)
        draw.polygon([(right, y), (right - 26, y - 20), (right - 26, y + 20)], fill=theme.accent)
    out = io.BytesIO()
    img.save(out, format="PNG", compress_level=6)
    return out.getvalue()
