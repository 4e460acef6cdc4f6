"""A `.eml` file (Python's `email` package) that a mail client opens: text + HTML alternatives.

The boundary, Date and Message-ID come from the note (never the clock or a random source),
so an unchanged note gives identical bytes.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email import policy
from email.header import Header
from email.headerregistry import Address, BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any


class _Headers(HeaderRegistry):
    """The standard header classes, each text header parsed once per (name, value).

    Header objects are immutable, and the email package parses a part's Content-Type again
    each time it asks for it (~20 times to read one newsletter back, and the registry makes a
    class on every parse): that was most of the newsletter's lint time (bench/run profile).
    """

    MEMO_SIZE = 256

    def __init__(self) -> None:
        super().__init__()
        self._memo: dict[tuple[str, str], BaseHeader] = {}

    def __call__(self, name: str, value: Any) -> BaseHeader:
        if not isinstance(value, str):  # an Address and the like: built, not parsed
            return super().__call__(name, value)
        found = self._memo.get((name, value))  # the name as given: a header folds with it
        if found is None:
            if len(self._memo) >= self.MEMO_SIZE:
                self._memo.clear()
            found = self._memo[(name, value)] = super().__call__(name, value)
        return found


WRITE_POLICY = policy.SMTP.clone(header_factory=_Headers())
"""How osmu writes a message: `policy.SMTP` (CRLF line ends), headers parsed once."""
READ_POLICY = policy.default.clone(header_factory=_Headers())
"""How osmu reads a message back (the lint rule): `policy.default`, headers parsed once."""
SUBJECT_SLOT = "osmu-subject-slot"
"""What the message is built with as its Subject, replaced by the subject encoded by hand (`_subject`)."""


def _subject(subject: str) -> bytes:
    """A non-ASCII Subject header's value as bytes, folded without losing a space.

    `policy.SMTP` folds a long non-ASCII subject between two encoded words at a space and drops that
    space (RFC 2047: whitespace between encoded words is not part of the text), so mail clients
    showed `이상하게나한테도`. `email.header.Header` keeps each space inside an encoded word.
    """
    return Header(subject, "utf-8", header_name="Subject").encode(linesep="\r\n").encode("ascii")


def build_eml(
    *,
    subject: str,
    sender: str,
    from_address: str,
    text: str,
    html: str,
    day: str,
    key: str,
    unsubscribe_url: str = "",
    commercial: bool = False,
) -> bytes:
    """A multipart/alternative message; `day` is `YYYY-MM-DD` (empty: an unsent draft without a Date
    header, marked `X-Unsent: 1`), `key` makes ids unique."""
    subject, sender = " ".join(subject.split()), " ".join(sender.split())  # headers are one line
    digest = hashlib.sha256(f"{key}\n{subject}\n{text}\n{html}".encode()).hexdigest()
    msg = EmailMessage(policy=WRITE_POLICY)
    by_hand = not subject.isascii()  # an ASCII subject folds at its spaces and keeps them
    msg["Subject"] = SUBJECT_SLOT if by_hand else subject
    user, _, domain = from_address.partition("@")
    msg["From"] = Address(display_name=sender, username=user, domain=domain or "localhost")
    msg["To"] = "undisclosed-recipients:;"
    if day:
        msg["Date"] = format_datetime(datetime.fromisoformat(day).replace(tzinfo=UTC))
    else:  # an unsent draft: the mail program or service that sends it adds the Date (RFC 6409 §8.3)
        msg["X-Unsent"] = "1"
    msg["Message-ID"] = f"<{digest[:24]}@{domain or 'osmu.invalid'}>"
    if unsubscribe_url:
        msg["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    msg["X-Osmu-Commercial"] = "true" if commercial else "false"
    msg.set_content(text, subtype="plain", charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")
    msg.set_boundary(f"osmu-{digest[24:48]}")
    data = msg.as_bytes()
    if not by_hand:
        return data
    slot = f"Subject: {SUBJECT_SLOT}\r\n".encode("ascii")
    return data.replace(slot, b"Subject: " + _subject(subject) + b"\r\n", 1)
