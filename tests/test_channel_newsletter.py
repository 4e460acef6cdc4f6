"""Newsletter: HTML email + text part + .eml; preheader; 정보통신망법 §50 when commercial; real Chromium."""

from __future__ import annotations

import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from PIL import Image

from tasks.channels.newsletter import preheader
from tasks.model import Insight
from tests.chromium import chromium, screenshot
from tests.conftest import BOOK, EXAMPLE_VAULT, ROOT_NOTE
from tests.helpers import pipeline, rendered

CHANNEL_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "channels"


def _newsletter(note: str, vault: Path = EXAMPLE_VAULT, **newsletter: object) -> dict[str, bytes]:
    parsed, note_roots, index, insights, settings = pipeline(vault, note)
    if newsletter:
        settings = settings.model_copy(update={"options": {"newsletter": newsletter}})
    outputs = rendered(parsed, insights, note_roots, index, settings, ("newsletter",)).outputs
    assert all(r.ok for o in outputs for r in o.lint), [(o.path, r) for o in outputs for r in o.lint if not r.ok]
    return {o.path.rsplit(".", 1)[-1]: o.content for o in outputs}


@pytest.fixture(scope="module")
def root_mail() -> dict[str, bytes]:
    return _newsletter(ROOT_NOTE)


def _message(data: bytes) -> EmailMessage:
    msg = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(msg, EmailMessage)
    return msg


def test_html_is_a_600px_table_email_with_inlined_css(root_mail: dict[str, bytes]) -> None:
    html = root_mail["html"].decode()
    assert len(root_mail["html"]) < 102_000
    assert '<table role="presentation"' in html and 'width="600"' in html
    assert "<script" not in html and "stylesheet" not in html
    style = re.search(r"<style>(.*?)</style>", html, re.DOTALL)
    assert style is not None and set(re.findall(r"@\w+", style.group(1))) == {"@media"}
    assert 'style="font-size: 18px;' in html or 'style="padding: 24px 32px;' in html  # inlined


def test_text_part_has_the_same_content(root_mail: dict[str, bytes]) -> None:
    html, text = root_mail["html"].decode(), root_mail["txt"].decode()
    paragraphs = re.findall(r"<p[^>]*>([^<]+)</p>", html)
    assert len(paragraphs) >= 3
    for p in paragraphs:
        assert p.replace("&#x27;", "'").replace("&quot;", '"').replace("&amp;", "&") in text


def test_eml_opens_as_multipart_alternative(root_mail: dict[str, bytes]) -> None:
    msg = _message(root_mail["eml"])
    assert msg.get_content_type() == "multipart/alternative"
    subject = root_mail["txt"].decode().split("\n", 1)[0]
    assert msg["Subject"] == subject and 0 < len(subject) <= 40  # a hook, never the note's title
    assert "Root 04" not in subject and subject != "프로세스 공유 (Process Sharing)"
    assert msg["From"].addresses[0].display_name == "IMI WORK"
    assert msg["X-Osmu-Commercial"] == "false" and msg["List-Unsubscribe"] == "<https://example.com/unsubscribe>"
    plain, html = msg.get_body(("plain",)), msg.get_body(("html",))
    assert plain is not None and html is not None
    assert plain.get_content().replace("\r\n", "\n") == root_mail["txt"].decode()
    assert html.get_content().replace("\r\n", "\n").rstrip("\n") == root_mail["html"].decode().rstrip("\n")
    assert _newsletter(ROOT_NOTE)["eml"] == root_mail["eml"]  # no clock, no random boundary


def test_commercial_mail_carries_the_legal_parts() -> None:
    mail = _newsletter(BOOK, commercial=True, sender="이미워크", contact="ad@imi.example")
    msg = _message(mail["eml"])
    assert msg["Subject"].startswith("(광고) ") and msg["X-Osmu-Commercial"] == "true"
    html, text = mail["html"].decode(), mail["txt"].decode()
    subject = msg["Subject"]
    assert f"<title>{subject}</title>" in html.replace("&#x27;", "'") and text.startswith(f"{subject}\n")
    assert subject.removeprefix("(광고) ") != "프로세스 이코노미"
    for part in (html, text):
        assert "이미워크" in part and "ad@imi.example" in part and "수신거부" in part
    assert re.search(r'<a href="https://example.com/unsubscribe"[^>]*>수신거부', html)


def test_a_commercial_template_without_unsubscribe_fails_the_lint(vault: Path) -> None:
    override = vault / ".osmu" / "templates" / "newsletter"
    override.mkdir(parents=True)
    (override / "email.html.j2").write_text(
        '{% extends "builtin/email.html.j2" %}{% block footer %}<p>{{ sender }}</p>{% endblock %}', encoding="utf-8"
    )
    parsed, note_roots, index, insights, settings = pipeline(vault, BOOK)
    settings = settings.model_copy(update={"options": {"newsletter": {"commercial": True}}})
    outputs = rendered(parsed, insights, note_roots, index, settings, ("newsletter",)).outputs
    failed = {r.rule: r.message for o in outputs for r in o.lint if not r.ok}
    assert "korean-ad-law" in failed and "수신거부" in failed["korean-ad-law"]
    assert "eml-opens" in failed


def _insight(text: str) -> Insight:
    return Insight("ins-x", "claim", text[:10], text, (1, 1), "s")


@pytest.mark.parametrize(
    ("texts", "title"),
    [
        ([], "AI"),
        (["짧다."], "짧은 제목"),
        (["가" * 300], "긴 문장"),
        (["A short English line."], "Working in Public"),
        (
            ["프로세스를 공유하면 팬이 생긴다.", "과정이 곧 콘텐츠다.", "왜 하는지가 차별점이다.", "작게 시작하라."],
            "제목",
        ),
    ],
)
def test_preheader_is_always_85_to_100_chars(texts: list[str], title: str) -> None:
    text = preheader([_insight(t) for t in texts], 85, 100, title)
    assert 85 <= len(text) <= 100, (len(text), text)


def test_chromium_shows_a_600px_column_and_the_text(root_mail: dict[str, bytes], tmp_path: Path) -> None:
    page = tmp_path / "mail.html"
    page.write_bytes(root_mail["html"])
    shot = Image.open(screenshot(page, tmp_path, 1000, 900)).convert("RGB")
    row = [shot.getpixel((x, 400)) for x in range(shot.width)]
    white = [x for x, px in enumerate(row) if px == (255, 255, 255)]
    assert shot.getpixel((5, 400)) == (0xF4, 0xF1, 0xEC)  # page background around the column
    assert 596 <= white[-1] - white[0] + 1 <= 600
    dom = chromium(page, tmp_path, "--dump-dom")
    assert "수신거부" in dom and "Root 04" not in dom and 'class="button"' in dom
    narrow = Image.open(screenshot(page, tmp_path, 420, 900)).convert("RGB")
    assert narrow.getpixel((5, 400)) == (255, 255, 255)  # the column fills a phone screen


def test_english_note_mail(tmp_path: Path) -> None:
    mail = _newsletter("english-essay.md", CHANNEL_FIXTURES)
    text = mail["txt"].decode()
    assert "Hello," in text and "Read the full post: https://example.com/blog/" in text


def test_readme_theme_example_extends_the_footer(vault: Path) -> None:
    override = vault / ".osmu" / "templates" / "newsletter"
    override.mkdir(parents=True)
    (override / "email.html.j2").write_text(
        '{% extends "builtin/email.html.j2" %}\n{% block footer %}\n{{ super() }}\n'
        "<p>IMI WORK · 서울시 어딘가 · 매주 월요일 발송</p>\n{% endblock %}\n",
        encoding="utf-8",
    )
    mail = _newsletter(BOOK, vault, commercial=True)  # asserts every check passes
    html = mail["html"].decode()
    assert "매주 월요일 발송" in html and "수신거부" in html


def test_a_folded_korean_subject_keeps_its_spaces() -> None:
    """`policy.SMTP` folded `…이상하게 나한테도…` between two encoded words at the space and dropped it
    (mail clients showed `이상하게나한테도`); the lint rule reads the subject back against the letter's."""
    from tasks.builders.email import build_eml
    from tasks.lint.rules import eml

    subject = "손글씨를 쓰는 시간은 이상하게 나한테도 쉼이 된다."
    html = f"<html><head><title>{subject}</title></head><body><p>본문</p></body></html>"
    data = build_eml(
        subject=subject, sender="IMI WORK", from_address="hello@example.com", text="본문", html=html,
        day="2025-11-30", key="k",
    )  # fmt: skip
    assert b"\r\n =?utf-8?b?" in data  # folded over two lines
    assert _message(data)["Subject"] == subject
    assert eml(data, max_bytes=102_400, rule="eml").ok
    wrong = html.replace(subject, subject.replace("이상하게 ", "이상하게"))
    broken = build_eml(
        subject=subject, sender="IMI WORK", from_address="hello@example.com", text="본문", html=wrong,
        day="2025-11-30", key="k",
    )  # fmt: skip
    assert not eml(broken, max_bytes=102_400, rule="eml").ok
