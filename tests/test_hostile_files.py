"""Issue 18, part A: what careless or hostile files on disk did to a run, one test per finding.

Backups overwritten (2), NFC/NFD twins merged (3), `--out` inside the vault read back as notes
(4), links in the vault publishing files from outside it (5), outputs ignoring the umask (10),
a FIFO named `.md` blocking the reader (12). The Prefect server and storage findings (1, 6, 18)
are in tests/test_prefect_safety.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tasks import changes
from tasks.model import NoteError, WriteReport
from tasks.project import ConfigError
from tasks.vault.read import iter_note_paths, list_vault, read_note
from tasks.write.outputs import write_outputs
from tests.conftest import BOOK, ROOT
from tests.helpers import pipeline, render, settings_for

BLOG = "blog/프로세스-이코노미.md"
SECRET = "OUTSIDE-THE-VAULT-7f3a 밖에 둔 일기의 문장은 어디에도 나오면 안 된다."


def _write(vault: Path, out: Path, force: bool = False) -> WriteReport:
    parsed, _, _, insights, _ = pipeline(vault, BOOK)
    return write_outputs(render(vault, BOOK), parsed.note.source_hash, insights, (), out, force)


def _osmu(args: list[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """The real CLI in a child process (commands that run no flow: quick, and a hang fails, not blocks)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


@contextlib.contextmanager
def umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


# 2. A second --force destroyed the first backup, and no run said where the backup was.


def test_each_force_keeps_a_new_backup_and_names_it(vault: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    blog = Path(_write(vault, out).out_dir) / BLOG
    versions = []
    for n in (1, 2):
        blog.write_text(blog.read_text(encoding="utf-8") + f"\n손으로 고친 판 V{n}\n", encoding="utf-8")
        versions.append(blog.read_bytes())
        report = _write(vault, out, force=True)
        forced = next(f for f in report.files if f.path == BLOG)
        assert forced.status == "forced" and forced.backup, forced
        assert Path(forced.backup).read_bytes() == versions[-1]  # the run names the backup it made
    backups = sorted(blog.parent.glob("프로세스-이코노미.osmu-backup*.md"))
    assert [p.name for p in backups] == ["프로세스-이코노미.osmu-backup-2.md", "프로세스-이코노미.osmu-backup.md"]
    assert {p.read_bytes() for p in backups} == set(versions)  # V1 survives the second --force


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_cli_force_says_where_the_backup_is(vault: Path, tmp_path: Path) -> None:
    from flows.cli import app

    out = tmp_path / "out"
    args = ["run", BOOK, "--vault", str(vault), "--out", str(out), "--channels", "blog"]
    assert CliRunner().invoke(app, args).exit_code == 0
    blog = out / "프로세스-이코노미" / BLOG
    blog.write_text(blog.read_text(encoding="utf-8") + "\n직접 고친 결론\n", encoding="utf-8")
    forced = CliRunner().invoke(app, [*args, "--force"])
    assert forced.exit_code == 0, forced.output
    backup = blog.parent / "프로세스-이코노미.osmu-backup.md"
    assert "직접 고친 결론" in backup.read_text(encoding="utf-8")
    assert "your version saved" in forced.output and backup.name in forced.output, forced.output


# 3. NFC/NFD twins shared one source path and one output folder.


def _twins(vault: Path) -> tuple[Path, Path]:
    folder = vault / "notes"
    folder.mkdir(exist_ok=True)
    composed = folder / unicodedata.normalize("NFC", "노트.md")
    decomposed = folder / unicodedata.normalize("NFD", "노트.md")
    composed.write_text("# 합친 쪽\n\n- NFC로 저장된 노트의 생각은 이쪽에만 있다.\n", encoding="utf-8")
    decomposed.write_text("# 분리된 쪽\n\n- NFD로 저장된 노트의 생각은 저쪽에만 있다.\n", encoding="utf-8")
    assert composed != decomposed and len(list(folder.iterdir())) == 2
    return composed, decomposed


def test_nfc_and_nfd_twins_are_both_refused_by_name(vault: Path) -> None:
    for path in _twins(vault):
        with pytest.raises(NoteError) as err:
            read_note(vault, path.relative_to(vault))
        assert err.value.file == "notes/노트.md"  # NFC, whichever form is on disk
        assert "two files have this name" in err.value.message and "rename one" in err.value.message
    # a lone NFD name is not a twin: it is read, under its NFC name
    decomposed = vault / unicodedata.normalize("NFD", "30-knowledge/혼자.md")
    decomposed.write_text("# 혼자\n\n- 짝이 없는 NFD 이름의 노트다.\n", encoding="utf-8")
    assert read_note(vault, decomposed.relative_to(vault)).path == "30-knowledge/혼자.md"


def test_nfc_and_nfd_twins_are_never_merged_into_one_output_folder(vault: Path, tmp_path: Path) -> None:
    from tasks.pipeline import open_vault, run_note

    _twins(vault)
    settings = settings_for(vault, out=tmp_path / "out")
    context = open_vault(settings)
    for path in sorted((vault / "notes").iterdir()):
        with pytest.raises(NoteError, match="two files have this name"):
            run_note(settings, context, path, ("blog",), False)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("manifest.json"))


# 4. `--out` equal to the vault (or inside it) made the vault grow without end.


@pytest.mark.parametrize("where", [".", "published", "30-knowledge/out"])
def test_an_out_folder_inside_the_vault_is_refused_with_one_clear_error(vault: Path, where: str) -> None:
    out = vault / where
    with pytest.raises(ConfigError) as err:
        settings_for(vault, out=out)
    assert len(err.value.problems) == 1 and "out:" in err.value.problems[0]
    assert ("vault itself" if where == "." else "inside the vault") in err.value.problems[0]


def test_the_default_an_obsidian_excluded_or_an_outside_out_folder_is_allowed(vault: Path, tmp_path: Path) -> None:
    assert not settings_for(vault).out_dir.is_relative_to(vault)  # the default: outside the vault (#19)
    assert settings_for(vault, out=vault / "_osmu").out_dir == vault / "_osmu"  # the folder osmu init hides
    assert settings_for(vault, out=tmp_path / "elsewhere").out_dir == tmp_path / "elsewhere"
    (vault / ".obsidian").mkdir(exist_ok=True)
    (vault / ".obsidian" / "app.json").write_text(json.dumps({"userIgnoreFilters": ["published/"]}), encoding="utf-8")
    assert settings_for(vault, out=vault / "published").out_dir == vault / "published"
    with pytest.raises(ConfigError, match="inside the vault"):
        settings_for(vault, out=vault / "publishing")  # a prefix of a name is not the folder


def test_outputs_left_inside_the_vault_are_never_read_back_as_notes(vault: Path) -> None:
    """What an old `--out <vault>` left behind: each sweep read it as notes, and wrote more."""
    before = list_vault(vault)
    parsed, _, _, insights, _ = pipeline(vault, BOOK)
    written = write_outputs(render(vault, BOOK), parsed.note.source_hash, insights, (), vault)
    assert any(f.path.endswith(".md") for f in written.files)  # atoms and blog posts: Markdown
    assert list_vault(vault) == before
    assert sorted(s.rel for s in changes.scan_vault(vault)) == sorted(before)
    settings = settings_for(vault)
    again = changes.plan(settings, tuple(settings.channels), changes.SweepState(vault / "state.json"), full=True)
    assert len(again.todo) == len(before)


# 5. A link inside the vault published a file from outside it (file or folder).


def _links(vault: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    (outside / "diary").mkdir(parents=True)
    body = f"---\ntitle: 밖의 일기\n---\n\n# 밖\n\n- {SECRET}\n- 두 번째 생각도 밖에만 있다, 과정에 대해.\n"
    (outside / "secret.md").write_text(body, encoding="utf-8")
    (outside / "diary" / "inner.md").write_text(body, encoding="utf-8")
    (vault / "notes").mkdir(exist_ok=True)
    (vault / "notes" / "link.md").symlink_to(outside / "secret.md")
    (vault / "notes" / "linkdir").symlink_to(outside / "diary", target_is_directory=True)


@pytest.mark.parametrize("note", ["notes/link.md", "notes/linkdir/inner.md"])
def test_a_link_out_of_the_vault_is_refused_by_the_cli(note: str, vault: Path, tmp_path: Path) -> None:
    _links(vault, tmp_path)
    for cwd, arg in ((vault, note), (tmp_path, note), (tmp_path, str(vault / note))):
        done = _osmu(["insights", arg, "--vault", str(vault), "--json"], cwd)
        assert done.returncode == 1, done.stdout + done.stderr
        assert "OUTSIDE-THE-VAULT" not in done.stdout + done.stderr
        assert f"{note}:0: is a link to a file outside the vault" in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1


def test_a_sweep_never_reads_through_a_link_out_of_the_vault(vault: Path, tmp_path: Path) -> None:
    _links(vault, tmp_path)
    assert "notes/linkdir/inner.md" not in list_vault(vault)  # links to folders are not followed
    assert "notes/linkdir/inner.md" not in {s.rel for s in changes.scan_vault(vault)}
    with pytest.raises(NoteError, match="outside the vault"):
        read_note(vault, vault / "notes" / "link.md")


# 10. Every output was 0600: mkstemp's mode, never changed.


@pytest.mark.parametrize("mask", [0o022, 0o002, 0o077])
def test_outputs_follow_the_umask(mask: int, vault: Path, tmp_path: Path) -> None:
    with umask(mask):
        report = _write(vault, tmp_path / "out")
    files = [Path(f.written_to) for f in report.files]
    assert files and all(stat.S_IMODE(p.stat().st_mode) == 0o666 & ~mask for p in files), {
        p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in files
    }


# 12. A FIFO named `.md` blocked `osmu run` and `osmu sweep` forever.


def _fifo(vault: Path) -> Path:
    fifo = vault / "30-knowledge" / "pipe.md"
    os.mkfifo(fifo)
    (vault / "30-knowledge" / "links-the-pipe.md").write_text("# 링크\n\n- 파이프를 가리키는 [[pipe]] 링크.\n")
    return fifo


@pytest.mark.timeout(120)
def test_a_fifo_is_refused_with_one_line_and_nothing_blocks(vault: Path, tmp_path: Path) -> None:
    _fifo(vault)
    with pytest.raises(NoteError, match=r"not a regular file \(a FIFO\)") as err:
        read_note(vault, Path("30-knowledge/pipe.md"))
    assert err.value.file == "30-knowledge/pipe.md" and err.value.line == 0
    assert read_note(vault, Path("30-knowledge/links-the-pipe.md")).path == "30-knowledge/links-the-pipe.md"
    settings = settings_for(vault, out=tmp_path / "out")
    plan = changes.plan(settings, tuple(settings.channels), changes.SweepState(tmp_path / "state.json"))
    fifo = next(c for c in plan.todo if c.stat.rel == "30-knowledge/pipe.md")
    assert fifo.sha == changes.NOT_A_FILE and not fifo.stat.regular
    done = _osmu(["insights", "30-knowledge/pipe.md", "--vault", str(vault)], vault, timeout=100)
    assert done.returncode == 1 and done.stderr.strip() == (
        "error: 30-knowledge/pipe.md:0: is not a regular file (a FIFO); skipped"
    ), done.stderr
    assert vault / "30-knowledge" / "pipe.md" in list(iter_note_paths(vault))  # listed, so the sweep reports it
