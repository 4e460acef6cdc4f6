"""An editable 16:9 PPTX (python-pptx) with speaker notes and a Korean font on every run.

python-pptx's default template is 4:3 and its placeholders do not move when the slide
is resized, so slides use the blank layout with text boxes placed for 16:9. `run.font.name`
only sets the Latin typeface; Hangul is looked up through `<a:ea>`, so both are set.
The zip is rewritten with fixed timestamps so an unchanged note gives identical bytes.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import datetime

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.oxml.ns import qn
from pptx.text.text import _Run
from pptx.util import Inches, Pt

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
BLANK_LAYOUT = 6
INK = RGBColor.from_string("1F2937")  # type: ignore[no-untyped-call]
ACCENT = RGBColor.from_string("B4602B")  # type: ignore[no-untyped-call]
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True, slots=True)
class DeckSlide:
    """One slide: a title, a few lines, and what the facilitator says."""

    title: str
    """Slide heading."""
    lines: tuple[str, ...]
    """Bullet lines (without the `- ` marker)."""
    notes: str
    """Speaker notes (the notes pane)."""


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


def _text_box(slide: object, top: int, height: int, lines: tuple[str, ...], font: str, size: int, bold: bool) -> None:
    box = slide.shapes.add_textbox(Inches(0.8), top, WIDTH - Inches(1.6), height)  # type: ignore[attr-defined]
    frame = box.text_frame
    frame.word_wrap = True
    for i, line in enumerate(lines):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        run = para.add_run()
        run.text = line
        set_font(run, font, size, bold)
        para.space_after = Pt(size * 0.6)


def build_deck(slides: tuple[DeckSlide, ...], font: str, title: str, modified: datetime) -> bytes:
    """The deck as .pptx bytes; first slide is the cover."""
    deck = Presentation()
    deck.slide_width, deck.slide_height = WIDTH, HEIGHT
    props = deck.core_properties
    props.title, props.last_modified_by, props.revision = title, "osmu", 1
    props.created = props.modified = modified
    for number, data in enumerate(slides):
        slide = deck.slides.add_slide(deck.slide_layouts[BLANK_LAYOUT])
        cover = number == 0
        bar = slide.shapes.add_shape(1, 0, 0, WIDTH, Inches(0.12))
        bar.fill.solid()
        bar.fill.fore_color.rgb = ACCENT
        bar.line.fill.background()
        top = Inches(2.4) if cover else Inches(0.6)
        _text_box(slide, top, Inches(1.4), (data.title,), font, 44 if cover else 34, True)
        if data.lines:
            _text_box(slide, top + Inches(1.6), HEIGHT - top - Inches(2.2), data.lines, font, 24, False)
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
