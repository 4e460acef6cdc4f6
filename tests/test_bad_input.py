"""The bad-input corpus (tests/fixtures/bad/): each file renders, or fails with one clear
`file:line: message`. Never a traceback, and a run over all of them finishes.

The corpus is modelled on what real vaults hold (see the README of issue 9). The 2 MB note
is generated at test time rather than committed, and so are the files git cannot hold or a
checkout on macOS would merge (issue 18): a FIFO named `.md`, links out of the vault (to a
file, to a folder), and NFC/NFD twins.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from tasks.markdown.parse import parse_note
from tasks.model import NoteError
from tasks.slug import is_safe_component
from tasks.vault.privacy import PrivateNote
from tasks.vault.read import iter_note_paths, nfc, read_note
from tasks.write.outputs import write_outputs
from tests.conftest import FIXTURES, ROOT
from tests.helpers import pipeline, rendered

BAD = FIXTURES / "bad"
FAILS = {  # file → (line, words the message must contain)
    "binary.md": (3, "binary"),  # the line of the first NUL byte
    "invalid_utf8.md": (6, "UTF-8"),
    "tabs_in_yaml.md": (4, "'\\t'"),
    "unclosed_quote.md": (2, "never closed"),
    "duplicate_keys.md": (4, "duplicate key"),
    "yaml_alias_bomb.md": (7, "e: YAML aliases expand to more than 10,000 values"),  # #18 finding 11
    "impossible_date.md": (3, "date: month must be in 1..12 (2024-13-45)"),  # #18 finding 17
}
PRIVATE = {"2025-11-12.md": "daily note"}  # #18 finding 9: a daily journal is private, never published
NAMES = sorted(nfc(p.name) for p in BAD.iterdir())
GENERATED_FAILS = {  # file → (line, words the message must contain); see make_hostile_files
    "fifo.md": (0, "not a regular file (a FIFO)"),
    "link_out.md": (0, "is a link to a file outside the vault"),
    "쌍둥이.md": (0, "two files have this name"),
}


def make_hostile_files(vault: Path, outside: Path) -> None:
    """What no fixture can hold: a FIFO (it blocked every reader), a link to a file and one to a
    folder outside the vault (they published it), and two names that differ only in Unicode
    normalisation (they shared one output folder)."""
    outside.mkdir(parents=True, exist_ok=True)
    text = "# 밖\n\n- OUTSIDE-SECRET 볼트 밖의 문장이 출력에 나오면 안 된다.\n"
    (outside / "secret.md").write_text(text, encoding="utf-8")
    (outside / "folder").mkdir(exist_ok=True)
    (outside / "folder" / "inner.md").write_text(text, encoding="utf-8")
    os.mkfifo(vault / "fifo.md")
    (vault / "link_out.md").symlink_to(outside / "secret.md")
    (vault / "linked_folder").symlink_to(outside / "folder", target_is_directory=True)
    for form in ("NFC", "NFD"):
        name = unicodedata.normalize(form, "쌍둥이.md")
        (vault / name).write_text(f"# {form} 쌍둥이\n\n- {form}로 저장된 이름의 노트다.\n", encoding="utf-8")


def make_big_note(path: Path, size: int = 2_000_000) -> None:
    """A 2 MB note shaped like a long real one: many sections of prose and bullets."""
    lines = ["---", "title: 아주 긴 노트", "tags: [긴글]", "---", ""]
    total, i = 0, 0
    while total < size:
        i += 1
        block = [f"## 섹션 {i}", "", f"이 단락은 {i}번째 섹션의 설명이다. " * 8, ""]
        block += [f"- {i}-{j}번째 생각은 여기에 적혀 있고 조금 더 길게 이어진다." for j in range(5)] + [""]
        lines += block
        total += sum(len(line.encode()) + 1 for line in block)
    path.write_text("\n".join(lines), encoding="utf-8")


def _on_disk(name: str) -> str:
    """The file's name as stored (the NFD fixture keeps its decomposed name)."""
    return next(p.name for p in BAD.iterdir() if nfc(p.name) == name)


def test_corpus_is_complete() -> None:
    assert len(NAMES) >= 20
    assert any(p.name != unicodedata.normalize("NFC", p.name) for p in BAD.iterdir()), "NFD file name missing"
    assert (BAD / "crlf.md").read_bytes().count(b"\r\n") >= 5, "crlf.md lost its CRLF line ends"
    assert (BAD / "bom.md").read_bytes().startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize("name", NAMES)
def test_each_file_renders_or_fails_with_one_clear_line(name: str, tmp_path: Path) -> None:
    rel = _on_disk(name)
    if name in FAILS:
        line, words = FAILS[name]
        with pytest.raises(NoteError) as err:
            pipeline(BAD, rel)
        assert (err.value.file, err.value.line) == (name, line)
        assert words in err.value.message and "\n" not in str(err.value)
        return
    if name in PRIVATE:
        with pytest.raises(PrivateNote, match=PRIVATE[name]):
            pipeline(BAD, rel)
        return
    parsed, note_roots, index, insights, settings = pipeline(BAD, rel)
    assert parsed.note.path == name  # NFC, whatever the file system stored
    result = rendered(parsed, insights, note_roots, index, settings)
    report = write_outputs(result, parsed.note.source_hash, insights, (), tmp_path / "out")
    folder = Path(report.out_dir)
    assert folder.parent == tmp_path / "out" and is_safe_component(folder.name)
    assert folder.name == unicodedata.normalize("NFC", folder.name)
    assert {f.status for f in report.files} == {"created", "updated"}
    for output in result.outputs:
        assert (folder / output.path).is_file()


def test_what_the_corpus_files_say() -> None:
    def note(name: str):  # type: ignore[no-untyped-def]
        return pipeline(BAD, _on_disk(name))[0]

    assert [d.code for d in note("empty.md").note.diagnostics] == ["empty-note"]
    assert note("bom.md").title == "BOM으로 시작하는 노트"
    assert note("crlf.md").title == "윈도우 줄바꿈" and note("crlf.md").sections[0].lines[0] == 6
    assert note("json_front_matter.md").note.meta["tags"] == ["json", "front-matter"]
    templater = note("templater.md").note.diagnostics
    assert [(d.code, d.line) for d in templater] == [("templater", 2)]
    assert note("wikilinks_in_front_matter.md").note.meta["related"] == [["프로세스-이코노미"]]
    deepest = [b for s in note("nested_30_levels.md").sections for b in s.blocks if "30단계" in b.text]
    assert deepest and deepest[0].depth == 29
    assert note("only_front_matter.md").sections == ()
    table = note("table_escaped_links.md")  # #18 finding 8: `[[x\\|alias]]` in a table
    assert [(link.target, link.alias) for link in table.links] == [
        ("어딘가-없는-노트", "별명 하나"),
        ("다른-없는-노트", "별명 둘"),
    ]


def test_reserved_and_dot_names_get_safe_slugs(tmp_path: Path) -> None:
    for name in ("con.md", "....md"):
        parsed, note_roots, index, insights, settings = pipeline(BAD, name)
        result = rendered(parsed, insights, note_roots, index, settings, ("blog",))
        assert result.slug.startswith("note-") and is_safe_component(result.slug)


@pytest.mark.timeout(120)  # the FIFO blocked the read forever
@pytest.mark.parametrize("name", sorted(GENERATED_FAILS))
def test_each_generated_hostile_file_fails_with_one_clear_line(name: str, tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    shutil.copytree(BAD, vault)
    make_hostile_files(vault, tmp_path / "outside")
    line, words = GENERATED_FAILS[name]
    on_disk = [p.name for p in vault.iterdir() if nfc(p.name) == name]
    assert on_disk
    for rel in on_disk:  # both twins
        with pytest.raises(NoteError) as err:
            pipeline(vault, rel)
        assert (err.value.file, err.value.line) == (name, line)
        assert words in err.value.message and "\n" not in str(err.value)
    assert "linked_folder/inner.md" not in {nfc(p.relative_to(vault).as_posix()) for p in iter_note_paths(vault)}


def test_big_note_reads_and_parses(tmp_path: Path) -> None:
    make_big_note(tmp_path / "big.md")
    note = read_note(tmp_path, Path("big.md"))
    assert len(note.text.encode()) >= 2_000_000
    parsed = parse_note(note)
    assert len(parsed.sections) > 2000 and parsed.sections[-1].lines[1] == note.text.count("\n") + 1


def run_in_own_group(args: list[str], timeout: float, **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
    """Run a command in its own process group and kill the whole group afterwards, so a
    Prefect server the CLI started is never left behind (even on a timeout)."""
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, **kwargs)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    return subprocess.CompletedProcess(args, proc.returncode, stdout, stderr)


def _has_command(name: str) -> bool:
    from flows.cli import app

    return any((c.name or (c.callback.__name__ if c.callback else "")) == name for c in app.registered_commands)


@pytest.mark.flow
@pytest.mark.timeout(900)  # the 2 MB note alone is ~15,000 insights and files (~90 s here)
def test_whole_corpus_through_the_cli_has_no_traceback(tmp_path: Path) -> None:
    """`osmu sweep` over the corpus (or `osmu run` on every file where sweep is missing)."""
    command = "sweep" if _has_command("sweep") else "run"
    vault = tmp_path / "vault"
    shutil.copytree(BAD, vault)
    make_big_note(vault / "big_2mb.md")
    make_hostile_files(vault, tmp_path / "outside")
    out = tmp_path / "out"
    notes = [p.name for p in iter_note_paths(vault)]
    args = [command, *notes] if command == "run" else [command]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PREFECT_HOME": str(tmp_path / "prefect"), "COLUMNS": "200"}
    proc = run_in_own_group([sys.executable, "-m", "flows.cli", *args, "--vault", str(vault), "--out", str(out)],
                            cwd=vault, env=env, timeout=850)  # fmt: skip
    text = proc.stdout.decode() + proc.stderr.decode()
    assert proc.returncode == 1, text
    assert "Traceback" not in text and 'File "' not in text, text
    # `run` prints `error: file:line: …`; `sweep` prints `failed: file:line: …` (as it goes and in its summary)
    errors = sorted({line.strip() for line in text.splitlines() if re.match(r"\s*(error|failed):", line, re.I)})
    fails = {**FAILS, **GENERATED_FAILS}
    for name, (line, words) in fails.items():
        mine = [e for e in errors if f"{name}:{line}:" in e]
        assert len(mine) == 1 and words in mine[0], (name, errors)
    assert len(errors) == len(fails), errors
    assert "OUTSIDE-SECRET" not in text
    sources = {json.loads(m.read_text(encoding="utf-8"))["source"] for m in out.glob("*/manifest.json")}
    hidden = {n for n in notes if n.startswith(".")} if command == "sweep" else set()  # sweep skips dotfiles
    silent = {"empty.md", "only_front_matter.md"}  # nothing to say: no posts, no manifest
    assert sources == {nfc(n) for n in notes} - set(fails) - hidden - silent - set(PRIVATE)
    assert not any(b"OUTSIDE-SECRET" in p.read_bytes() for p in out.rglob("*") if p.is_file())
    assert f"{len(PRIVATE)} private (skipped)" in text and "세무사" not in text
    assert "2 with nothing to say (skipped)" in text


def test_title_of_2000_characters_renders_every_channel(tmp_path: Path) -> None:
    """Findings 14 and 15 of #18: a 2,000-character title without spaces stalled in the carousel's
    wrap, then failed the whole note on python-pptx's 255-character core-property limit, with
    an error over 3 lines. Now every channel renders; the deck's document title is cut with `…`."""
    import io

    from pptx import Presentation

    parsed, note_roots, index, insights, settings = pipeline(BAD, "title_2000_chars_no_spaces.md")
    assert len(parsed.title) == 2000 and " " not in parsed.title
    result = rendered(parsed, insights, note_roots, index, settings)
    assert {o.channel for o in result.outputs} >= {"blog", "newsletter", "instagram", "workshop"}
    deck = next(o for o in result.outputs if o.path.endswith(".pptx"))
    title = Presentation(io.BytesIO(deck.content)).core_properties.title  # type: ignore[arg-type]
    assert len(title) == 255 and title.endswith("…") and parsed.title.startswith(title[:-1])
    assert not [r for o in result.outputs for r in o.lint if not r.ok and "title" in r.rule and "255" in r.message]


def test_an_unexpected_error_is_one_short_line() -> None:
    """Finding 15 of #18: an exception that quotes its input (python-pptx quoted the whole title)
    is shown on one line, cut to a readable length."""
    from tasks.model import ONE_LINE_MAX, one_line

    message = "exceeded 255 char limit for property, got:\n\n'" + "가" * 2000 + "'"
    shown = one_line(message)
    assert "\n" not in shown and len(shown) == ONE_LINE_MAX and shown.endswith("…")
    assert shown.startswith("exceeded 255 char limit for property, got: '가")


@pytest.mark.timeout(60)  # a hang guard, not a speed check: the bomb used to run until memory ran out
def test_yaml_alias_bomb_is_refused_before_anything_expands(tmp_path: Path) -> None:
    """Finding 11 of #18: a "billion laughs" in front matter reached 3.8 GB (`str()` over the tags).
    Aliases are bounded on the node tree, before any value is built: one line, file, line, key."""
    with pytest.raises(NoteError) as err:
        read_note(BAD, Path("yaml_alias_bomb.md"))
    assert str(err.value) == "yaml_alias_bomb.md:7: e: YAML aliases expand to more than 10,000 values; not read"
    selfish = tmp_path / "self.md"
    selfish.write_text("---\ntitle: 나\nme: &me [*me]\n---\n본문\n", encoding="utf-8")
    with pytest.raises(NoteError, match=r"^self\.md:3: me\.0: a YAML alias refers to itself$"):
        read_note(tmp_path, Path("self.md"))
    shared = tmp_path / "shared.md"  # a few ordinary aliases still read
    shared.write_text("---\nbase: &b {color: red}\nother: *b\ntags: [a, b]\n---\n본문\n", encoding="utf-8")
    assert read_note(tmp_path, Path("shared.md")).meta["other"] == {"color": "red"}


def test_impossible_dates_name_file_line_and_key(tmp_path: Path) -> None:
    """Finding 17 of #18: `date: 2024-13-45` gave `note.md:0: unexpected ValueError: month must be
    in 1..12`. Now the file, the line and the key (nested keys by path)."""
    with pytest.raises(NoteError) as err:
        read_note(BAD, Path("impossible_date.md"))
    assert str(err.value) == "impossible_date.md:3: date: month must be in 1..12 (2024-13-45)"
    nested = tmp_path / "nested.md"
    nested.write_text("---\ntitle: 행사\nevents:\n  - name: 개업\n    when: 2024-02-30\n---\n본문\n", encoding="utf-8")
    with pytest.raises(NoteError) as err:
        read_note(tmp_path, Path("nested.md"))
    assert str(err.value) == "nested.md:5: events.0.when: day is out of range for month (2024-02-30)"


def test_a_note_without_a_date_gives_the_letter_no_invented_date(tmp_path: Path) -> None:
    """Finding 17 of #18: a note without a date got its file time (today, for a note just
    written) as the newsletter's Date. Now the .eml is an unsent draft with no Date, which
    the mail program or service that sends it fills in (RFC 6409 §8.3); a dated note keeps its date."""
    from email import message_from_bytes

    vault = tmp_path / "vault"
    vault.mkdir()
    body = "\n\n".join(f"과정을 공개하면 {n}번째 사람이 함께 만든다. 결과만 보여주면 비교당한다." for n in range(1, 6))
    (vault / "undated.md").write_text(f"# 날짜 없는 노트\n\n{body}\n", encoding="utf-8")
    (vault / "dated.md").write_text(f"---\ndate: 2024-03-05\n---\n# 날짜 있는 노트\n\n{body}\n", encoding="utf-8")
    letters = {}
    for name in ("undated.md", "dated.md"):
        parsed, note_roots, index, insights, settings = pipeline(vault, name)
        result = rendered(parsed, insights, note_roots, index, settings, ("newsletter",))
        eml = next(o for o in result.outputs if o.path.endswith(".eml"))
        assert all(r.ok for r in eml.lint), eml.lint
        letters[name] = message_from_bytes(eml.content)
    assert letters["undated.md"]["Date"] is None and letters["undated.md"]["X-Unsent"] == "1"
    assert letters["dated.md"]["Date"] == "Tue, 05 Mar 2024 00:00:00 +0000" and letters["dated.md"]["X-Unsent"] is None
