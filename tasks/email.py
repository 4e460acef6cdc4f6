"""A `.eml` file (Python's `email` package) that a mail client opens: text + HTML alternatives.

The boundary, Date and Message-ID come from the note (never the clock or a random source),
so an unchanged note gives identical bytes.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime


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
    """A multipart/alternative message; `day` is `YYYY-MM-DD`, `key` makes ids unique."""
    subject, sender = " ".join(subject.split()), " ".join(sender.split())  # headers are one line
    digest = hashlib.sha256(f"{key}\n{subject}\n{text}\n{html}".encode()).hexdigest()
    msg = EmailMessage(policy=policy.SMTP)
    msg["Subject"] = subject
    user, _, domain = from_address.partition("@")
    msg["From"] = Address(display_name=sender, username=user, domain=domain or "localhost")
    msg["To"] = "undisclosed-recipients:;"
    msg["Date"] = format_datetime(datetime.fromisoformat(day).replace(tzinfo=UTC))
    msg["Message-ID"] = f"<{digest[:24]}@{domain or 'osmu.invalid'}>"
    if unsubscribe_url:
        msg["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    msg["X-Osmu-Commercial"] = "true" if commercial else "false"
    msg.set_content(text, subtype="plain", charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")
    msg.set_boundary(f"osmu-{digest[24:48]}")
    return msg.as_bytes()
