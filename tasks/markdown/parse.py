"""Stage 2, parse: `Note` → `ParsedNote` (sections, blocks, links, tags) with file line spans.

markdown-it-py does the parsing (see `tasks/markdown/` for the Obsidian rules); this
module walks the token stream once. Line spans are 1-based inclusive file lines: the
parser sees the body padded with blank lines where the front matter was, so `token.map`
is already in file coordinates.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from markdown_it.token import Token

from tasks.markdown import build_parser
from tasks.model import Block, Diagnostic, Link, Note, ParsedNote, Section

COMMENT = re.compile(r"%%.*?(?:%%|\Z)", re.DOTALL)
"""`%% comment %%`; as in Obsidian, a `%%` never closed hides the rest of the note."""
INLINE_TAG = re.compile(r"(?<![\w#&/])#([^\s#!-/:-@\[-^`{-~][^\s#!-,./:-@\[-^`{-~]*)")
NOT_A_TAG = re.compile(r"^(\d+|[0-9a-fA-F]{3}|[0-9a-fA-F]{4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")
"""What Obsidian never reads as a tag: only digits (`#1`), or a CSS colour (`#000000`, `#fff`)."""
NOT_PROSE = re.compile(r"`+[^`\n]*`+|\]\([^)\s]*\)|<[^>\n]*>|https?://\S+|\$[^$\n]+\$")
"""Inline code, link targets, HTML tags, URLs and math in a line: where a `#` is never a tag."""
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u2028\u2029\ufeff]")
"""Control characters (a pasted backspace): removed from the body before parsing, never drawn as boxes."""
IMAGE_FILE = re.compile(r"\.(png|jpe?g|gif|webp|svg|avif|bmp)$", re.IGNORECASE)
"""The embeds that are images (an embedded note or PDF stays a link)."""
SIZE = re.compile(r"^\d+(x\d+)?$")
"""An embed's `|200` or `|200x100`: a size, not alt text."""
BEFORE_PUNCT = re.compile(r"[ \t]+$")
PUNCT = re.compile(r"^[.,!?;:)\]。、」』’”]")
QUOTE_HEADING_MIN_LEVEL = 4
"""`####` lines between list items are the author's highlighted quotes, not sections."""
_BLOCK_OPEN = {
    "paragraph_open": "paragraph",
    "blockquote_open": "quote",
    "callout_open": "callout",
    "table_open": "table",
}


def strip_emoji(text: str) -> str:
    """Drop emoji and pictographs (they head many of the author's sections)."""
    kept = (ch for ch in text if unicodedata.category(ch) != "So" and ch not in "\ufe0f\u200d")
    return re.sub(r"\s+", " ", "".join(kept)).strip()


def blank_comments(text: str) -> str:
    """Remove `%% comments %%` but keep their line breaks, so line numbers stay true."""
    return COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)


POINTER = re.compile(r"(?:^|(?<=[.!?。])\s+)(?:see also|see|cf\.|참고|관련)\s*:?\s*$", re.IGNORECASE)
"""Words that only point at a note (`See [[root-01-응원-경제|응원 경제]].`, `참고: [[…]]`)."""


def _without_pointers(children: list[Token]) -> list[Token]:
    """Inline tokens without a sentence that only points at another note (`See [[x]].`): in a
    post the link is gone, and `See 응원 경제.` sends the reader nowhere."""
    out: list[Token] = []
    i = 0
    while i < len(children):
        child = children[i]
        link = children[i + 1] if i + 1 < len(children) else None
        after = children[i + 2] if i + 2 < len(children) else None
        found = POINTER.search(child.content) if child.type == "text" else None
        if (
            found
            and link is not None
            and link.type == "wikilink"
            and not link.meta.get("embed")
            and (after is None or (after.type == "text" and re.match(r"^[.。]?\s*$", after.content)))
        ):
            kept = child.copy()
            kept.content = child.content[: found.start()]
            out.append(kept)
            i += 3
            continue
        out.append(child)
        i += 1
    return out


def inline_text(token: Token) -> str:
    """Plain text of an inline token: markup dropped, wikilinks shown as their display text, inline
    code kept in backticks, inline math kept as `$…$`, footnote references dropped (with the space
    before them: `한다 [^1].` → `한다.`)."""
    parts: list[str] = []
    dropped = False
    children = _without_pointers(list(token.children or ()))
    for child in children:
        if child.type == "wikilink" and child.meta.get("embed") and IMAGE_FILE.search(str(child.meta["target"])):
            continue  # an image inside a sentence or an item: never its bare file name
        if child.type in ("text", "wikilink"):
            if dropped and parts and PUNCT.match(child.content):
                parts[-1] = BEFORE_PUNCT.sub("", parts[-1])
            parts.append(child.content)
        elif child.type == "code_inline":  # kept as code: never a tag, keyword or hashtag
            fence = "``" if "`" in child.content else "`"
            parts.append(f"{fence}{child.content}{fence}")
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "image":
            parts.append(child.content)
        elif child.type == "math_inline":
            parts.append(f"${child.content}$")
        dropped = child.type == "footnote_ref"
    return "".join(parts).strip()


def alt_of(target: str, alias: str | None) -> str:
    """An image's alt text: the embed's alias unless it is a size, else its file name as words
    (`발효-탱크-기록.png` → `발효 탱크 기록`), never the bare file name."""
    if alias and not SIZE.match(alias.strip()):
        return alias.strip()
    stem = target.rsplit("/", 1)[-1]
    stem = IMAGE_FILE.sub("", stem)
    return re.sub(r"[-_\s]+", " ", stem).strip()


def image_blocks(token: Token, span: tuple[int, int], source: str) -> list[Block] | None:
    """The images of a paragraph made only of image embeds or images (one block each); None otherwise."""
    found: list[Block] = []
    for child in token.children or ():
        if child.type in ("softbreak", "hardbreak") or (child.type == "text" and not child.content.strip()):
            continue
        if child.type == "wikilink" and child.meta.get("embed") and IMAGE_FILE.search(child.meta["target"]):
            target = str(child.meta["target"])
            meta = (("src", target), ("embed", "1"))
            found.append(Block("image", alt_of(target, child.meta.get("alias")), source, span, meta=meta))
        elif child.type == "image":
            target = str(child.attrs.get("src", ""))
            alt = child.content.strip() or alt_of(target, None)
            found.append(Block("image", alt, source, span, meta=(("src", target), ("embed", ""))))
        else:
            return None
    return found or None


def _span(token: Token) -> tuple[int, int]:
    start, end = token.map or (0, 1)
    return start + 1, max(start + 1, end)


@dataclass
class _Walker:
    """Mutable state of one walk over the tokens (local to `parse_note`)."""

    note: Note
    lines: Sequence[str]
    navigation_titles: frozenset[str]
    links: list[Link] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    heading: tuple[str, int, int] = ("", 0, 1)
    stack: list[tuple[int, str]] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    footnotes: list[Block] = field(default_factory=list)

    def source(self, lines: tuple[int, int]) -> str:
        return "\n".join(self.lines[lines[0] - 1 : lines[1]]).rstrip()

    def collect_links(self, token: Token) -> None:
        base = (token.map or (0, 0))[0] + 1
        for child in token.children or ():
            if child.type == "wikilink":
                offset = int(child.meta.get("offset", 0))
                self.links.append(
                    Link(
                        target=child.meta["target"],
                        display=child.content,
                        line=base + token.content[:offset].count("\n"),
                        anchor=child.meta["anchor"],
                        alias=child.meta["alias"],
                        embed=bool(child.meta["embed"]),
                    )
                )

    def close_section(self, end_line: int) -> None:
        title, level, start = self.heading
        if level == 0 and not self.blocks:
            return
        path = tuple(t for _, t in self.stack)
        navigation = any(strip_emoji(t).casefold() in self.navigation_titles for t in path)
        if not navigation:
            navigation = _mostly_links(self.blocks)
        self.sections.append(Section(title, level, (start, max(start, end_line)), tuple(self.blocks), navigation, path))
        self.blocks = []

    def open_section(self, title: str, level: int, line: int) -> None:
        self.close_section(line - 1)
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self.stack.append((level, title))
        self.heading = (title, level, line)


_LINK_FIRST = re.compile(r"^\s*[-*+]?\s*(\*\*)?!?\[(\[|[^\]\n]+\]\(https?://)")


def _mostly_links(blocks: Iterable[Block]) -> bool:
    """A section of link lists: ≥ 3 items and ≥ 80 % of them start with a link, or a shorter list
    whose every item does (`- [[카페-브랜딩-메모]] - 현장 기록`: two links are navigation too)."""
    items = [b for b in blocks if b.kind in ("item", "paragraph")]
    linked = [b for b in items if _LINK_FIRST.match(b.source)]
    if items and all(b.kind == "item" for b in items) and len(linked) == len(items):
        return True
    return len(items) >= 3 and len(linked) >= 0.8 * len(items)


def _after(tokens: Sequence[Token], start: int) -> Iterator[Token]:
    """Tokens from `start` on, without copying the list (slices made big notes quadratic)."""
    return (tokens[j] for j in range(start, len(tokens)))


def _is_quote_heading(tokens: Sequence[Token], i: int, level: int, in_list_section: bool) -> bool:
    if level < QUOTE_HEADING_MIN_LEVEL or not in_list_section:
        return False
    following = next((t.type for t in _after(tokens, i + 3) if t.type != "hr"), "")
    return following in ("bullet_list_open", "ordered_list_open", "heading_open", "")


def _walk(w: _Walker, tokens: Sequence[Token]) -> None:
    list_depth = -1
    ordered: list[bool] = []
    steps: list[int] = []  # depth step per open list: 0 when it merely continues an empty item
    container = 0  # depth of quotes/callouts we are inside (their blocks are one block)
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "inline":
            w.collect_links(tok)
        if tok.type in ("bullet_list_open", "ordered_list_open"):
            # `- 1. text` is a bullet holding an ordered list: the author means one
            # numbered point, so the inner list does not nest one level deeper.
            step = 0 if tokens[i - 1].type == "list_item_open" else 1
            steps.append(step)
            list_depth += step
            ordered.append(tok.type == "ordered_list_open")
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            list_depth -= steps.pop()
            ordered.pop()
        elif tok.type == "heading_open":
            level = int(tok.tag[1])
            title = inline_text(tokens[i + 1])
            in_list = any(b.kind in ("item", "task") for b in w.blocks)
            if container == 0 and _is_quote_heading(tokens, i, level, in_list):
                span = _span(tok)
                w.blocks.append(Block("heading", title, w.source(span), span, level=level))
            else:
                w.open_section(title, level, _span(tok)[0])
            i += 3
            continue
        elif tok.type == "list_item_open" and container == 0 and not _wraps_list(tokens, i):
            w.blocks.append(_item_block(w, tokens, i, list_depth, ordered[-1] if ordered else False))
        elif tok.type == "footnote_open":
            i = _footnote(w, tokens, i)
            continue
        elif tok.type == "paragraph_open" and list_depth < 0 and container == 0 and _image_paragraph(w, tokens, i):
            i += 3
            continue
        elif tok.type in _BLOCK_OPEN and list_depth < 0 and container == 0:
            w.blocks.append(_container_block(w, tokens, i))
        elif tok.type in ("fence", "code_block") and container == 0:
            span = _span(tok)
            lang = tok.info.strip().split(maxsplit=1)[0] if tok.info.strip() else ""
            meta = (("lang", lang),) if lang else ()
            w.blocks.append(Block("code", tok.content.rstrip("\n"), w.source(span), span, meta=meta))
        elif tok.type == "math_block" and container == 0 and list_depth < 0:
            span = _span(tok)
            w.blocks.append(Block("math", tok.content.strip(), w.source(span), span))
        elif tok.type == "hr" and list_depth < 0:
            w.blocks.append(Block("hr", "", "---", _span(tok)))
        elif tok.type == "html_block" and list_depth < 0:
            span = _span(tok)
            w.blocks.append(Block("html", "", w.source(span), span))
        if tok.type in ("blockquote_open", "callout_open"):
            container += 1
        elif tok.type in ("blockquote_close", "callout_close"):
            container -= 1
        i += 1


def _image_paragraph(w: _Walker, tokens: Sequence[Token], i: int) -> bool:
    """A paragraph of only images becomes image blocks (True); any other paragraph is left alone."""
    inline = tokens[i + 1]
    span = _span(tokens[i])
    if inline.type != "inline":
        return False
    found = image_blocks(inline, span, w.source(span))
    if found is None:
        return False
    w.collect_links(inline)
    w.blocks.extend(found)
    return True


def _footnote(w: _Walker, tokens: Sequence[Token], i: int) -> int:
    """A footnote definition (`[^1]: …`) as one `footnote` block; returns the index after it."""
    label = str(tokens[i].meta.get("label", ""))
    texts: list[str] = []
    first = last = 0
    j = i + 1
    while j < len(tokens) and tokens[j].type != "footnote_close":
        tok = tokens[j]
        if tok.type == "inline":
            w.collect_links(tok)
            texts.append(inline_text(tok))
            span = _span(tok)
            first, last = first or span[0], span[1]
        j += 1
    if texts:
        span = (first, max(first, last))
        w.footnotes.append(
            Block("footnote", "\n".join(t for t in texts if t), w.source(span), span, meta=(("label", label),))
        )
    return j + 1


def _wraps_list(tokens: Sequence[Token], i: int) -> bool:
    """A list item whose only content starts with a nested list (`- 1. …`)."""
    return i + 1 < len(tokens) and tokens[i + 1].type in ("bullet_list_open", "ordered_list_open")


def _item_block(w: _Walker, tokens: Sequence[Token], i: int, depth: int, ordered: bool) -> Block:
    """A list item's own paragraphs (nested lists become their own blocks)."""
    texts: list[str] = []
    first, last = _span(tokens[i])
    last = first
    task_state = ""
    nesting = 0
    for tok in _after(tokens, i + 1):
        if tok.type in ("bullet_list_open", "ordered_list_open") or (tok.type == "list_item_close" and nesting == 0):
            break
        nesting += tok.nesting if tok.type != "inline" else 0
        if tok.type == "inline":
            children = tok.children or []
            if children and children[0].type == "html_inline" and "task-list" in children[0].content:
                task_state = "done" if "checked" in children[0].content else "open"
            texts.append(inline_text(tok))
            last = max(last, _span(tok)[1])
    text = "\n".join(t for t in texts if t)
    if ordered and tokens[i].info and not task_state:
        text = f"{tokens[i].info}{tokens[i].markup[-1:] or '.'} {text}"  # keep the author's numbering
    span = (first, last)
    is_numbered = bool(re.match(r"^\d+[.)]\s", text))
    return Block(
        "task" if task_state else "item",
        text,
        w.source(span),
        span,
        depth=depth,
        ordered=ordered or is_numbered,
        meta=(("task", task_state),) if task_state else (),
    )


def _container_block(w: _Walker, tokens: Sequence[Token], i: int) -> Block:
    """A top-level paragraph, quote, callout or table as one block."""
    open_tok = tokens[i]
    kind = _BLOCK_OPEN[open_tok.type]
    close_type = open_tok.type.replace("_open", "_close")
    texts: list[str] = []
    rows: list[list[str]] = []
    align: list[str] = []
    depth = 0
    for tok in _after(tokens, i):
        depth += tok.nesting if tok.type in (open_tok.type, close_type) else 0
        if tok.type == "inline":
            texts.append(inline_text(tok))
            if rows:
                rows[-1].append(inline_text(tok))
        elif tok.type == "tr_open":
            rows.append([])
        elif tok.type == "th_open" and len(rows) == 1:
            style = str(tok.attrs.get("style", ""))
            align.append(style.removeprefix("text-align:").strip() if style.startswith("text-align:") else "")
        if tok.type == close_type and depth == 0:
            break
    span = _span(open_tok)
    meta: tuple[tuple[str, str], ...] = ()
    if kind == "callout":
        meta = (("type", str(open_tok.meta["type"])), ("title", str(open_tok.meta["title"])))
    sep = " | " if kind == "table" else "\n"
    table = tuple(tuple(r) for r in rows) if kind == "table" else ()
    text = sep.join(t for t in texts if t)
    return Block(kind, text, w.source(span), span, meta=meta, rows=table, align=tuple(align))  # type: ignore[arg-type]


def note_title(note: Note, sections: Sequence[Section]) -> str:
    """Front matter title, else the first H1, else the file stem."""
    title = note.meta.get("title")
    if isinstance(title, str) and COMMENT.sub("", title).strip():
        return COMMENT.sub("", title).strip()
    h1 = next((s.title for s in sections if s.level == 1 and s.title), "")
    return h1 or note.path.rsplit("/", 1)[-1].removesuffix(".md")


def note_tags(note: Note, blocks: Iterable[Block]) -> tuple[str, ...]:
    """Front matter tags, then inline `#tags` from body text, de-duplicated."""
    raw = note.meta.get("tags") or []
    tags = [str(t).lstrip("#") for t in (raw if isinstance(raw, list) else str(raw).split(","))]
    for block in blocks:  # the written line, without inline code and link targets (CSS, URLs): never tags
        if block.kind not in ("code", "math", "image", "html", "table"):
            line = NOT_PROSE.sub(" ", block.source)
            tags.extend(t for t in INLINE_TAG.findall(line) if not NOT_A_TAG.match(t))
    return tuple(dict.fromkeys(t.strip() for t in tags if t.strip()))


def parse_note(note: Note, navigation_titles: Iterable[str] = ()) -> ParsedNote:
    """Split a note into sections and blocks with line spans; collect links and tags."""
    lines = note.text.split("\n")
    body = "\n".join(lines[note.body_line - 1 :])
    padded = "\n" * (note.body_line - 1) + CONTROL.sub("", blank_comments(body))
    tokens = build_parser().parse(padded, {})
    walker = _Walker(note, padded.split("\n"), frozenset(strip_emoji(t).casefold() for t in navigation_titles))
    _walk(walker, tokens)
    walker.close_section(len(lines))
    sections = tuple(walker.sections)
    all_blocks = [b for s in sections for b in s.blocks]
    parsed = ParsedNote(
        note=note,
        title=note_title(note, sections),
        sections=sections,
        links=tuple(walker.links),
        tags=note_tags(note, all_blocks),
        diagnostics=tuple(walker.diagnostics),
        footnotes=tuple(walker.footnotes),
    )
    if note.kind == "process-log":  # out-of-order, duplicate and undated entries
        from tasks.process.log import log_warnings

        return replace(parsed, diagnostics=parsed.diagnostics + log_warnings(parsed))
    return parsed
