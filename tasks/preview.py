"""The preview page: one `index.html` showing every output of every note, side by side.

`preview_html` is pure (manifests and text contents in, bytes out); `preview_inputs` is
the read step for an output folder. Carousel PNGs show as images, HTML (newsletter,
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

from tasks.lint_rules import marp_slides
from tasks.settings import CHANNELS_DIR

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
        href = f"{folder}/{output['path']}"
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
    return {"folder": folder, "source": manifest.get("source", folder), "channels": channels}


def preview_html(manifests: Sequence[tuple[str, Mapping[str, Any]]], texts: Mapping[str, str]) -> bytes:
    """The page for `(note folder, manifest)` pairs; `texts` maps `folder/path` to file text."""
    notes = [_note(folder, manifest, texts) for folder, manifest in manifests]
    return _env().get_template("preview.html.j2").render(notes=notes).encode("utf-8")


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
