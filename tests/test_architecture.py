"""The layout's promises: a Prefect-free core, no daemon of our own, one pipeline, stages reading only their input."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tasks.vault.links import NoteIndex
from tasks.vault.privacy import protect_note
from tasks.vault.read import list_vault
from tasks.vault.source import read_source
from tests.conftest import EXAMPLE_VAULT, ROOT
from tests.helpers import settings_for

BLOCK_PREFECT = """
import importlib, importlib.abc, pathlib, sys

class NoPrefect(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "prefect" or name.startswith("prefect."):
            raise ImportError(f"tasks/ imported {name}")
        return None

sys.meta_path.insert(0, NoPrefect())
root = pathlib.Path(sys.argv[1])
for path in sorted((root / "tasks").rglob("*.py")):
    module = ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
    importlib.import_module(module)

from tasks.pipeline import cut_insights, open_vault, render_insights
from tasks.settings import load_settings

settings = load_settings(None, {"vault": pathlib.Path(sys.argv[2])})
context = open_vault(settings)
cut = cut_insights(settings, context, pathlib.Path("00-roots/root-04-프로세스-공유.md"))
result = render_insights(cut.parsed, cut.insights, cut.roots, settings, context)
assert result.outputs and "prefect" not in sys.modules
print(len(result.outputs), "outputs without prefect")
"""


def test_tasks_import_and_run_with_prefect_blocked() -> None:
    done = subprocess.run(
        [sys.executable, "-c", BLOCK_PREFECT, str(ROOT), str(EXAMPLE_VAULT)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    assert "outputs without prefect" in done.stdout


DAEMON_CODE = re.compile(
    r"AF_UNIX|SO_PEERCRED|send_fds|recv_fds|os\.fork\b|O_PATH|threading\._shutdown|atexit\._run_exitfuncs"
    r"|socketserver|\.listen\(|\.accept\(|import socket\b|from socket\b"
)


def test_no_socket_or_daemon_code_of_our_own() -> None:
    """Long-lived work is `osmu watch` / `osmu serve` / Prefect; the local server helper starts `prefect server`."""
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for folder in ("tasks", "flows")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if DAEMON_CODE.search(line)
    ]
    assert found == []
    assert not list((ROOT / "flows").glob("warm*.py")) and not (ROOT / "flows" / "launch.py").exists()


def test_tasks_never_name_prefect() -> None:
    named = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "tasks").rglob("*.py"))
        if re.search(r"^\s*(import prefect|from prefect)", path.read_text(encoding="utf-8"), re.MULTILINE)
    ]
    assert named == []


def test_privacy_stage_reads_nothing_from_disk(vault: Path) -> None:
    """The read stage reads the linked notes' front matter once; the privacy stage works on values alone."""
    secret = vault / "30-knowledge" / "비밀-계획.md"
    secret.write_text("---\npublish: false\n---\n\n비밀 계획의 내용.\n", encoding="utf-8")
    public = vault / "30-knowledge" / "공개-노트.md"
    public.write_text("# 공개 노트\n\n- 과정을 공유한다. [[비밀-계획|내 계획]] 참고.\n", encoding="utf-8")
    settings = settings_for(vault)
    notes = NoteIndex.build(list_vault(vault))
    note = read_source(vault, Path("30-knowledge/공개-노트.md"), notes, settings.private_folders)
    assert note.linked == {"30-knowledge/비밀-계획"} and note.private_links == {"30-knowledge/비밀-계획"}
    secret.unlink()  # gone from disk: privacy must not need it
    from tasks.markdown.parse import parse_note

    safe = protect_note(parse_note(note, settings.navigation_sections), settings, notes)
    text = "\n".join(b.text for s in safe.sections for b in s.blocks)
    assert "비밀" not in text and "내 계획" in text
    assert [link.target for link in safe.links] == []


def test_a_link_the_read_stage_did_not_check_is_hidden(vault: Path) -> None:
    """When in doubt, hide: a parsed link to a note the read stage never looked at is treated as private."""
    (vault / "30-knowledge" / "다른-노트.md").write_text("다른 노트.\n", encoding="utf-8")
    (vault / "30-knowledge" / "공개-노트.md").write_text("# 공개\n\n- 문장. [[다른-노트|별칭]]\n", encoding="utf-8")
    settings = settings_for(vault)
    notes = NoteIndex.build(list_vault(vault))
    note = read_source(vault, Path("30-knowledge/공개-노트.md"), notes, ())
    from dataclasses import replace

    from tasks.markdown.parse import parse_note

    unchecked = replace(note, linked=frozenset(), private_links=frozenset())
    safe = protect_note(parse_note(unchecked), settings, notes)
    assert [link.target for link in safe.links] == []
    public = protect_note(parse_note(note), settings, notes)
    assert [link.target for link in public.links] == ["다른-노트"]
