"""An editable 16:9 PPTX (python-pptx) with speaker notes and a Korean font on every run.

python-pptx's default template is 4:3 and its placeholders do not move when the slide
is resized, so slides use the blank layout with text boxes placed for 16:9. `run.font.name`
only sets the Latin typeface; Hangul is looked up through `<a:ea>`, so both are set.
The zip is rewritten with fixed timestamps so an unchanged note gives identical bytes.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from PIL import Image
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.text.text import _Run
from pptx.util import Inches, Pt

from tasks.builders.carousel import find_font, load, wrap
from tasks.model import Block
from tasks.render.blocks import math_text, unmath

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
BLANK_LAYOUT = 6
INK = RGBColor.from_string("1F2937")  # type: ignore[no-untyped-call]
ACCENT = RGBColor.from_string("B4602B")  # type: ignore[no-untyped-call]
PANEL = RGBColor.from_string("F3F1ED")  # type: ignore[no-untyped-call]
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
COVER_SIZES, TITLE_SIZES, BODY_SIZES = (44, 38, 32, 28), (34, 30, 26, 22), (24, 22, 20, 18, 16)
LINE_HEIGHT, SPACE_AFTER = 1.45, 0.6
EMU_PER_PT = 12700
INSET_X, INSET_Y = Inches(0.1), Inches(0.05)  # python-pptx text box default insets


@dataclass(frozen=True, slots=True)
class DeckSlide:
    """One slide: a title, a few lines, and what the facilitator says."""

    title: str
    """Slide heading."""
    lines: tuple[str, ...]
    """Bullet lines (without the `- ` marker)."""
    notes: str
    """Speaker notes (the notes pane)."""
    figure: Block | None = None
    """A code, table, image or math block the slide shows under its lines (None: lines only)."""
    files: Mapping[str, Path] = field(default_factory=dict)
    """Image `src` (as the slides link it, `images/x.png`) → the vault file to place on the slide."""


def set_font(run: _Run, name: str, size: int, bold: bool = False, color: RGBColor = INK) -> None:
    """Latin, East-Asian and complex-script typefaces all set to `name`."""
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.color.rgb = color
    rpr = run._r.get_or_add_rPr()
    for tag in ("a:ea", "a:cs"):
        element = rpr.find(qn(tag))
        if element is None:  # lxml elements without children are falsy: test for None
            element = rpr.makeelement(qn(tag), {})
            rpr.append(element)
        element.set("typeface", name)


def fit_size(lines: tuple[str, ...], sizes: tuple[int, ...], width: int, height: int) -> int:
    """The largest font size (pt) at which `lines`, wrapped like PowerPoint does, fit the box.

    Measured with the same Korean font the carousel uses (1 pt = 1 px at 72 dpi); a line of
    Noto Sans CJK takes about 1.45 × its size. The smallest size is returned when none fits
    (the frame also shrinks text on overflow in PowerPoint).
    """
    face = find_font()
    inner_w, inner_h = (width - 2 * INSET_X) / EMU_PER_PT, (height - 2 * INSET_Y) / EMU_PER_PT
    for size in sizes:
        font = load(face, size)
        rows = sum(len(wrap(line, font, int(inner_w))) for line in lines)
        if rows * size * LINE_HEIGHT + (len(lines) - 1) * size * SPACE_AFTER <= inner_h:
            return size
    return sizes[-1]


def _text_box(
    slide: object, box: tuple[int, int, int, int], lines: tuple[str, ...], font: str, size: int, bold: bool
) -> None:
    shape = slide.shapes.add_textbox(*box)  # type: ignore[attr-defined]
    frame = shape.text_frame
    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE
    for i, line in enumerate(lines):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        run = para.add_run()
        run.text = line
        set_font(run, font, size, bold)
        para.space_after = Pt(size * SPACE_AFTER)


def slide_boxes(cover: bool) -> tuple[tuple[int, int, int, int], tuple[int, int, int, int]]:
    """(left, top, width, height) of the title box and the body box."""
    left, width = Inches(0.8), WIDTH - Inches(1.6)
    title_top, title_h = (Inches(1.8), Inches(2.2)) if cover else (Inches(0.5), Inches(1.5))
    body_top = title_top + title_h + Inches(0.2)
    return (left, title_top, width, title_h), (left, body_top, width, HEIGHT - body_top - Inches(0.5))


MONO_FONT = "Consolas"
"""The code box's typeface (Latin); Hangul in code falls back to the deck font through `<a:ea>`."""
CODE_SIZES = (18, 16, 14, 12, 11, 10)


def _code_box(slide: object, box: tuple[int, int, int, int], code: str, font: str) -> None:
    """Code in a monospace text box on a light panel, lines kept as written (no wrapping)."""
    lines = tuple(code.split("\n"))
    longest = max((len(line) for line in lines), default=1)
    # a monospace character is about 0.6 em wide, a line about 1.2 em high
    size = next(
        (
            z
            for z in CODE_SIZES
            if longest * z * 0.6 * EMU_PER_PT <= box[2] - 2 * INSET_X and len(lines) * z * 1.2 * EMU_PER_PT <= box[3]
        ),
        CODE_SIZES[-1],
    )
    shape = slide.shapes.add_textbox(*box)  # type: ignore[attr-defined]
    shape.fill.solid()
    shape.fill.fore_color.rgb = PANEL
    frame = shape.text_frame
    frame.word_wrap = False
    for i, line in enumerate(lines):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        run = para.add_run()
        run.text = line
        set_font(run, MONO_FONT, size)
        rpr = run._r.get_or_add_rPr()
        rpr.find(qn("a:ea")).set("typeface", font)


def _table(slide: object, box: tuple[int, int, int, int], block: Block, font: str) -> None:
    """A native PPTX table: header row bold, cells in the deck font."""
    rows = [list(r) for r in block.rows if r]
    width = max(len(r) for r in rows)
    height = min(box[3], Inches(0.6) * len(rows))
    shape = slide.shapes.add_table(len(rows), width, box[0], box[1], box[2], height)  # type: ignore[attr-defined]
    table = shape.table
    size = 20 if len(rows) <= 5 else 16
    align = [*block.align, *[""] * width][:width]
    for r, row in enumerate(rows):
        for c in range(width):
            cell = table.cell(r, c)
            frame = cell.text_frame
            frame.word_wrap = True
            para = frame.paragraphs[0]
            para.alignment = {"center": PP_ALIGN.CENTER, "right": PP_ALIGN.RIGHT}.get(align[c], PP_ALIGN.LEFT)
            run = para.add_run()
            run.text = unmath(row[c]) if c < len(row) else ""
            set_font(run, font, size, bold=r == 0)


def _picture(slide: object, box: tuple[int, int, int, int], path: Path) -> None:
    """The image scaled to fit the body box, centred."""
    with Image.open(path) as im:
        w, h = im.size
    scale = min(box[2] / max(w, 1), box[3] / max(h, 1))
    width, height = int(w * scale), int(h * scale)
    left = box[0] + (box[2] - width) // 2
    slide.shapes.add_picture(str(path), left, box[1], width, height)  # type: ignore[attr-defined]


def _figure(slide: object, box: tuple[int, int, int, int], data: DeckSlide, font: str) -> None:
    block = data.figure
    if block is None:
        return
    if block.kind == "code":
        _code_box(slide, box, block.text, font)
    elif block.kind == "table" and block.rows:
        _table(slide, box, block, font)
    elif block.kind == "image" and data.files.get(block.get("src")) is not None:
        _picture(slide, box, data.files[block.get("src")])
    else:  # math, or an image that cannot be shown: its words
        words = math_text(block.text) if block.kind == "math" else f"({block.text})"
        _text_box(slide, box, (words,), font, fit_size((words,), BODY_SIZES, box[2], box[3]), False)


XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
"""Characters XML 1.0 cannot hold: python-pptx escapes them in slide text, not in document properties."""


CORE_PROPERTY_MAX = 255
"""Longest value python-pptx accepts for a core property (the OPC schema's limit)."""


def core_title(title: str) -> str:
    """The deck's document title: XML-safe, and cut with `…` to the core-property limit (a longer
    title made python-pptx refuse the whole note). The slides still show the whole title."""
    clean = XML_UNSAFE.sub("", title)
    return clean if len(clean) <= CORE_PROPERTY_MAX else clean[: CORE_PROPERTY_MAX - 1].rstrip() + "…"


def build_deck(slides: tuple[DeckSlide, ...], font: str, title: str, modified: datetime) -> bytes:
    """The deck as .pptx bytes; first slide is the cover."""
    deck = Presentation()
    deck.slide_width, deck.slide_height = WIDTH, HEIGHT
    props = deck.core_properties
    props.title, props.last_modified_by, props.revision = core_title(title), "osmu", 1
    props.created = props.modified = modified
    for number, data in enumerate(slides):
        slide = deck.slides.add_slide(deck.slide_layouts[BLANK_LAYOUT])
        cover = number == 0
        bar = slide.shapes.add_shape(1, 0, 0, WIDTH, Inches(0.12))
        bar.fill.solid()
        bar.fill.fore_color.rgb = ACCENT
        bar.line.fill.background()
        title_box, body_box = slide_boxes(cover)
        title_lines = (data.title,)
        size = fit_size(title_lines, COVER_SIZES if cover else TITLE_SIZES, title_box[2], title_box[3])
        _text_box(slide, title_box, title_lines, font, size, True)
        if data.lines:
            size = fit_size(data.lines, BODY_SIZES, body_box[2], body_box[3])
            _text_box(slide, body_box, data.lines, font, size, False)
        _figure(slide, body_box, data, font)
        slide.notes_slide.notes_text_frame.text = data.notes
    raw = io.BytesIO()
    deck.save(raw)
    return _fixed_zip(raw.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """The same archive with constant member timestamps (reproducible output)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()
