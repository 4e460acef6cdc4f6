"""Fixed words of the outputs follow the note's language (channel_templates/_base/labels.yaml)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from tasks.markdown.parse import parse_note
from tasks.render.labels import LABELS_FILE, labels, note_language, text_language
from tasks.vault.read import load_note
from tests.conftest import BOOK, EXAMPLE_VAULT, ROOT
from tests.helpers import render

ENGLISH = "30-knowledge/33-insights/show-your-work.md"
HANGUL = re.compile(r"[\uac00-\ud7a3]+")


def _files(note: str, vault: Path = EXAMPLE_VAULT) -> dict[str, str]:
    result = render(vault, note, ("blog", "newsletter", "workshop"))
    for output in result.outputs:
        assert all(r.ok for r in output.lint), (output.path, [r for r in output.lint if not r.ok])
    return {o.path: o.content.decode() for o in result.outputs if not o.path.endswith(".pptx")}


def test_every_language_has_every_label() -> None:
    table = yaml.safe_load(LABELS_FILE.read_text(encoding="utf-8"))
    assert set(table) >= {"ko", "en"}
    assert all(set(words) == set(table["ko"]) for words in table.values())


def test_language_detection() -> None:
    assert text_language("프로세스를 공유하면 팬이 생긴다. Process Economy") == "ko"
    assert text_language("Show your work: share something small every day. 프로세스 공유") == "en"
    assert text_language("") == "ko"  # Korean first
    note = load_note(b"---\ntitle: T\nlang: ko\n---\n\nAll English text here.\n", "a.md")
    assert note_language(parse_note(note)) == "ko"  # front matter decides
    assert note_language(parse_note(load_note(b"---\ntitle: T\n---\n\nAll English text here.\n", "a.md"))) == "en"


def test_english_note_gets_english_labels_in_guide_mail_and_post() -> None:
    files = _files(ENGLISH)
    guide = files["workshop/show-your-work-guide.md"]
    mail = files["newsletter/show-your-work.txt"]
    html = files["newsletter/show-your-work.html"]
    for heading in ("# Facilitator guide: Show Your Work", "## Run of show", "## Participant activity",
                    "## Discussion questions", "## Debrief", "| 0 min |"):  # fmt: skip
        assert heading in guide, heading
    # Hangul left: the note's own words (its link to 프로세스 공유) and the legal 수신거부 beside "Unsubscribe".
    leftover = set(HANGUL.findall(guide + mail)) - {"수신거부", "프로세스", "공유"}
    assert not leftover, leftover
    assert "Hello," in mail and "Read the full post: https://" in mail
    assert "From: " in mail and "Unsubscribe (수신거부, free): " in mail
    assert '<html lang="en">' in html and ">Unsubscribe (수신거부)</a>" in html
    post = files["blog/show-your-work.md"]
    # its closing is a callout with a title of its own (`> [!note] Link to my own work`): that names it
    assert "## Link to my own work" in post and "## 마치며" not in post
    assert re.search(r">Link to my own work</h2>", files["blog/show-your-work.naver.html"])
    building = _files(str(ROOT / "tests" / "fixtures" / "insights" / "building-in-public.md"))
    assert "## Closing thoughts" in building["blog/building-in-public.md"]
    assert re.search(r">Closing thoughts</h2>", building["blog/building-in-public.naver.html"])
    assert (
        "About 1 min read" in files["blog/show-your-work.naver.html"]
        or " min read<" in files["blog/show-your-work.naver.html"]
    )


def test_korean_note_keeps_korean_labels() -> None:
    files = _files(BOOK)
    guide = files["workshop/프로세스-이코노미-guide.md"]
    assert "# 진행 가이드: " in guide and "## 진행표 (Run of show)" in guide and "| 0분 |" in guide
    assert f"{labels('ko')['read_more']}: https://" in files["newsletter/프로세스-이코노미.txt"]
    assert '<html lang="ko">' in files["newsletter/프로세스-이코노미.html"]
    assert f"## {labels('ko')['post_closing']}" in files["blog/프로세스-이코노미.md"]
