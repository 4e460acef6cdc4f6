"""The preview page: every output of every note on one page, checked in real headless Chromium."""

from __future__ import annotations

import re
from pathlib import Path

from PIL import Image

from tasks.write.outputs import write_outputs
from tasks.write.preview import preview_html, preview_inputs
from tests.chromium import chromium, console_messages, screenshot
from tests.conftest import BOOK, EXAMPLE_VAULT, ROOT_NOTE
from tests.helpers import pipeline, render


def _write(out: Path) -> int:
    count = 0
    for note in (BOOK, ROOT_NOTE):
        parsed, _, _, insights, _ = pipeline(EXAMPLE_VAULT, note)
        result = render(EXAMPLE_VAULT, note)
        write_outputs(result, parsed.note.source_hash, insights, (), out)
        count += len(result.outputs)
    return count


def test_preview_shows_every_output_and_loads_cleanly(tmp_path: Path) -> None:
    out = tmp_path / "out"
    total = _write(out)
    manifests, texts = preview_inputs(out)
    page = out / "index.html"
    page.write_bytes(preview_html(manifests, texts))
    html = page.read_text(encoding="utf-8")
    assert "<script" not in html
    images = re.findall(r'<img src="([^"]+)"', html)
    frames = re.findall(r'<iframe src="([^"]+)"', html)
    assert len(images) == sum(1 for _, m in manifests for o in m["outputs"] if o["path"].endswith(".png")) > 4
    assert len(frames) == 4  # newsletter + Naver HTML of each note
    for href in images + frames:
        assert (out / href).is_file(), href
    assert html.count('class="output"') + len(images) == total
    assert "roots: 프로세스-공유" in html and "insight(s)</summary>" in html
    assert console_messages(page, tmp_path) == []
    dom = chromium(page, tmp_path, "--dump-dom")
    assert "34-learning/34.01-books/books/프로세스-이코노미.md" in dom and "<ol>" in dom  # slides as a list
    shot = Image.open(screenshot(page, tmp_path, 1400, 1200))
    assert shot.size == (1400, 1200) and sum(shot.convert("L").histogram()[:128]) > 10_000


def test_preview_is_pure_and_escapes_text() -> None:
    manifest = {
        "source": "<b>note</b>.md",
        "insights": [],
        "outputs": [{"channel": "blog", "path": "blog/a.md", "insights": [], "root_concepts": [], "lint": []}],
    }
    page = preview_html([("a", manifest)], {"a/blog/a.md": "<script>alert(1)</script>"}).decode()
    assert "<script>alert" not in page and "&lt;script&gt;" in page and "&lt;b&gt;note" in page
