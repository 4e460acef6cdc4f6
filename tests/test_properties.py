"""Property tests (hypothesis): arbitrary notes never crash the pipeline; manifests and
slugs keep their promises whatever the input."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tasks.insight.extract import extract_insights
from tasks.markdown.parse import parse_note
from tasks.model import NoteError, RenderResult, RootIndex
from tasks.render.context import source_slug
from tasks.roots.index import build_root_index, resolve_note_roots
from tasks.slug import MAX_LEN, is_safe_component, safe_slug
from tasks.vault.links import NoteIndex
from tasks.vault.read import load_note, read_roots
from tasks.write.outputs import write_outputs
from tests.conftest import EXAMPLE_VAULT
from tests.helpers import rendered, settings_for

FRAGMENTS = (
    "# 제목", "## 🌳 관련 Root Concepts", "#### 인용", "- 항목", "  - 중첩 항목", "    - 더 깊은 항목", "1. 첫째",
    "- 1. 번호 붙은 글머리", "- [ ] 할 일", "- [x] 한 일", "> 인용문", "> [!note] 메모", "> [!tip]- 접힘", "```python",
    "```", "| a | b |", "|---|---|", "[[프로세스-이코노미]]", "[[../../00-roots/root-04-프로세스-공유|공유]]",
    "![[그림.png|200]]", "![[없는 노트#제목]]", "%% 주석", "%%", "#태그", "==강조==", "**굵게**", "<div>html</div>",
    "<script>alert(1)</script>", "---", "", "과정을 공유하면 팬이 생긴다.", "Show your work.", "\t", "[[", "]]", "$$",
    "<% tp.date.now() %>", "[링크](javascript:alert(1))", "{{ 7*7 }}", "{% raw %}", "\u200b", "🚀✨",
)  # fmt: skip
lines = st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=40))
bodies = st.lists(lines, max_size=40).map("\n".join)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20), st.dates())
metas = st.dictionaries(
    st.sampled_from(["title", "tags", "created", "root-concepts", "type", "publish", "aliases", "x"]),
    st.one_of(scalars, st.lists(scalars, max_size=4)),
    max_size=6,
)
raw_front = st.one_of(metas.map(lambda m: yaml.safe_dump(m, allow_unicode=True)), st.text(max_size=80))
notes = st.builds(
    lambda fm, body, fenced: (f"---\n{fm}---\n" if fenced else "") + body, raw_front, bodies, st.booleans()
)
CHEAP = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RENDER = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@lru_cache(maxsize=1)
def _vault() -> tuple[RootIndex, NoteIndex]:
    return build_root_index(*read_roots(EXAMPLE_VAULT, "00-roots")), NoteIndex.build(["a/b/프로세스-이코노미.md"])


@CHEAP
@given(text=notes, encoding=st.sampled_from(["utf-8", "utf-8-sig"]), crlf=st.booleans())
def test_any_note_reads_and_parses_or_fails_with_file_and_line(text: str, encoding: str, crlf: bool) -> None:
    data = (text.replace("\n", "\r\n") if crlf else text).encode(encoding, "surrogatepass")
    try:
        note = load_note(data, "notes/임의.md")
    except NoteError as exc:
        assert exc.file == "notes/임의.md" and exc.line >= 0 and "\n" not in exc.message
        return
    parsed = parse_note(note)
    total = note.text.count("\n") + 1
    for section in parsed.sections:
        for block in section.blocks:
            assert 1 <= block.lines[0] <= block.lines[1] <= total
    assert all(1 <= link.line <= total for link in parsed.links)


@CHEAP
@given(data=st.binary(max_size=300))
def test_any_bytes_read_or_fail_cleanly(data: bytes) -> None:
    try:
        parse_note(load_note(data, "x.md"))
    except NoteError as exc:
        assert exc.file == "x.md"


@RENDER
@given(text=notes)
@example(text='---\ntitle: "\\x7F\\u2028"\n---\n')  # characters YAML refuses raw, in every front matter
def test_any_note_renders_and_every_output_insight_is_in_the_manifest(text: str, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    try:
        note = load_note(text.encode("utf-8", "surrogatepass"), "notes/임의.md")
    except NoteError:
        return
    roots, index = _vault()
    parsed = parse_note(note)
    note_roots = resolve_note_roots(parsed, roots, index)
    insights = extract_insights(parsed, note_roots, roots)
    result = rendered(parsed, insights, note_roots, roots, settings_for(EXAMPLE_VAULT))
    out = tmp_path_factory.mktemp("out")
    report = write_outputs(result, note.source_hash, insights, (), out)
    manifest = json.loads(Path(report.manifest_path).read_text(encoding="utf-8"))
    ids = {i["id"] for i in manifest["insights"]}
    assert len(ids) == len(manifest["insights"]), "insight ids are not unique"
    for output in manifest["outputs"]:
        assert set(output["insights"]) <= ids
        assert (Path(report.out_dir) / output["path"]).is_file()


@CHEAP
@given(text=st.text(max_size=200))
def test_slugs_are_never_empty_never_a_path(text: str) -> None:
    slug = safe_slug(text)
    assert slug and is_safe_component(slug) and len(slug) <= MAX_LEN
    assert "/" not in slug and "\\" not in slug and ".." not in slug and slug == slug.strip()


@settings(max_examples=30, deadline=None)
@given(names=st.lists(st.text(min_size=1, max_size=30).filter(lambda s: "/" not in s and "\x00" not in s),
                      min_size=2, max_size=8, unique=True))  # fmt: skip
def test_notes_whose_slugs_collide_still_get_their_own_folder(names: list[str], tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("out")
    folders = {}
    for name in names:
        source = f"notes/{name}.md"
        result = RenderResult(source, source_slug(source), ())
        folders[source] = write_outputs(result, "sha256:0", (), (), out).out_dir
    assert len(set(folders.values())) == len(names)
    for source, folder in folders.items():  # a second pass finds the same folders
        result = RenderResult(source, source_slug(source), ())
        assert write_outputs(result, "sha256:0", (), (), out).out_dir == folder
        assert Path(folder).parent == out
