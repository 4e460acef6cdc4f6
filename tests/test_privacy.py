"""Private notes, embeds and folders never reach an output; `%% comments %%` never leak."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.repurpose import repurpose_note
from tasks.markdown.parse import parse_note
from tasks.model import NoteError
from tasks.vault.links import NoteIndex
from tasks.vault.privacy import hidden_targets, hide_links, private_reason, protect, refuse_private
from tasks.vault.read import list_vault, load_note, read_note, read_private_paths

PUBLIC = "30-knowledge/33-insights/공개-노트.md"
MARKERS = ("DIARY-MARKER-7731", "SECRET-PLAN-4410", "HIDDEN-NOTE-9902", "COMMENT-MARKER-5521", "TAIL-MARKER-3108")
PRIVATE_NAMES = ("비밀-계획", "숨김노트", "일기장")


def _private_vault(vault: Path) -> Path:
    (vault / "60-private").mkdir()
    (vault / "60-private" / "일기장.md").write_text(
        "---\ntitle: 일기\n---\n\n- DIARY-MARKER-7731 오늘의 속마음.\n", encoding="utf-8"
    )
    (vault / "30-knowledge" / "비밀-계획.md").write_text(
        "---\ntitle: 비밀 계획\npublish: false\n---\n\n- SECRET-PLAN-4410 아직 말하면 안 되는 계획.\n",
        encoding="utf-8",
    )
    (vault / "30-knowledge" / "숨김노트.md").write_text(
        "---\ntitle: 숨김\nprivate: true\n---\n\n- HIDDEN-NOTE-9902 숨겨둔 생각.\n", encoding="utf-8"
    )
    (vault / PUBLIC).write_text(
        "---\ntitle: 공개 노트\ntags: [공개]\n---\n\n"
        "## 핵심 인사이트\n\n"
        "- 과정을 공유하면 팬이 생긴다. 근거는 ![[비밀-계획]] 에 있다.\n"
        "- 자세한 이야기는 [[숨김노트]] 를 보라고 적었지만 보이면 안 된다.\n"
        "- 별칭이 있는 링크는 [[숨김노트|내 작은 실험]] 처럼 별칭만 남는다.\n"
        "- 폴더째 비공개인 [[60-private/일기장]] 과 ![[일기장#오늘]] 도 숨는다.\n"
        "- 공개 노트 [[show-your-work]] 는 그대로 남는다. %% COMMENT-MARKER-5521 %%\n\n"
        "![[비밀-계획]]\n\n"
        "- 마지막 줄. %% TAIL-MARKER-3108 닫히지 않은 주석\n",
        encoding="utf-8",
    )
    (vault / ".osmu").mkdir(exist_ok=True)
    (vault / ".osmu" / "config.yaml").write_text("private_folders: [60-private/]\n", encoding="utf-8")
    return vault


def _all_text(folder: Path) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in sorted(folder.rglob("*")) if p.is_file())


def test_private_reasons() -> None:
    assert private_reason(load_note(b"---\npublish: false\n---\n", "a.md"), ()) == "publish: false"
    assert private_reason(load_note(b"---\nprivate: yes\n---\n", "a.md"), ()) == "private: yes"
    assert private_reason(load_note(b"---\nPrivate: true\n---\n", "a.md"), ()) == "private: true"
    assert private_reason(load_note(b"---\npublish: true\nprivate: false\n---\n", "a.md"), ()) == ""
    assert "private folder" in private_reason(load_note(b"x", "60-private/sub/a.md"), ["60-private"])
    assert private_reason(load_note(b"x", "60-private-not/a.md"), ["60-private"]) == ""


def test_hide_links_drops_embeds_and_keeps_only_aliases() -> None:
    hidden = frozenset({"비밀"})
    text = "a ![[비밀]] b [[비밀]] c [[비밀|별칭]] d [[비밀#제목|별칭2]] e ![[비밀|200]] [[공개]]"
    assert hide_links(text, hidden) == "a  b  c 별칭 d 별칭2 e  [[공개]]"


def test_private_source_is_refused_naming_file_and_line(vault: Path) -> None:
    _private_vault(vault)
    with pytest.raises(NoteError) as err:
        refuse_private(read_note(vault, Path("30-knowledge/비밀-계획.md")), ())
    assert err.value.line == 3 and "private" in str(err.value)
    with pytest.raises(NoteError, match="private folder"):
        refuse_private(read_note(vault, Path("60-private/일기장.md")), ("60-private",))


def test_protect_hides_every_private_link_but_keeps_line_numbers(vault: Path) -> None:
    _private_vault(vault)
    index = NoteIndex.build(list_vault(vault))
    parsed = parse_note(read_note(vault, Path(PUBLIC)))
    linked = {link.target for link in parsed.links}
    assert {"비밀-계획", "숨김노트"} <= linked
    private = read_private_paths(vault, [p.removesuffix(".md") for p in list_vault(vault)], ["60-private"])
    assert private == {"30-knowledge/비밀-계획", "30-knowledge/숨김노트", "60-private/일기장"}
    safe = protect(parsed, hidden_targets(parsed, index, private))
    text = "\n".join(b.text + "\n" + b.source for s in safe.sections for b in s.blocks)
    for name in PRIVATE_NAMES:
        assert name not in text
    assert "내 작은 실험" in text and "show-your-work" in text
    before = [b.lines for s in parsed.sections for b in s.blocks]
    after = [b.lines for s in safe.sections for b in s.blocks]
    assert set(after) <= set(before) and len(after) == len(before) - 1  # the lone embed line is gone
    assert {link.target for link in safe.links} == {"show-your-work"}


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_no_private_content_in_any_output_of_a_real_run(vault: Path, tmp_path: Path) -> None:
    _private_vault(vault)
    out = tmp_path / "out"
    result = repurpose_note(note=PUBLIC, vault=str(vault), out=str(out))
    assert result.ok and result.insights >= 3
    everything = _all_text(out)
    for marker in (*MARKERS, *PRIVATE_NAMES):
        assert marker not in everything, marker
    assert "내 작은 실험" in everything and "과정을 공유하면 팬이 생긴다" in everything
    runner = CliRunner()
    for private in ("30-knowledge/비밀-계획.md", "30-knowledge/숨김노트.md", "60-private/일기장.md"):
        shown = runner.invoke(app, ["run", private, "--vault", str(vault), "--out", str(out)])
        assert shown.exit_code == 1
        assert f"{private}:" in shown.output and "private" in shown.output
        assert "Traceback" not in shown.output
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["공개-노트"]


def test_private_root_note_is_left_out_of_the_root_index(vault: Path) -> None:
    from tasks.vault.read import read_roots

    root = vault / "00-roots" / "root-03-과도함.md"
    root.write_text(root.read_text(encoding="utf-8").replace("---\n", "---\nprivate: true\n", 1), encoding="utf-8")
    notes, problems = read_roots(vault, "00-roots")
    assert "00-roots/root-03-과도함.md" not in {n.path for n in notes}
    assert any(p.code == "private" for p in problems)


def test_insights_command_refuses_private_notes_like_the_pipeline(vault: Path) -> None:
    _private_vault(vault)
    runner = CliRunner()
    for private in ("30-knowledge/비밀-계획.md", "30-knowledge/숨김노트.md", "60-private/일기장.md"):
        shown = runner.invoke(app, ["insights", private, "--vault", str(vault), "--json"])
        assert shown.exit_code == 1, shown.output
        assert f"{private}:" in shown.output and "private" in shown.output and "never publishes" in shown.output
        assert not any(marker in shown.output for marker in MARKERS), shown.output
    shown = runner.invoke(app, ["insights", PUBLIC, "--vault", str(vault), "--json"])
    assert shown.exit_code == 0, shown.output
    assert "내 작은 실험" in shown.output and "과정을 공유하면 팬이 생긴다" in shown.output
    for marker in (*MARKERS, *PRIVATE_NAMES):  # a public note's links to private notes are hidden too
        assert marker not in shown.output, marker


DIARY = "DIARY-MARKER-6062 오늘 세무사에게 서류를 보냈다."


@pytest.mark.parametrize("entry", ["./60-private", "60-private/**", "./60-private/", "*-private", "**/60-private"])
def test_private_folders_written_loosely_still_keep_the_diary_private(vault: Path, entry: str) -> None:
    """Finding 7 of #18: with `[./60-private]` or `['60-private/**']` a diary note was published to 11 files.
    `./` is normalised and globs match; the note is refused and links to it are hidden."""
    (vault / "60-private").mkdir()
    (vault / "60-private" / "일기장.md").write_text(f"# 일기\n\n- {DIARY}\n", encoding="utf-8")
    (vault / "30-knowledge" / "링크-노트.md").write_text(
        "# 링크 노트\n\n- 과정을 공유하면 팬이 생긴다. 근거는 [[일기장]] 에 적었다.\n- 두 번째 생각도 있다.\n",
        encoding="utf-8",
    )
    (vault / ".osmu").mkdir(exist_ok=True)
    (vault / ".osmu" / "config.yaml").write_text(f"private_folders: ['{entry}']\n", encoding="utf-8")
    runner = CliRunner()
    shown = runner.invoke(app, ["insights", "60-private/일기장.md", "--vault", str(vault), "--json"])
    assert shown.exit_code == 1 and "private" in shown.output and "DIARY-MARKER" not in shown.output, shown.output
    public = runner.invoke(app, ["insights", "30-knowledge/링크-노트.md", "--vault", str(vault), "--json"])
    assert public.exit_code == 0, public.output
    assert "일기장" not in public.output and "과정을 공유하면 팬이 생긴다" in public.output
    assert "warning" not in public.output


def test_a_private_folder_that_matches_nothing_is_a_warning(vault: Path) -> None:
    """Finding 7 of #18: an entry that matches nothing (a typo) used to be silent."""
    (vault / "60-private").mkdir()
    (vault / "60-private" / "일기장.md").write_text(f"# 일기\n\n- {DIARY}\n", encoding="utf-8")
    (vault / ".osmu").mkdir(exist_ok=True)
    (vault / ".osmu" / "config.yaml").write_text("private_folders: [60-privte, '60-private/**']\n", encoding="utf-8")
    shown = CliRunner().invoke(app, ["insights", PUBLIC_EXAMPLE, "--vault", str(vault), "--json"])
    warnings = [line for line in shown.output.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "private_folders: '60-privte' matches no folder or note" in warnings[0], shown.output
    (vault / ".osmu" / "config.yaml").write_text("private_folders: [../outside]\n", encoding="utf-8")
    refused = CliRunner().invoke(app, ["insights", PUBLIC_EXAMPLE, "--vault", str(vault), "--json"])
    assert refused.exit_code == 2 and "private_folders: Value error, '../outside' must not leave the vault" in (
        refused.output
    )


PUBLIC_EXAMPLE = "34-learning/34.01-books/books/프로세스-이코노미.md"


def test_private_note_names_never_leak(vault: Path, tmp_path: Path) -> None:
    """Finding 8 of #18: a private note stored with an NFD name (macOS sync) was never recognised
    as private, so its `[[link]]` stayed in the outputs; `[[비밀\\|alias]]` (a link inside a table)
    put `link target not in vault: [[비밀\\]]` into the manifest. Real run, every written byte checked."""
    import unicodedata

    from tasks.pipeline import open_vault, run_note
    from tests.helpers import settings_for

    (vault / "30-knowledge" / unicodedata.normalize("NFD", "비밀일기.md")).write_text(
        "---\npublish: false\n---\n# 비밀\n\n- DIARY-MARKER-7731 오늘의 속마음.\n", encoding="utf-8"
    )
    (vault / "30-knowledge" / "숨김노트.md").write_text(
        "---\nprivate: true\n---\n# 숨김\n\n- 숨김.\n", encoding="utf-8"
    )
    (vault / "30-knowledge" / "표-노트.md").write_text(
        "# 표 노트\n\n- 과정을 공개하면 사람들이 함께 만든다. [[비밀일기]]에 적었던 생각이다.\n\n"
        "| 노트 | 설명 |\n|---|---|\n| [[숨김노트\\|내 작은 실험]] | 표 안의 링크 |\n"
        "| [[없는노트\\|별명]] | 없는 노트 |\n\n"
        "- 결과만 보여주면 비교당하지만, 과정을 보여주면 응원받는다. [[비밀일기|그날의 기록]]도 있다.\n",
        encoding="utf-8",
    )
    settings = settings_for(vault, out=tmp_path / "out")
    outcome = run_note(settings, open_vault(settings), Path("30-knowledge/표-노트.md"))
    assert outcome.result.ok and outcome.result.files
    everything = _all_text(tmp_path / "out")
    for name in ("비밀일기", "숨김노트", "DIARY-MARKER", "\\]]"):
        assert name not in everything, name
    assert "그날의 기록" in everything and "내 작은 실험" in everything
    assert "link target not in vault: [[없는노트]]" in everything  # a missing note is named without the escape


def test_daily_notes_are_private_by_default(vault: Path, tmp_path: Path) -> None:
    """Finding 9 of #18: a sweep published daily journals to every channel ("세무사 사무실 서류 보냄 …
    오늘은 좀 피곤했음"). A daily note (named `YYYY-MM-DD.md`, or in the daily-notes folder that the
    settings or `.obsidian/daily-notes.json` name) is refused like `publish: false`, a link to one is
    hidden, and `publish: true` in its front matter publishes it."""
    from tasks.pipeline import open_vault, run_note
    from tasks.vault.privacy import PrivateNote
    from tests.helpers import settings_for

    (vault / ".obsidian").mkdir(exist_ok=True)
    (vault / ".obsidian" / "daily-notes.json").write_text('{"folder": "Journal", "format": "YYYY-MM-DD"}')
    (vault / "Journal").mkdir()
    (vault / "Journal" / "월요일 기록.md").write_text("# 월요일\n\n- JOURNAL-MARKER-1212 병원 예약.\n")
    (vault / "30-knowledge" / "링크-노트.md").write_text(
        "# 링크 노트\n\n- 과정을 공유하면 팬이 생긴다. 그날 일은 [[2025-11-12]] 과 [[월요일 기록]] 에 적었다.\n"
        "- 두 번째 생각은 [[2025-11-12|그날의 메모]] 처럼 별칭만 남는다.\n",
        encoding="utf-8",
    )
    settings = settings_for(vault, out=tmp_path / "out")
    assert settings.daily_folder == "Journal"
    context = open_vault(settings)
    for daily in ("50-daily/2025-11-12.md", "Journal/월요일 기록.md", "50-daily/2025-11-10.md"):
        with pytest.raises(PrivateNote, match="daily note"):
            run_note(settings, context, Path(daily))
    outcome = run_note(settings, context, Path("30-knowledge/링크-노트.md"))
    assert outcome.result.ok
    everything = _all_text(tmp_path / "out")
    for leaked in ("2025-11-12", "월요일 기록", "JOURNAL-MARKER", "세무사", "피곤했음"):
        assert leaked not in everything, leaked
    assert "그날의 메모" in everything
    published = vault / "50-daily" / "2025-11-12.md"
    published.write_text("---\npublish: true\n---\n" + published.read_text(encoding="utf-8"), encoding="utf-8")
    assert run_note(settings, context, Path("50-daily/2025-11-12.md")).result.ok
    shown = CliRunner().invoke(app, ["insights", "50-daily/2025-11-17.md", "--vault", str(vault), "--json"])
    assert shown.exit_code == 1 and "daily note" in shown.output and "무화과" not in shown.output
