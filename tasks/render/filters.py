"""Jinja filters every template may use, and the post-processors a channel.yaml output may name."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

import yaml

from tasks.builders.sanitize import sanitize_email
from tasks.render import blocks

_NOT_YAML_PRINTABLE = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
"""Characters JSON leaves raw but YAML refuses or reads as line breaks (DEL, C1 controls, line and
paragraph separators, surrogates, BOM, non-characters)."""


def yaml_value(value: Any) -> str:
    """A YAML flow value (JSON is valid YAML; Hangul kept readable; what YAML cannot hold raw, escaped)."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return _NOT_YAML_PRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def front_matter(data: Mapping[str, Any]) -> str:
    """A YAML block (without fences), keys in the given order."""
    return yaml.safe_dump(dict(data), allow_unicode=True, sort_keys=False, width=1000).rstrip("\n")


def clip(text: str, limit: int, ellipsis: str = "…") -> str:
    """Cut `text` to at most `limit` characters at a word boundary."""
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ellipsis)].rsplit(" ", 1)[0]
    return cut + ellipsis


def whole(text: str, limit: int) -> str:
    """The leading whole sentences of `text` within `limit` characters; the first sentence alone when
    even it is longer (a text is never cut mid-sentence: the caller leaves it out or lets it run)."""
    from tasks.nlp.korean import sentences  # the analyser loads on first use, not on import

    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= limit:
        return text
    parts = sentences(text) or (text,)
    out = parts[0]
    for part in parts[1:]:
        if len(out) + 1 + len(part) > limit:
            break
        out = f"{out} {part}"
    return out


LIST_NUMBER = re.compile(r"^\s*\d{1,3}[.)]\s+")


def unnumbered(line: str) -> str:
    """A numbered point without its number (`1. 매일 오는 …` → `매일 오는 …`): an HTML `<ol>` numbers
    its items itself, and the number said twice reads `1. 1.`."""
    return LIST_NUMBER.sub("", line, count=1)


FILTERS: dict[str, Callable[..., Any]] = {
    "unnumbered": unnumbered,
    "yaml": yaml_value,
    "front_matter": front_matter,
    "clip": clip,
    "whole": whole,
    "runs": blocks.runs,
    "block_md": blocks.block_md,
    "block_html": blocks.block_html,
    "block_text": blocks.block_text,
    "unmath": blocks.unmath,
    "inline_html": blocks.inline_html,
}


def _inline_css(html: str) -> str:
    import css_inline

    return str(css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False).inline(html))


def _sanitize(html: str) -> str:
    from tasks.builders.sanitize import sanitize_body

    return sanitize_body(html)


FENCE = re.compile(r"^(```|~~~)")


def tidy_blank_lines(text: str) -> str:
    """Runs of blank lines outside fenced code become one blank line; the file ends with one newline."""
    out: list[str] = []
    fenced = False
    for line in text.split("\n"):
        if FENCE.match(line.lstrip()):
            fenced = not fenced
        if not fenced and not line.strip() and out and not out[-1].strip():
            continue
        out.append(line.rstrip() if not fenced else line)
    return "\n".join(out).rstrip("\n") + "\n"


POSTPROCESSORS: dict[str, Callable[[str], str]] = {
    "tidy": tidy_blank_lines,
    "inline-css": _inline_css,
    "sanitize": _sanitize,
    "sanitize-email": sanitize_email,
}
