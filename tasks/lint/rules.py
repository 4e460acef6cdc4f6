"""The channel rules of spec/channels.md as named checks (limits come from channel.yaml).

Text rules take `(text, *, rule, **params)`, binary rules `(data, *, rule, **params)`;
each returns one `LintResult` whose message says what was measured and the limit.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from email.message import EmailMessage
from email.parser import BytesParser
from functools import lru_cache
from html import unescape
from html.parser import HTMLParser
from typing import Any

import yaml

from tasks.builders.email import READ_POLICY
from tasks.model import LintResult

FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)
HASHTAG = re.compile(r"(?<![\w#])#([^\s#]+)")
TRUNCATED = ("…", "...")
AD_PREFIX = "(광고)"
UNSUBSCRIBE = "수신거부"


def _result(rule: str, problems: list[str], ok_message: str) -> LintResult:
    return LintResult(rule, not problems, "; ".join(problems) if problems else ok_message)


_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML has it (bench/run profile: pure-Python PyYAML was ~9 ms a note)."""


def front_matter(text: str) -> dict[str, Any]:
    """The YAML front matter of a markdown output (empty when absent or not a mapping)."""
    match = FRONT_MATTER.match(text)
    data = yaml.load(match.group(1), Loader=_SAFE_LOADER) if match else None
    return data if isinstance(data, dict) else {}


def blog_front_matter(text: str, *, keys: list[str], description_max: int, rule: str) -> LintResult:
    """Static-site keys present, description ≤ max chars on one line, slug never empty."""
    meta = front_matter(text)
    problems = [f"missing '{k}'" for k in keys if k not in meta]
    description = str(meta.get("description", ""))
    if len(description) > description_max or "\n" in description:
        problems.append(f"description {len(description)} chars (max {description_max}, one line)")
    if not str(meta.get("slug", "")).strip() or "/" in str(meta.get("slug", "")):
        problems.append("slug empty or contains '/'")
    if not isinstance(meta.get("draft"), bool):
        problems.append("draft is not true/false")
    return _result(rule, problems, f"{len(keys)} keys present, description {len(description)} chars")


def hook(text: str, *, max: int, rule: str) -> LintResult:
    """The first line (shown before '…more') is a whole, non-empty sentence of ≤ max chars."""
    first = text.split("\n", 1)[0].strip()
    problems = []
    if not first:
        problems.append("empty first line")
    if len(first) > max:
        problems.append(f"first line {len(first)} chars (max {max})")
    if first.endswith(TRUNCATED):
        problems.append("first line is cut off ('…')")
    return _result(rule, problems, f"hook {len(first)} chars (max {max})")


CARRIER = "를 보았다"
"""Phrase a hashtag is analysed in (see `particle_start`)."""


def particle_start(word: str) -> int:
    """Where a trailing Korean particle starts in `word` (`len(word)` when there is none).

    The word is analysed inside a carrier phrase (`…를 보았다`): alone, Kiwi reads a noun
    such as 당도 as 당 + particle 도; followed by an object marker it is one noun.
    """
    from tasks.nlp.korean import has_hangul
    from tasks.nlp.morph import analysis

    if not has_hangul(word):
        return len(word)
    inside = [t for t in analysis(word + CARRIER) if t.start < len(word)]
    if len(inside) > 1 and inside[-1].tag.startswith("J") and inside[-1].start > 0:
        return int(inside[-1].start)
    return len(word)


def hashtags(text: str, *, rule: str) -> LintResult:
    """Each hashtag is letters/digits only (no spaces, hyphens) and ends without a particle."""
    problems = []
    for tag in HASHTAG.findall(text):
        if not re.fullmatch(r"\w+", tag) or tag.isdigit():
            problems.append(f"#{tag}: not a plain word")
        elif particle_start(tag) < len(tag):
            problems.append(f"#{tag}: ends with a particle")
    return _result(rule, problems, "hashtags are plain words")


def slide_count(text: str, *, min: int, max: int, pattern: str = r"^## Slide \d+", rule: str) -> LintResult:
    """Between `min` and `max` slides (headings matching `pattern`)."""
    n = len(re.findall(pattern, text, re.MULTILINE))
    return LintResult(rule, min <= n <= max, f"{n} slides (allowed {min}-{max})")


def alt_text(text: str, *, max: int, rule: str) -> LintResult:
    """Every slide has an `alt:` line, non-empty and ≤ max chars."""
    slides = len(re.findall(r"^## Slide \d+", text, re.MULTILINE))
    alts = re.findall(r"^alt: ?(.*)$", text, re.MULTILINE)
    problems = [] if len(alts) == slides else [f"{len(alts)} alt texts for {slides} slides"]
    problems += [f"alt {i} is {len(a)} chars (1-{max})" for i, a in enumerate(alts, 1) if not 0 < len(a) <= max]
    return _result(rule, problems, f"{len(alts)} alt texts")


class _EmailFacts(HTMLParser):
    """What the email rules need from an HTML document (stdlib parser, no network)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.title = ""
        self.preheader = ""
        self.preheader_style = ""
        self.commercial = False
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.styles: list[str] = []
        self.links: list[tuple[str, str]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.append((tag, a))
        if tag == "meta" and a.get("name") == "osmu-commercial":
            self.commercial = a.get("content") == "true"
        if a.get("id") == "preheader":
            self.preheader_style = a.get("style", "")
        if tag == "a":
            self.links.append((a.get("href", ""), ""))
        if tag not in ("meta", "img", "br", "hr", "link", "input"):
            self.stack.append("preheader" if a.get("id") == "preheader" else tag)

    def handle_endtag(self, tag: str) -> None:
        if self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        where = self.stack[-1] if self.stack else ""
        if where == "title":
            self.title += data
        elif where == "style":
            self.styles.append(data)
        elif "preheader" in self.stack:
            self.preheader += data
        else:
            self.text.append(data)
            if where == "a" and self.links:
                href, label = self.links[-1]
                self.links[-1] = (href, label + data)


@lru_cache(maxsize=4)
def _facts(html: str) -> _EmailFacts:
    """Parsed once per document: the preheader, layout and ad-law rules read the same email
    (read-only: rules never change the facts)."""
    parser = _EmailFacts()
    parser.feed(html)
    parser.close()
    return parser


def preheader(text: str, *, min: int, max: int, rule: str) -> LintResult:
    """A preheader of min–max chars, hidden with display:none (no 1 px or same-colour tricks)."""
    facts = _facts(text)
    n = len(facts.preheader.strip())
    style = facts.preheader_style.replace(" ", "").lower()
    problems = [] if min <= n <= max else [f"preheader {n} chars (allowed {min}-{max})"]
    if "display:none" not in style:
        problems.append("preheader not hidden with display:none")
    if re.search(r"font-size:[01]px|(?<!-)color:#?(fff|ffffff|white)\b|opacity:0", style):
        problems.append("preheader hidden with a spam-filter trick (tiny or invisible text)")
    return _result(rule, problems, f"preheader {n} chars (allowed {min}-{max})")


def email_html(text: str, *, max_width: int, rule: str) -> LintResult:
    """Table layout ≤ max_width px, styles inlined (only @-rules left), no scripts, images with alt."""
    facts = _facts(text)
    problems = []
    widths = [int(a["width"]) for t, a in facts.tags if t == "table" and a.get("width", "").isdigit()]
    if not any(t == "table" for t, _ in facts.tags):
        problems.append("no table layout")
    if any(w > max_width for w in widths):
        problems.append(f"table wider than {max_width}px: {max(widths)}")
    if any(t == "script" for t, _ in facts.tags):
        problems.append("<script> present")
    if any(t == "link" and "stylesheet" in a.get("rel", "") for t, a in facts.tags):
        problems.append("external stylesheet")
    if any(t == "img" and not a.get("alt", "").strip() for t, a in facts.tags):
        problems.append("image without alt text")
    leftover = re.sub(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", "", " ".join(facts.styles)).strip()
    if leftover:
        problems.append(f"CSS not inlined: {leftover[:60]!r}")
    return _result(rule, problems, f"table layout, max width {max(widths, default=0)}px")


def _ad_law(subject: str, body_text: str, links: list[tuple[str, str]], sender: str, contact: str) -> list[str]:
    problems = []
    if not subject.startswith(AD_PREFIX):
        problems.append(f"commercial subject does not start with {AD_PREFIX}: {subject[:30]!r}")
    if sender and sender not in body_text:
        problems.append("sender not named")
    if contact and contact not in body_text:
        problems.append("contact not given")
    if not any(UNSUBSCRIBE in label and href.startswith(("http", "mailto:")) for href, label in links):
        problems.append(f"no {UNSUBSCRIBE} link")
    return problems


def ad_law(text: str, *, rule: str) -> LintResult:
    """정보통신망법 §50, when the mail is marked commercial: (광고) subject, sender, contact, 수신거부."""
    facts = _facts(text)
    if not facts.commercial:
        return LintResult(rule, True, "not commercial mail")
    meta = {a.get("name"): a.get("content", "") for t, a in facts.tags if t == "meta"}
    body = " ".join(facts.text)
    problems = _ad_law(
        facts.title.strip(), body, facts.links, meta.get("osmu-sender", ""), meta.get("osmu-contact", "")
    )
    return _result(rule, problems, "(광고) subject, sender, contact and 수신거부 link present")


def marp_slides(text: str) -> list[str]:
    """Slide bodies of a Marp deck (front matter removed)."""
    body = FRONT_MATTER.sub("", text, count=1)
    return [s for s in re.split(r"^---$", body, flags=re.MULTILINE) if s.strip()]


CODE_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})[^\n]*\n.*?^ {0,3}\1[ \t]*$", re.MULTILINE | re.DOTALL)


def lines_per_slide(text: str, *, max: int, block_lines: int = 16, rule: str) -> LintResult:
    """Each slide shows at most `max` lines (speaker notes and blank lines not counted); a code block
    or a table counts as one line, and shows at most `block_lines` lines itself."""
    problems = []
    for i, slide in enumerate(marp_slides(text), 1):
        shown = re.sub(r"<!--.*?-->", "", slide, flags=re.DOTALL)
        blocks = [m.group(0) for m in CODE_FENCE.finditer(shown)]
        shown = CODE_FENCE.sub("```", shown)
        table = [ln for ln in shown.splitlines() if ln.lstrip().startswith("|")]
        blocks += ["\n".join(table)] if table else []
        visible = [ln for ln in shown.splitlines() if ln.strip() and not ln.lstrip().startswith("|")]
        visible += ["|"] if table else []
        big = [b for b in blocks if b.count("\n") + 1 > block_lines + 2]
        if big:
            problems.append(f"slide {i}: a block of {big[0].count(chr(10)) + 1} lines (max {block_lines})")
        if len(visible) > max:
            problems.append(f"slide {i}: {len(visible)} lines (max {max})")
    return _result(rule, problems, f"every slide ≤ {max} lines")


def speaker_notes(text: str, *, rule: str) -> LintResult:
    """Every slide carries speaker notes as an HTML comment."""
    missing = [str(i) for i, s in enumerate(marp_slides(text), 1) if not re.search(r"<!--.*?\S.*?-->", s, re.DOTALL)]
    return _result(rule, [f"slides without notes: {', '.join(missing)}"] if missing else [], "notes on every slide")


def run_of_show(text: str, *, rule: str) -> LintResult:
    """The run-of-show table's durations add up to `total_minutes` of the front matter."""
    total = front_matter(text).get("total_minutes")
    unit = r" *(?:분|min)"  # the guide's labels (channel_templates/_base/labels.yaml)
    minutes = [int(m) for m in re.findall(rf"^\| *\d+{unit} *\| *(\d+){unit} *\|", text, re.MULTILINE)]
    ok = bool(minutes) and sum(minutes) == total
    return LintResult(rule, ok, f"{len(minutes)} blocks, {sum(minutes)} of {total} minutes")


TEXT_RULES: dict[str, Callable[..., LintResult]] = {
    "blog-front-matter": blog_front_matter,
    "hook": hook,
    "hashtags": hashtags,
    "slide-count": slide_count,
    "alt-text": alt_text,
    "preheader": preheader,
    "email-html": email_html,
    "ad-law": ad_law,
    "lines-per-slide": lines_per_slide,
    "speaker-notes": speaker_notes,
    "run-of-show": run_of_show,
}


def png(data: bytes, *, width: int, height: int, max_bytes: int, rule: str) -> LintResult:
    """A PNG of exactly width×height pixels, under max_bytes."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as img:
            size, fmt = img.size, img.format
    except OSError as exc:
        return LintResult(rule, False, f"not an image: {exc}")
    problems = [] if fmt == "PNG" else [f"format {fmt}"]
    if size != (width, height):
        problems.append(f"{size[0]}×{size[1]} (want {width}×{height})")
    if len(data) > max_bytes:
        problems.append(f"{len(data)} bytes (max {max_bytes})")
    return _result(rule, problems, f"PNG {size[0]}×{size[1]}, {len(data)} bytes")


def pptx(data: bytes, *, font: str, rule: str) -> LintResult:
    """Opens with python-pptx, every slide has notes, every run names `font` for Hangul (a:ea)."""
    from pptx import Presentation
    from pptx.oxml.ns import qn

    deck = Presentation(io.BytesIO(data))
    problems = []
    for i, slide in enumerate(deck.slides, 1):
        if not slide.has_notes_slide or not slide.notes_slide.notes_text_frame.text.strip():
            problems.append(f"slide {i} has no notes")
        for r in slide.shapes._spTree.iter(qn("a:r")):
            ea = r.find(f"{qn('a:rPr')}/{qn('a:ea')}")
            if ea is None or ea.get("typeface") != font:
                problems.append(f"slide {i}: a run without the Korean font {font}")
                break
    return _result(rule, problems, f"{len(deck.slides)} slides with notes, font {font}")


def eml(data: bytes, *, max_bytes: int, rule: str) -> LintResult:
    """A parseable message: Subject, From, text/plain + text/html alternatives; ad law if commercial."""
    msg = BytesParser(policy=READ_POLICY).parsebytes(data)
    assert isinstance(msg, EmailMessage)
    problems = [f"missing {h}" for h in ("Subject", "From", "Message-ID") if not msg[h]]
    if not msg["Date"] and msg["X-Unsent"] != "1":  # a draft without a Date is dated by its sender
        problems.append("missing Date")
    plain, html = msg.get_body(("plain",)), msg.get_body(("html",))
    if msg.get_content_type() != "multipart/alternative" or plain is None or html is None:
        problems.append("not multipart/alternative with text and HTML")
    elif len(html.get_content().encode("utf-8")) > max_bytes:
        problems.append(f"HTML part over {max_bytes} bytes")
    else:  # the subject a mail client shows is the letter's own (a fold never loses a space)
        title = re.search(r"<title>(.*?)</title>", html.get_content(), re.S)
        if title and msg["Subject"] and str(msg["Subject"]) != unescape(title.group(1)).strip():
            problems.append(f"Subject {str(msg['Subject'])!r} is not the letter's {unescape(title.group(1)).strip()!r}")
    if html is not None and msg["X-Osmu-Commercial"] == "true":
        facts = _facts(html.get_content())
        sender = str(msg["From"].addresses[0].display_name) if msg["From"] else ""
        problems += _ad_law(str(msg["Subject"]), " ".join(facts.text), facts.links, sender, "")
    return _result(rule, problems, f"multipart/alternative, subject {str(msg['Subject'])[:40]!r}")


BINARY_RULES: dict[str, Callable[..., LintResult]] = {"png": png, "pptx": pptx, "eml": eml}
