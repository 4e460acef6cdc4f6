"""The preview pages: `index.html` showing every output of a note, side by side.

Each note's output folder gets its page (`note_preview`, written by the write stage with
the outputs); a sweep writes `overview_html` at the top of the output folder, linking
every note's page. `preview_html` is pure (manifests and text contents in, bytes out);
`preview_inputs` is the read step for a whole output folder on one page. Carousel PNGs show as images, HTML (newsletter,
Naver) in sandboxed iframes, Marp decks as a list of slide titles, other text in `<pre>`;
each output lists its roots and insights. The page has no script and loads nothing remote.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from tasks.lint.rules import marp_slides
from tasks.model import Insight, RenderResult
from tasks.settings import CHANNELS_DIR

PAGE = "index.html"
"""The preview page's name, in a note's output folder and in the output folder."""
TEXT_SUFFIXES = (".md", ".txt", ".html", ".eml")
MAX_TEXT_CHARS = 20_000


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(CHANNELS_DIR / "_base"),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2")),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def _kind(path: str) -> str:
    if path.endswith(".png"):
        return "image"
    if path.endswith(".html"):
        return "frame"
    if path.endswith("-slides.md"):
        return "slides"
    if path.endswith((".pptx", ".eml")):
        return "file"
    return "text"


def _slide_titles(text: str) -> list[str]:
    titles = []
    for slide in marp_slides(text):
        heading = re.search(r"^#{1,3} (.+)$", slide, re.MULTILINE)
        titles.append(heading.group(1) if heading else slide.strip().splitlines()[0])
    return titles


def _note(folder: str, manifest: Mapping[str, Any], texts: Mapping[str, str]) -> dict[str, Any]:
    insights = {i["id"]: i for i in manifest.get("insights", [])}
    channels: dict[str, list[dict[str, Any]]] = {}
    for output in manifest.get("outputs", []):
        href = f"{folder}/{output['path']}" if folder else output["path"]  # "": a page inside the note's folder
        text = texts.get(href, "")
        channels.setdefault(output["channel"], []).append(
            {
                "path": output["path"],
                "href": href,
                "kind": _kind(output["path"]),
                "text": text[:MAX_TEXT_CHARS],
                "slides": _slide_titles(text) if output["path"].endswith("-slides.md") else [],
                "roots": output.get("root_concepts", []),
                "insights": [insights[i] for i in output.get("insights", []) if i in insights],
                "problems": [f"{r['rule']}: {r['message']}" for r in output.get("lint", []) if not r.get("ok")],
            }
        )
    return {"folder": folder or "note", "source": manifest.get("source", folder), "channels": channels}


def preview_html(manifests: Sequence[tuple[str, Mapping[str, Any]]], texts: Mapping[str, str]) -> bytes:
    """The page for `(note folder, manifest)` pairs; `texts` maps `folder/path` to file text."""
    notes = [_note(folder, manifest, texts) for folder, manifest in manifests]
    return _env().get_template("preview.html.j2").render(notes=notes).encode("utf-8")


def note_preview(result: RenderResult, insights: Sequence[Insight]) -> bytes:
    """The page of one note, saved as `index.html` in its output folder (links relative to it).

    Built from what the write stage is about to write, so the page needs no read of its own.
    """
    manifest = {
        "source": result.source,
        "insights": [i.to_json() for i in insights],
        "outputs": [
            {
                "channel": o.channel,
                "path": o.path,
                "insights": list(o.insights),
                "root_concepts": list(o.root_concepts),
                "lint": [{"rule": r.rule, "ok": r.ok, "message": r.message} for r in o.lint],
            }
            for o in result.outputs
        ],
    }
    texts = {o.path: o.content.decode("utf-8", "replace") for o in result.outputs if o.path.endswith(TEXT_SUFFIXES)}
    return preview_html([("", manifest)], texts)


def overview_html(notes: Sequence[tuple[str, str]], failed: Sequence[tuple[str, str]] = ()) -> bytes:
    """The output folder's `index.html`: every note (source, its folder) linked to its own page.

    One line per note, no output text, so a 10k-note vault makes a small page; `failed`
    lists `(source, error)` of the notes that could not be rendered.
    """
    rows = [{"source": source, "href": f"{folder}/{PAGE}"} for source, folder in sorted(notes)]
    page = _env().get_template("overview.html.j2").render(notes=rows, failed=sorted(failed))
    return page.encode("utf-8")


def preview_inputs(out_root: Path) -> tuple[list[tuple[str, dict[str, Any]]], dict[str, str]]:
    """Read the manifests under `out_root` and the text outputs they list."""
    manifests: list[tuple[str, dict[str, Any]]] = []
    texts: dict[str, str] = {}
    for path in sorted(out_root.glob("*/manifest.json")):
        folder = path.parent.name
        manifest = json.loads(path.read_text(encoding="utf-8"))
        manifests.append((folder, manifest))
        for output in manifest.get("outputs", []):
            file = path.parent / output["path"]
            if output["path"].endswith(TEXT_SUFFIXES) and file.is_file():
                texts[f"{folder}/{output['path']}"] = file.read_text(encoding="utf-8", errors="replace")
    return manifests, texts
