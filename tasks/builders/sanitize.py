"""HTML sanitising with nh3 (ammonia): what may be pasted into Naver Blog or sent as mail.

Only the `<body>` of a standalone document is cleaned, so the `<head>` (charset, title,
osmu header comment) stays; inside it only harmless tags, `style`/`alt`/`href` attributes
and http(s)/mailto links survive. Scripts, event handlers and `javascript:` URLs go.

Email needs more of HTML than a blog paste (table layout attributes, the `<style>` block
with media queries in the head, Outlook's conditional comments), so `sanitize_email` has
its own allow-list and also strips anything active from the head.
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


EMAIL_TAGS = TAGS | {
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "colgroup", "col",
    "div", "span", "p", "br", "hr", "img", "center", "mark", "small", "sup", "sub", "u", "s",
}  # fmt: skip
EMAIL_ATTRIBUTES = {
    **ATTRIBUTES,
    "*": {"style", "class", "id", "align", "valign", "width", "height", "dir", "lang", "title", "role"},
    "a": {"href", "name", "target", "title"},
    "table": {"cellpadding", "cellspacing", "border", "bgcolor", "summary"},
    "td": {"colspan", "rowspan", "bgcolor"},
    "th": {"colspan", "rowspan", "bgcolor", "scope"},
}
_ACTIVE_HEAD = re.compile(
    r"<script\b.*?</script\s*>|<(?:iframe|object|embed|base|link)\b[^>]*>|\son\w+\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+)"
    r"|<meta\b[^>]*http-equiv\s*=\s*[\"']?refresh[^>]*>",
    re.IGNORECASE | re.DOTALL,
)
_STYLE_ESCAPES = re.compile(r"expression\s*\(|javascript:|@import|behavior\s*:|-moz-binding", re.IGNORECASE)


def clean_email(fragment: str) -> str:
    """An email body fragment: table layout kept, nothing active."""
    cleaned = nh3.clean(
        fragment,
        tags=set(EMAIL_TAGS),
        clean_content_tags={"script", "style", "iframe", "object", "embed", "template", "noscript"},
        attributes={k: set(v) for k, v in EMAIL_ATTRIBUTES.items()},
        url_schemes={"http", "https", "mailto", "tel", "cid"},
        link_rel=None,  # keep links as written
        strip_comments=False,  # osmu's header block and Outlook conditionals are comments
    )
    return _STYLE_ESCAPES.sub("", str(cleaned))


def sanitize_email(html: str) -> str:
    """A whole email document: head kept minus anything active, body cleaned (or a fragment)."""
    match = BODY.search(html)
    if match is None:
        return clean_email(html)
    head = _STYLE_ESCAPES.sub("", _ACTIVE_HEAD.sub("", html[: match.start(2)]))
    return head + clean_email(match.group(2)) + html[match.end(2) :]
