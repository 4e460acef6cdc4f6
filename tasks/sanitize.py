"""HTML sanitising with nh3 (ammonia): what may be pasted into Naver Blog or sent as mail.

Only the `<body>` of a standalone document is cleaned, so the `<head>` (charset, title,
osmu header comment) stays; inside it only harmless tags, `style`/`alt`/`href` attributes
and http(s)/mailto links survive. Scripts, event handlers and `javascript:` URLs go.
"""

from __future__ import annotations

import re

import nh3

TAGS = frozenset(nh3.ALLOWED_TAGS)
ATTRIBUTES = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "*": {"style", "class", "lang"},
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
}
BODY = re.compile(r"(<body[^>]*>)(.*)(</body>)", re.DOTALL | re.IGNORECASE)


def clean(fragment: str) -> str:
    """A safe HTML fragment."""
    return str(
        nh3.clean(
            fragment,
            tags=set(TAGS),
            attributes=ATTRIBUTES,
            url_schemes={"http", "https", "mailto"},
            link_rel="noopener noreferrer",
            strip_comments=True,
        )
    )


def sanitize_body(html: str) -> str:
    """`html` with its body (or, without a body, all of it) cleaned."""
    match = BODY.search(html)
    if match is None:
        return clean(html)
    return html[: match.start(2)] + clean(match.group(2)) + html[match.end(2) :]
