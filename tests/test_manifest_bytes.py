"""The manifest is serialised with orjson: byte for byte what `json.dumps(indent=2)` gives."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tasks import __version__
from tasks.model import RenderResult
from tasks.write.outputs import manifest_bytes

# What a manifest holds: text (Korean, emoji, control characters, quotes), ints, booleans,
# None, and scores rounded to 3 decimals.
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
SCORE = st.integers(0, 1000).map(lambda n: round(n / 1000, 3))
LEAF = st.one_of(TEXT, st.integers(-(2**53), 2**53), st.booleans(), st.none(), SCORE)
VALUE = st.recursive(LEAF, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4))


def _stdlib(result: RenderResult, outputs: list[dict[str, Any]]) -> bytes:
    data = {
        "source": result.source,
        "source_hash": "sha256:x",
        "osmu_version": __version__,
        "insights": [],
        "outputs": outputs,
        "warnings": [],
    }
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


@settings(max_examples=300, deadline=None)
@given(source=TEXT, outputs=st.lists(st.dictionaries(TEXT, VALUE, max_size=5), max_size=4))
def test_manifest_bytes_equal_the_stdlib_encoding(source: str, outputs: list[dict[str, Any]]) -> None:
    result = RenderResult(source=source, slug="s", outputs=(), diagnostics=())
    assert manifest_bytes(result, "sha256:x", (), outputs, ()) == _stdlib(result, outputs)


def test_manifest_bytes_keep_korean_and_escape_control_characters() -> None:
    result = RenderResult(source="노트/프로세스.md", slug="s", outputs=(), diagnostics=())
    outputs = [{"message": 'tab\there "quoted" \\ \x01 ✅', "score": 0.653, "empty": [], "none": {}}]
    data = manifest_bytes(result, "sha256:x", (), outputs, ())
    assert data == _stdlib(result, outputs)
    assert "노트/프로세스.md".encode() in data and b"\\t" in data and b"\\u0001" in data
