"""The editorial rules of spec/editorial.md: sentences, not fragments, and each channel's shape.

Text rules, same signature as `tasks/lint/rules.py`: `fn(text, *, <params>, rule) -> LintResult`.
The generic rules (`no-ellipsis-cut` … `no-empty-heading`) read what a reader sees, never
osmu's own bookkeeping (see `visible_lines`):

- markdown: the YAML front matter, every HTML comment (the `<!-- osmu source=… -->` header and
  Marp speaker notes), `alt:` and provenance (`from: part=…`) lines of a carousel, fenced
  code blocks (kept as one `[code]` line, so a heading over code is not empty) and inline
  code spans are left out;
- HTML (a text starting with `<!DOCTYPE` or `<html`): only the rendered text, one line per
  block (`# ` headings, `- ` list items indented by depth, `> ` quotes, `| ` table rows);
  `<head>` (the `<title>`, styles), scripts, `<pre>`, comments and the hidden preheader
  (`id="preheader"` or `display:none`) are left out, and attribute values (`src`, `href`)
  are never text.

The channel-shape rules read their own structure and say in their docstring what they skip.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser

from tasks.lint.rules import FRONT_MATTER, HASHTAG, front_matter
from tasks.model import LintResult

COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
FENCE = re.compile(r"^(```|~~~)[^\n]*\n.*?^\1[ \t]*$", re.DOTALL | re.MULTILINE)
INLINE_CODE = re.compile(r"`[^`\n]+`")
ALT_LINE = re.compile(r"^(alt:|from: \w+=).*$", re.MULTILINE)
"""A carousel's `alt:` lines and its provenance lines (`from: part=… insights=…`): not slide text."""
HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t#]*$")
LIST_ITEM = re.compile(r"^([ \t]*)([-*+]|\d+[.)])[ \t]+(.*)$")
SEPARATOR = re.compile(r"^[ \t]*(---+|\*\*\*+|___+|·|=+)[ \t]*$")
ELLIPSIS = ("…", "...")
CODE_LINE = "[code]"
HASHTAG_LINE = re.compile(r"^\s*#[^\s#]+(\s+#[^\s#]+)*\s*$")


def _result(rule: str, problems: list[str], ok_message: str, limit: int = 3) -> LintResult:
    """`problems` → a failing result naming the first `limit` of them (and how many in all)."""
    if not problems:
        return LintResult(rule, True, ok_message)
    more = f" (+{len(problems) - limit} more)" if len(problems) > limit else ""
    return LintResult(rule, False, "; ".join(problems[:limit]) + more)


def _short(text: str, n: int = 40) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= n else text[: n - 1] + "…")


# What a reader sees: HTML → markdown-like lines.

BLOCKS = {"p", "div", "section", "article", "header", "footer", "table", "tbody", "thead", "center", "main"}
SKIPPED = {"head", "title", "style", "script", "pre", "template", "noscript"}
VOID = {"meta", "img", "br", "hr", "link", "input", "source", "col", "wbr", "base", "area"}


class _Reader(HTMLParser):
    """The visible text of an HTML document as markdown-like lines (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.buffer = ""
        self.prefix = ""
        self.stack: list[tuple[str, bool]] = []  # (tag, hidden)
        self.lists = 0
        self.quote = 0
        self.cells: list[str] | None = None

    @property
    def hidden(self) -> bool:
        return any(h for _, h in self.stack)

    def flush(self, blank: bool = True) -> None:
        text = " ".join(self.buffer.split())
        if text and self.cells is not None:
            self.cells.append(text)
        elif text:
            self.lines.append(("> " * self.quote) + self.prefix + text)
        if blank and self.lines and self.lines[-1] != "" and self.cells is None:
            self.lines.append("")
        self.buffer, self.prefix = "", ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "br":
            self.buffer += " "
        if tag in VOID:
            return
        style = a.get("style", "").replace(" ", "").lower()
        hidden = tag in SKIPPED or a.get("id") == "preheader" or "display:none" in style
        self.stack.append((tag, hidden))
        if self.hidden:
            return
        if re.fullmatch(r"h[1-6]", tag):
            self.flush()
            self.prefix = "#" * int(tag[1]) + " "
        elif tag in ("ul", "ol"):
            self.flush(blank=self.lists == 0)
            self.lists += 1
        elif tag == "li":
            self.flush(blank=False)
            self.prefix = "  " * (self.lists - 1) + "- "
        elif tag == "blockquote":
            self.flush()
            self.quote += 1
        elif tag == "tr":
            self.flush(blank=False)
            self.cells = []
        elif tag in ("td", "th"):
            self.flush(blank=False)
        elif tag in BLOCKS:
            self.flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        while self.stack:
            top, hidden = self.stack.pop()
            was_hidden = hidden or self.hidden
            if not was_hidden:
                self._close(top)
            if top == tag:
                break

    def _close(self, tag: str) -> None:
        if tag in ("ul", "ol"):
            self.flush(blank=False)
            self.lists = max(0, self.lists - 1)
            if self.lists == 0:
                self.flush()
        elif tag == "li":
            self.flush(blank=False)
        elif tag == "blockquote":
            self.flush()
            self.quote = max(0, self.quote - 1)
        elif tag in ("td", "th"):
            self.flush(blank=False)
        elif tag == "tr":
            self.flush(blank=False)
            cells, self.cells = self.cells or [], None
            if cells:
                self.lines.append("| " + " | ".join(cells) + " |")
        elif tag == "table" or re.fullmatch(r"h[1-6]", tag) or tag in BLOCKS:
            self.flush()

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.buffer += data


def is_html(text: str) -> bool:
    """An HTML document (newsletter, Naver copy) rather than markdown or plain text."""
    return bool(re.match(r"\s*(<!DOCTYPE|<html)", text, re.IGNORECASE))


def visible_lines(text: str) -> list[str]:
    """The lines a reader sees, markdown-like (see the module docstring for what is left out)."""
    if is_html(text):
        reader = _Reader()
        reader.feed(text)
        reader.close()
        reader.flush()
        return reader.lines
    body = FRONT_MATTER.sub("", text.replace("\r\n", "\n"), count=1)
    body = FENCE.sub(CODE_LINE, body)
    body = COMMENT.sub("", body)
    body = ALT_LINE.sub("", body)
    body = INLINE_CODE.sub("code", body)
    return body.split("\n")


def normalise(text: str) -> str:
    """Text compared for sameness: no markdown markers, punctuation or case, one space."""
    lines = []
    for line in text.splitlines():
        line = re.sub(r"^\s*(#{1,6}\s+|>\s*|[-*+]\s+|\d+[.)]\s+)+", "", line)
        lines.append(line)
    flat = unicodedata.normalize("NFC", " ".join(lines)).lower()
    flat = re.sub(r"[*_~`\"'“”‘’「」『』()\[\]]", "", flat)
    flat = re.sub(r"[\s.,!?;:…·—–-]+", " ", flat)
    return flat.strip()


@dataclass(frozen=True, slots=True)
class Block:
    """A run of visible lines between blank lines, headings and separators."""

    kind: str
    """`heading`, `text` or `end` (a separator: `---`, a `·` line, the end of a slide)."""
    lines: tuple[str, ...]
    """Its lines (a heading: one line)."""
    level: int = 0
    """A heading's level."""


def blocks(lines: Sequence[str]) -> list[Block]:
    """Visible lines → blocks; a separator line is an `end` block (Marp slide break, caption `·`)."""
    out: list[Block] = []
    run: list[str] = []

    def close() -> None:
        if run:
            out.append(Block("text", tuple(run)))
            run.clear()

    for line in lines:
        heading = HEADING.match(line)
        if heading:
            close()
            out.append(Block("heading", (heading.group(2).strip(),), len(heading.group(1))))
        elif SEPARATOR.match(line):
            close()
            out.append(Block("end", ()))
        elif not line.strip():
            close()
        else:
            run.append(line)
    close()
    return out


# Generic rules: every text output.


def _ellipsis_cuts(line: str) -> bool:
    stripped = line.rstrip()
    if stripped.endswith(ELLIPSIS):
        return True
    return bool(re.search(r"\w(…|\.\.\.)(?=\w|[,)\]」』\"'|])", stripped))


def no_ellipsis_cut(text: str, *, rule: str) -> LintResult:
    """No text cut with `…`/`...`: at the end of a line (or a table cell), mid-word, or before `,`,
    a closing bracket or quote (`마침내…,`). Hidden parts and code are left out (module docstring)."""
    problems = []
    for line in visible_lines(text):
        parts = line.split("|") if line.lstrip().startswith("|") else [line]
        if any(_ellipsis_cuts(p) for p in parts):
            problems.append(f"cut with '…': {_short(line)}")
    return _result(rule, problems, "no text cut with '…'")


INTERNAL = (
    (re.compile(r"\broot-\d{2}-"), "root slug"),
    (re.compile(r"[^\s/()\[\]<>\"']+\.md\b"), ".md path"),
    (re.compile(r"\[\[|\]\]"), "wikilink brackets"),
    (re.compile(r"\bRoot \d{1,2}\s*[-–—:]", re.IGNORECASE), "'Root NN -' label"),
    (
        re.compile(
            r"[^\s/()\[\]<>\"'`]+\.(png|jpe?g|gif|webp|svg|heic|pdf|canvas|excalidraw|mp4|mov|docx?|xlsx?|pptx)\b",
            re.IGNORECASE,
        ),
        "file name",
    ),
)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
URL = re.compile(r"https?://\S+|www\.\S+")
LINK_TARGET = re.compile(r"(\]\()[^)]*(\))")


def no_internal_refs(text: str, *, rule: str) -> LintResult:
    """Nothing internal reaches the reader: `root-NN-` slugs, `.md` paths, `[[ ]]`, `Root 04 -`
    labels, bare file names (`발효-탱크-기록.png`) and control characters.

    Beyond the module's exclusions, URLs and markdown link/image targets (`](…)`) are not text
    (an image's file name belongs there); control characters are looked for in the whole file.
    """
    problems = [f"control character U+{ord(c):04X}" for c in sorted(set(CONTROL.findall(text)))]
    for line in visible_lines(text):
        shown = URL.sub(" ", LINK_TARGET.sub(r"\1\2", line))
        for pattern, what in INTERNAL:
            found = pattern.search(shown)
            if found:
                problems.append(f"{what} {found.group(0)!r}")
    return _result(rule, problems, "nothing internal shown")


def _paragraphs(text: str) -> list[str]:
    """Text blocks (headings and separators split them, but are not paragraphs)."""
    return ["\n".join(b.lines) for b in blocks(visible_lines(text)) if b.kind == "text"]


def no_repeated_paragraph(text: str, *, min_chars: int = 20, skip_paragraphs: int = 0, rule: str) -> LintResult:
    """The same paragraph (normalised, ≥ `min_chars`) never twice in one output.

    Headings are not paragraphs; `skip_paragraphs` leaves out the first ones (the newsletter's
    text part opens with its subject and preheader, which the body may repeat). In HTML the
    `<title>` and the hidden preheader are not text (module docstring).
    """
    seen: dict[str, int] = {}
    problems = []
    for i, para in enumerate(_paragraphs(text)[skip_paragraphs:], 1 + skip_paragraphs):
        key = normalise(para)
        if len(key) < min_chars:
            continue
        if key in seen:
            problems.append(f"paragraph {i} repeats paragraph {seen[key]}: {_short(para)}")
        else:
            seen[key] = i
    return _result(rule, problems, f"no paragraph of ≥ {min_chars} chars twice")


def _could_lead(line: str) -> bool:
    """Cheap test before the analyser: only a colon, an English line, or a last Hangul
    syllable ending in ㄴ (은/는/건: the topic particle) can be a lead-in (`korean.ending`)."""
    line = line.rstrip()
    if not line:
        return False
    if line.endswith((":", "：")):
        return True
    last = line[-1]
    if "가" <= last <= "힣":
        return (ord(last) - 0xAC00) % 28 == 4
    return not re.search(r"[가-힣]", line) and last.isalpha()


def _lead(line: str) -> bool:
    from tasks.nlp.korean import ending

    return _could_lead(line) and ending(line) == "lead"


def no_lead_in_alone(text: str, *, rule: str) -> LintResult:
    """A lead-in (`이유는`, `…에서 중요한건`, a line ending in `:`; `tasks/nlp/korean.py` `ending()`
    says `lead`) is followed by its list: a line by a list, a list item by its nested items.

    It fails when a lead-in is the last thing of its paragraph run, slide, section or caption
    paragraph (next comes a heading, a `---`/`·` separator or the end), or when a lead-in list
    item has no deeper item under it (`- 이유는` followed by its siblings). A lead-in followed by
    prose, a table or code is not alone, nor is a lead-in bullet followed by a numbered list (or
    the other way round): a new list under it. Headings and table rows are not read.
    """
    lines = visible_lines(text)
    problems = []
    for i, line in enumerate(lines):
        if not line.strip() or HEADING.match(line) or SEPARATOR.match(line) or line.lstrip().startswith("|"):
            continue
        quote = re.sub(r"^(>\s*)+", "", line)
        item = LIST_ITEM.match(quote)
        content = item.group(3) if item else quote
        if not _lead(content.strip()):
            continue
        after = next((ln for ln in lines[i + 1 :] if ln.strip()), "")
        after = re.sub(r"^(>\s*)+", "", after)
        follower = LIST_ITEM.match(after)
        if item and follower:
            deeper = len(follower.group(1).expandtabs(4)) > len(item.group(1).expandtabs(4))
            other_list = follower.group(2)[0].isdigit() != item.group(2)[0].isdigit()
            alone = not deeper and not other_list
        elif item:
            alone = True
        else:
            alone = not after or bool(HEADING.match(after) or SEPARATOR.match(after))
        if alone:
            problems.append(f"lead-in without its list: {_short(content)}")
    return _result(rule, problems, "every lead-in has its list")


GENERIC_TITLES = ["핵심 인사이트", "인사이트", "핵심 내용", "Key insights", "Key insight", "Insight", "Insights"]
SLIDE_TITLE = re.compile(r"^Slide \d+(?:\s*\((\w+)\))?\s*(?::\s*(.*))?$")


def titles(text: str) -> list[tuple[int, str]]:
    """(block index, title) of every heading; a carousel heading `Slide N (role): Title` gives Title."""
    found = []
    for i, block in enumerate(blocks(visible_lines(text))):
        if block.kind != "heading":
            continue
        title = block.lines[0]
        slide = SLIDE_TITLE.match(title)
        if slide:
            title = (slide.group(2) or "").strip()
        if title:
            found.append((i, title))
    return found


def no_generic_titles(text: str, *, generic: list[str] | None = None, rule: str) -> LintResult:
    """No title from the generic list (`핵심 인사이트`, `Key insights` …), nor the same title on two
    or more slides or sections (compared normalised)."""
    banned = {normalise(g) for g in (generic if generic is not None else GENERIC_TITLES)}
    problems = []
    counts: dict[str, list[str]] = {}
    for _, title in titles(text):
        key = normalise(title)
        if key in banned:
            problems.append(f"generic title {title!r}")
        counts.setdefault(key, []).append(title)
    twice = [names for key, names in counts.items() if len(names) > 1 and key]
    problems += [f"title {names[0]!r} on {len(names)} slides/sections" for names in twice]
    return _result(rule, problems, f"{len(counts)} distinct titles, none generic")


def titles_whole(text: str, *, min_prefix: int = 15, rule: str) -> LintResult:
    """A title never ends in `…` and is never the body cut off: a strict prefix, of at least
    `min_prefix` chars, of the first line under it, cut at a word boundary (what a truncating
    template does). A short name (`Self Us Now` over `Self Us Now: …`) or a name the text goes on
    with a particle glued to it (`…5가지 원리` over `…5가지 원리는 다음과 같다`) is not a cut."""
    problems = []
    items = blocks(visible_lines(text))
    for i, title in titles(text):
        if title.rstrip().endswith(ELLIPSIS):
            problems.append(f"title cut with '…': {_short(title)}")
            continue
        below = items[i + 1] if i + 1 < len(items) and items[i + 1].kind == "text" else None
        if below is None:
            continue
        first = re.sub(r"^\s*(>\s*|[-*+]\s+|\d+[.)]\s+)+", "", below.lines[0]).strip()
        head = title.strip()
        if len(head) >= min_prefix and first != head and first.startswith(head) and not first[len(head)].isalnum():
            whole = first[len(head)] in ".!?。"
            what = "the first sentence under it again" if whole else "the text under it cut off"
            problems.append(f"title is {what}: {_short(title)}")
    return _result(rule, problems, "titles are whole")


def no_empty_heading(text: str, *, rule: str) -> LintResult:
    """No heading followed directly by a heading of the same or a higher level, a separator
    (`---`: the end of a slide) or the end of the output. A `# ` title alone on its slide (a
    deck's title slide: `# Title` then `---`) is not empty."""
    problems = []
    items = blocks(visible_lines(text))
    for i, block in enumerate(items):
        if block.kind != "heading":
            continue
        nxt = items[i + 1] if i + 1 < len(items) else None
        if nxt is not None and nxt.kind == "end" and block.level == 1:
            continue
        if nxt is None or nxt.kind == "end" or (nxt.kind == "heading" and nxt.level <= block.level):
            problems.append(f"empty heading {_short(block.lines[0])}")
    return _result(rule, problems, "no empty heading")


# Hashtags (instagram caption).

FILEISH = [
    "exported", "export", "png", "jpg", "jpeg", "gif", "webp", "svg", "md", "pdf", "html", "http", "https",
    "www", "com", "img", "image", "file", "pasted", "pastedimage", "screenshot", "attachment", "스크린샷", "첨부",
]  # fmt: skip
FILE_EXT = ("png", "jpg", "jpeg", "gif", "webp", "svg", "pdf", "html")


def hashtag_no_number(text: str, *, rule: str) -> LintResult:
    """No hashtag that is a number (`#2024`, `#3.5`) or a hex colour (`#000000`, `#1a2b3c`)."""
    problems = []
    for tag in HASHTAG.findall(text):
        body = tag.rstrip(".,!?")
        if re.fullmatch(r"[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8}", body) and re.search(r"\d", body):
            problems.append(f"#{tag}: a colour code")
        elif re.fullmatch(r"[\d.,:/-]+", body):
            problems.append(f"#{tag}: a number")
    return _result(rule, problems, "no number or colour hashtags")


def hashtag_not_fileish(text: str, *, words: list[str] | None = None, rule: str) -> LintResult:
    """No file-ish hashtag: a word of `words` (exported, png, md, http, www …), a tag starting
    with http/www, or one ending in an image/document extension (`#diagrampng`)."""
    banned = {w.lower() for w in (words if words is not None else FILEISH)}
    problems = []
    for tag in HASHTAG.findall(text):
        low = tag.lower().rstrip(".,!?")
        if low in banned or low.startswith(("http", "www")) or low.endswith(FILE_EXT):
            problems.append(f"#{tag}: a file-ish word")
    return _result(rule, problems, "no file-ish hashtags")


# Instagram carousel and caption.

ROLES = ("cover", "idea", "cta")


def carousel_shape(text: str, *, min_ideas: int, max_ideas: int, rule: str) -> LintResult:
    """Slides headed `## Slide N (role): Title` (role: cover|idea|cta; only the cta must have a
    title: a quote or a one-line idea speaks for itself), numbered from 1: the first a cover, the
    last a cta, `min_ideas`–`max_ideas` idea slides between. Front matter and comments are left out."""
    body = COMMENT.sub("", FRONT_MATTER.sub("", text, count=1))
    heads = re.findall(r"^## (.*)$", body, re.MULTILINE)
    problems: list[str] = []
    roles: list[str] = []
    for n, head in enumerate(heads, 1):
        slide = re.fullmatch(r"Slide (\d+) \((\w+)\)(?::\s*(\S.*))?", head.strip())
        if not slide:
            problems.append(f"heading {n} is not '## Slide N (role): Title': {_short(head)}")
            continue
        if int(slide.group(1)) != n:
            problems.append(f"slide {n} numbered {slide.group(1)}")
        role = slide.group(2)
        if role not in ROLES:
            problems.append(f"slide {n}: unknown role {role!r}")
        if role == "cta" and not slide.group(3):  # an idea slide may speak for itself (a quote, one line)
            problems.append(f"slide {n} ({role}) has no title")
        roles.append(role)
    if not heads:
        problems.append("no slides")
    if roles and roles[0] != "cover":
        problems.append(f"first slide is {roles[0]!r}, not the cover")
    if roles and roles[-1] != "cta":
        problems.append(f"last slide is {roles[-1]!r}, not the cta")
    middle = roles[1:-1]
    others = [r for r in middle if r != "idea"]
    if others:
        problems.append(f"between cover and cta: {others} (idea slides only)")
    ideas = middle.count("idea")
    if not min_ideas <= ideas <= max_ideas:
        problems.append(f"{ideas} idea slides (allowed {min_ideas}-{max_ideas})")
    return _result(rule, problems, f"cover, {ideas} ideas, cta", limit=4)


def _caption_body(text: str) -> tuple[str, list[str]]:
    """The hook (first line) and the lines between it and the hashtag line (the last line made
    only of hashtags; none: up to the end)."""
    lines = text.replace("\r\n", "\n").split("\n")
    end = max((i for i, ln in enumerate(lines) if HASHTAG_LINE.match(ln)), default=len(lines))
    return (lines[0] if lines else ""), lines[1:end] if end > 0 else []


def caption_question(text: str, *, rule: str) -> LintResult:
    """A line ending in `?` or `？` (a question to the reader) before the hashtag line."""
    hook, body = _caption_body(text)
    asked = [ln for ln in [hook, *body] if ln.rstrip().endswith(("?", "？"))]
    return LintResult(rule, bool(asked), f"question: {_short(asked[-1])}" if asked else "no question to the reader")


def caption_paragraphs(text: str, *, min: int, max: int, separator: str = "·", rule: str) -> LintResult:
    """Between the hook line and the hashtag line, `min`–`max` paragraphs, separated by lines
    holding only `separator` (the question counts as a paragraph)."""
    _, body = _caption_body(text)
    paragraphs: list[list[str]] = [[]]
    for line in body:
        if line.strip() == separator:
            paragraphs.append([])
        elif line.strip():
            paragraphs[-1].append(line)
    n = sum(1 for p in paragraphs if p)
    return LintResult(rule, min <= n <= max, f"{n} paragraphs (allowed {min}-{max})")


# Newsletter.


class _Letter(HTMLParser):
    """What `newsletter-letter` needs: title, note title, classes, quotes and button links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.note_title: str | None = None
        self.classes: dict[str, int] = {}
        self.quotes = 0
        self.buttons: list[tuple[str, str]] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "meta" and a.get("name") == "osmu-note-title":
            self.note_title = a.get("content", "")
        for cls in a.get("class", "").split():
            self.classes[cls] = self.classes.get(cls, 0) + 1
        if tag == "blockquote":
            self.quotes += 1
        if tag == "a" and "button" in a.get("class", "").split():
            self.buttons.append((a.get("href", ""), ""))
            self.stack.append("button")
        elif tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.stack and tag not in VOID:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] == "title":
            self.title += data
        if "button" in self.stack and self.buttons:
            href, label = self.buttons[-1]
            self.buttons[-1] = (href, label + data)


BUTTON_LABELS = ("전문 읽기", "Read the full post")


def newsletter_letter(text: str, *, subject_max: int = 40, takeaways: int = 3, rule: str) -> LintResult:
    """A letter: `<title>` (the subject) of ≤ `subject_max` chars and not the note title
    (`<meta name="osmu-note-title" content="…">`), a `greeting`, exactly `takeaways` elements
    of class `takeaway`, at most one `<blockquote>` (a note that quotes no one has none), an
    `<a class="button">` reading 전문 읽기 / Read the
    full post to an http(s) URL, and a `signoff` (classes are class-attribute tokens)."""
    letter = _Letter()
    letter.feed(text)
    letter.close()
    subject = " ".join(letter.title.split())
    problems = []
    if not subject or len(subject) > subject_max:
        problems.append(f"subject {len(subject)} chars (1-{subject_max})")
    if letter.note_title is not None and normalise(subject) == normalise(letter.note_title):
        problems.append("subject is the note title")
    for cls in ("greeting", "signoff"):
        if not letter.classes.get(cls):
            problems.append(f"no .{cls}")
    if letter.classes.get("takeaway", 0) != takeaways:
        problems.append(f"{letter.classes.get('takeaway', 0)} takeaways (want {takeaways})")
    if letter.quotes > 1:
        problems.append(f"{letter.quotes} blockquotes (want at most 1)")
    good = [h for h, label in letter.buttons if " ".join(label.split()) in BUTTON_LABELS and h.startswith("http")]
    if not good:
        problems.append(f"no button '{BUTTON_LABELS[0]}' / '{BUTTON_LABELS[1]}' to an http(s) URL")
    return _result(rule, problems, f"letter: subject {len(subject)} chars, {takeaways} takeaways", limit=8)


def newsletter_text_letter(text: str, *, rule: str) -> LintResult:
    """The text part links the full post: a line `전문 읽기: http…` or `Read the full post: http…`."""
    found = re.search(r"^(전문 읽기|Read the full post): https?://\S+", text, re.MULTILINE)
    return LintResult(rule, bool(found), "full-post link present" if found else "no '전문 읽기: http…' line")


# Blog.


def _blog_parts(text: str) -> tuple[list[str], list[str]]:
    """Paragraphs before the first `## ` (the lead; an `# ` title line is skipped) and after."""
    before: list[str] = []
    after: list[str] = []
    seen_section = False
    for block in blocks(visible_lines(text)):
        if block.kind == "heading" and block.level >= 2:
            seen_section = True
        if block.kind == "text":
            (after if seen_section else before).append("\n".join(block.lines))
    return before, after


def blog_lead_once(text: str, *, rule: str) -> LintResult:
    """A lead (the first paragraph after the front matter, before the first `## `) exists, is not
    repeated in the rest of the post (normalised, as a paragraph or inside one) and is not the
    front-matter `description`. The osmu header (front matter, comments) is not text."""
    before, after = _blog_parts(text)
    if not before or before[0].strip() == CODE_LINE:
        return LintResult(rule, False, "no lead before the first section")
    lead = normalise(before[0])
    problems = []
    rest = [normalise(p) for p in before[1:] + after]
    said = re.compile(rf"(?<!\w){re.escape(lead)}(?!\w)")  # `1단계 …` is not inside `11단계 …`
    if lead and any(said.search(p) for p in rest):
        problems.append(f"lead repeated in the post: {_short(before[0])}")
    description = normalise(str(front_matter(text).get("description", "")))
    if description and description == lead:
        problems.append("lead is the front-matter description")
    return _result(rule, problems, f"lead {len(before[0])} chars, said once")


CLOSINGS = ["마치며", "Closing thoughts"]


def blog_shape(text: str, *, min_sections: int = 2, closing: list[str] | None = None, rule: str) -> LintResult:
    """At least `min_sections` `## ` sections, one of them a closing (`## 마치며` / `## Closing thoughts`,
    or the name the header records when the closing is the note's own section: `## 다음 기수 체크리스트`)."""
    names = [b.lines[0] for b in blocks(visible_lines(text)) if b.kind == "heading" and b.level == 2]
    wanted = {normalise(c) for c in (closing if closing is not None else CLOSINGS)}
    meta = front_matter(text)
    params = meta.get("params")
    osmu = (params if isinstance(params, dict) else meta).get("osmu")
    if isinstance(osmu, dict) and osmu.get("closing"):  # `closing:` in the header: the note's own name
        wanted.add(normalise(str(osmu["closing"])))
    problems = [] if len(names) >= min_sections else [f"{len(names)} sections (min {min_sections})"]
    if not any(normalise(n) in wanted for n in names):
        problems.append(f"no closing section ({' / '.join(closing or CLOSINGS)})")
    return _result(rule, problems, f"{len(names)} sections with a closing")


def heading_levels(text: str, *, start: int = 1, rule: str) -> LintResult:
    """No heading more than one level deeper than the one before (`##` → `####` jumps); the
    title in the front matter counts as level `start`. Code blocks are not read."""
    problems = []
    previous = start
    for block in blocks(visible_lines(text)):
        if block.kind != "heading":
            continue
        if block.level > previous + 1:
            problems.append(f"h{previous} → h{block.level} at {_short(block.lines[0])}")
        previous = block.level
    return _result(rule, problems, "heading levels step by one")


# Workshop.

MARP_DIRECTIVE = re.compile(
    r"^\s*_?(class|paginate|header|footer|theme|color|backgroundColor|backgroundImage|"
    r"backgroundPosition|backgroundRepeat|backgroundSize)\s*:[^\n]*$"
)


def speaker_notes_talk_track(text: str, *, share: float = 0.8, rule: str) -> LintResult:
    """A slide's speaker notes are a talk track, not the slide again: notes that, normalised, equal
    the slide's visible lines, or are made for ≥ `share` of their characters of those lines, fail.
    Marp directive comments (`<!-- _class: lead -->`) are not notes; slides without notes pass
    (the `speaker-notes` rule asks for them)."""
    body = FRONT_MATTER.sub("", text, count=1)
    problems = []
    for n, slide in enumerate((s for s in re.split(r"^---$", body, flags=re.MULTILINE) if s.strip()), 1):
        notes = [c for c in re.findall(r"<!--(.*?)-->", slide, re.DOTALL) if not MARP_DIRECTIVE.match(c)]
        note_lines = [normalise(ln) for c in notes for ln in c.splitlines() if normalise(ln)]
        if not note_lines:
            continue
        visible = normalise(COMMENT.sub("", slide))
        total = sum(len(ln) for ln in note_lines)
        copied = sum(len(ln) for ln in note_lines if ln in visible)
        if " ".join(note_lines) == visible or copied >= share * total:
            problems.append(f"slide {n}: notes repeat the slide ({copied * 100 // total} %)")
    return _result(rule, problems, "speaker notes are a talk track")


BREAKS = ["휴식", "Break"]


def guide_break(text: str, *, min_minutes: int = 90, names: list[str] | None = None, rule: str) -> LintResult:
    """A session of ≥ `min_minutes` (front matter `total_minutes`) has a break: a run-of-show row
    whose block column (headed 블록/Block, else the third) is one of `names` (휴식, Break)."""
    total = front_matter(text).get("total_minutes")
    if not isinstance(total, int) or total < min_minutes:
        return LintResult(rule, True, f"{total} minutes: no break needed")
    wanted = {normalise(b) for b in (names if names is not None else BREAKS)}
    column = 2
    found = False
    for line in text.splitlines():
        if not line.lstrip().startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        header = [normalise(c) for c in cells]
        if "블록" in header or "block" in header:
            column = header.index("블록") if "블록" in header else header.index("block")
            continue
        if len(cells) > column and normalise(cells[column]) in wanted:
            found = True
    message = f"{total} minutes, a break in the run of show" if found else f"{total} minutes and no break"
    return LintResult(rule, found, message)


# Structure (code, tables, images).

KEPT_HEADER = re.compile(r"(?:note_blocks:|<!--\s*osmu-blocks)\s*(\{[^}\n]*\})")
"""What the note had, as the output's header records it (`note_blocks: {"code": 1, …}` in the front
matter, `<!-- osmu-blocks {…} -->` in an HTML head)."""
MD_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}|~{3,})", re.MULTILINE)
MD_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$", re.MULTILINE)
MD_IMAGE = re.compile(r"!\[[^\]\n]*\]\(")


def _shown_blocks(text: str) -> dict[str, int]:
    """Code blocks, tables and images an output shows."""
    if is_html(text):
        body = text.split("</head>", 1)[-1]
        tables = re.findall(r"<table\b[^>]*>", body, re.IGNORECASE)
        return {
            "code": len(re.findall(r"<pre\b", body, re.IGNORECASE)),
            "table": sum(1 for t in tables if "presentation" not in t),
            "image": len(re.findall(r"<img\b", body, re.IGNORECASE)),
        }
    body = FRONT_MATTER.sub("", text.replace("\r\n", "\n"), count=1)
    fences = 0
    open_fence = ""
    for match in MD_FENCE_OPEN.finditer(body):
        mark = match.group(1)
        if not open_fence:
            open_fence, fences = mark, fences + 1
        elif mark[0] == open_fence[0] and len(mark) >= len(open_fence):
            open_fence = ""
    outside = FENCE.sub("", body)
    return {"code": fences, "table": len(MD_TABLE_RULE.findall(outside)), "image": len(MD_IMAGE.findall(outside))}


def keeps_blocks(text: str, *, rule: str) -> LintResult:
    """A post shows every code block, table and image of its note (the counts its header records:
    images that cannot be shown, missing from the vault, are not counted); nothing else to check
    when the header records none."""
    header = KEPT_HEADER.search(text)
    if header is None:
        return LintResult(rule, True, "no blocks recorded")
    try:
        had = {str(k): int(v) for k, v in json.loads(header.group(1)).items()}
    except (ValueError, AttributeError):
        return LintResult(rule, False, f"unreadable block counts {header.group(1)!r}")
    shown = _shown_blocks(text)
    problems = [
        f"{shown.get(kind, 0)} of {n} {kind} block(s) shown" for kind, n in had.items() if shown.get(kind, 0) < n
    ]
    return _result(rule, problems, ", ".join(f"{n} {k}" for k, n in had.items()) + " kept")


def no_control_chars(text: str, *, rule: str) -> LintResult:
    """No control character anywhere in the file (a pasted backspace is drawn as a box); tabs and
    line ends are fine."""
    found = sorted(set(CONTROL.findall(text)))
    return _result(rule, [f"control character U+{ord(c):04X}" for c in found], "no control characters")


LEFT_OUT = re.compile(r"^left_out:\s*(\{[^}\n]*\})", re.MULTILINE)


def notes_left_out(text: str, *, rule: str) -> LintResult:
    """A note, never a violation: the code blocks, tables, images and math of the carousel's ideas
    that it leaves out (front matter `left_out:`); the post shows them."""
    found = LEFT_OUT.search(text)
    if found is None:
        return LintResult(rule, True, "nothing left out")
    try:
        counts = {str(k): int(v) for k, v in json.loads(found.group(1)).items()}
    except (ValueError, AttributeError):
        return LintResult(rule, False, f"unreadable left_out {found.group(1)!r}")
    listed = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    return LintResult(rule, True, f"left out (shown in the post): {listed}")


EDITORIAL_RULES: dict[str, Callable[..., LintResult]] = {
    "no-ellipsis-cut": no_ellipsis_cut,
    "no-internal-refs": no_internal_refs,
    "no-repeated-paragraph": no_repeated_paragraph,
    "no-lead-in-alone": no_lead_in_alone,
    "no-generic-titles": no_generic_titles,
    "titles-whole": titles_whole,
    "no-empty-heading": no_empty_heading,
    "hashtag-no-number": hashtag_no_number,
    "hashtag-not-fileish": hashtag_not_fileish,
    "carousel-shape": carousel_shape,
    "caption-question": caption_question,
    "caption-paragraphs": caption_paragraphs,
    "newsletter-letter": newsletter_letter,
    "newsletter-text-letter": newsletter_text_letter,
    "blog-lead-once": blog_lead_once,
    "blog-shape": blog_shape,
    "heading-levels": heading_levels,
    "speaker-notes-talk-track": speaker_notes_talk_track,
    "guide-break": guide_break,
    "keeps-blocks": keeps_blocks,
    "notes-left-out": notes_left_out,
    "no-control-chars": no_control_chars,
}
"""Rule name → text rule (registered in `tasks.lint.checks.RULES`)."""
