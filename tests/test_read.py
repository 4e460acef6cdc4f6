"""Stage read: front matter, encodings, errors that name the file and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.model import NoteError
from tasks.vault.read import load_note, read_note
from tests.conftest import BOOK, EXAMPLE_VAULT, FIXTURES, ROOT_NOTE

NOTES = FIXTURES / "notes"


def test_book_note_front_matter_and_kind() -> None:
    note = read_note(EXAMPLE_VAULT, Path(BOOK))
    assert note.path == BOOK
    assert note.meta["root-concepts"] == ["프로세스-공유", "의미가치", "응원-경제"]
    assert note.body_line == 8
    assert note.kind == "knowledge"
    assert note.source_hash.startswith("sha256:") and len(note.source_hash) == 71


def test_root_note_is_root_kind() -> None:
    assert read_note(EXAMPLE_VAULT, Path(ROOT_NOTE)).kind == "root"


def test_malformed_front_matter_names_file_and_line() -> None:
    with pytest.raises(NoteError) as err:
        read_note(NOTES, Path("malformed_front_matter.md"))
    assert err.value.file == "malformed_front_matter.md"
    assert err.value.line == 2  # `title: 프로세스 이코노미: 부제` — a colon inside a plain value
    assert "malformed_front_matter.md:2:" in str(err.value)


def test_duplicate_keys_are_an_error_not_last_wins() -> None:
    with pytest.raises(NoteError) as err:
        read_note(NOTES, Path("duplicate_keys.md"))
    assert err.value.line == 4
    assert "duplicate" in err.value.message.lower()


def test_unclosed_front_matter_is_an_error() -> None:
    with pytest.raises(NoteError, match="never closed") as err:
        read_note(NOTES, Path("unclosed_front_matter.md"))
    assert err.value.line == 1


def test_crlf_and_bom_are_normalised() -> None:
    crlf = read_note(NOTES, Path("crlf.md"))
    bom = read_note(NOTES, Path("bom.md"))
    assert crlf.meta["title"] == "CRLF 노트" and "\r" not in crlf.text
    assert bom.meta["title"] == "BOM 노트" and not bom.text.startswith("\ufeff")


def test_invalid_utf8_reports_the_line() -> None:
    with pytest.raises(NoteError) as err:
        load_note(
            "---\ntitle: x\n---\n\n좋은 줄\n\xff\xfe bad".encode("utf-8", "surrogateescape")[:-6] + b"\xff\xfe bad",
            "x.md",
        )
    assert err.value.line == 6


def test_binary_file_is_refused() -> None:
    with pytest.raises(NoteError, match="binary"):
        load_note(b"\x89PNG\r\n\x1a\n\x00\x00", "image.md")


def test_missing_file() -> None:
    with pytest.raises(NoteError, match="not found"):
        read_note(EXAMPLE_VAULT, Path("nope.md"))
