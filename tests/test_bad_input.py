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
}
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
    assert sources == {nfc(n) for n in notes} - set(fails) - hidden - silent
    assert not any(b"OUTSIDE-SECRET" in p.read_bytes() for p in out.rglob("*") if p.is_file())
    assert "2 with nothing to say (skipped)" in text
