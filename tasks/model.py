"""Plain values passed between stages: read → parse → privacy → roots → insights → render → polish → lint → write.

Every value is a frozen, slotted dataclass holding tuples (never lists), so it pickles
(worker processes, the root-index cache), hashes into keys and compares in tests. Line numbers are
1-based and count every line of the file, front matter included, as an editor does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

RootReason = Literal["frontmatter", "link", "text"]


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A warning or error about one place in one file."""

    file: str
    """Vault-relative path (or absolute path when outside the vault)."""
    line: int
    """1-based line in the file; 0 when the problem concerns the whole file."""
    message: str
    """Human-readable explanation, in one line."""
    code: str = "warning"
    """Short machine name of the problem (`missing-link`, `root-number`, …)."""

    def to_json(self) -> dict[str, Any]:
        """The manifest form: file, line, message (and code)."""
        return {"file": self.file, "line": self.line, "message": self.message, "code": self.code}

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


ONE_LINE_MAX = 300
"""Longest error message shown for an unexpected exception (a library may quote a whole input)."""


def one_line(text: str, limit: int = ONE_LINE_MAX) -> str:
    """`text` on one line (whitespace runs collapsed), cut with `…` past `limit` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


class NoteError(Exception):
    """A note that cannot be used: names the file and the line."""

    def __init__(self, file: str, line: int, message: str) -> None:
        super().__init__(f"{file}:{line}: {message}")
        self.file = file
        self.line = line
        self.message = message

    def to_diagnostic(self) -> Diagnostic:
        """The same problem as a manifest/report entry."""
        return Diagnostic(self.file, self.line, self.message, "error")


@dataclass(frozen=True, slots=True)
class Note:
    """One note as read from disk (the only stage before this one is the file system)."""

    path: str
    """Vault-relative POSIX path, NFC-normalised (`34-learning/…/프로세스-이코노미.md`)."""
    text: str
    """Whole file text, BOM removed and line ends normalised to LF."""
    meta: dict[str, Any]
    """Parsed front matter, keys lower-cased; empty when the note has none."""
    body_line: int
    """1-based file line where the body (after the front matter) starts."""
    source_hash: str
    """`sha256:<hex>` of the raw file bytes."""
    kind: Literal["root", "knowledge", "process-log", "project"]
    """What the note is, following the vault conventions."""
    diagnostics: tuple[Diagnostic, ...] = ()
    """Warnings found while reading (still usable)."""
    modified: str = ""
    """ISO date of the file's last modification (UTC), the fallback for output dates."""
    linked: frozenset[str] = frozenset()
    """Vault paths (no `.md`) of the notes this note links to or embeds, as the read stage found them."""
    private_links: frozenset[str] = frozenset()
    """Those of `linked` that are private notes (their front matter was read once, by the read stage)."""


@dataclass(frozen=True, slots=True)
class Link:
    """A wikilink or embed found in the note."""

    target: str
    """Link target as written, without anchor or alias (`../../00-roots/root-08-프로세스-공유`)."""
    display: str
    """Text shown to a reader: the alias, else the last path part of the target."""
    line: int
    """1-based file line of the link."""
    anchor: str = ""
    """Heading or `^block` after `#`, without the `#`."""
    alias: str | None = None
    """Text after `|`, when given (for image embeds this may be a size such as `200`)."""
    embed: bool = False
    """True for `![[…]]` embeds."""


@dataclass(frozen=True, slots=True)
class Block:
    """One block of body content: a paragraph, a list item, a quote, a heading…"""

    kind: Literal[
        "paragraph",
        "item",
        "quote",
        "callout",
        "heading",
        "code",
        "table",
        "task",
        "hr",
        "html",
        "image",
        "math",
        "footnote",
    ]
    """Block type. List items are `item` (or `task` for `- [ ]`); `image` is a paragraph of only an embed
    or image (one block per image), `math` a `$$…$$` block, `footnote` a `[^label]: …` definition."""
    text: str
    """Plain text (markup removed, wikilinks replaced by their display text)."""
    source: str
    """The exact source lines of the block (for quotes, slides and traceability)."""
    lines: tuple[int, int]
    """1-based inclusive line span in the file."""
    depth: int = 0
    """List nesting depth: 0 for top-level items and non-list blocks."""
    ordered: bool = False
    """True for items of an ordered list, or bullets whose text starts with `1.`."""
    level: int = 0
    """Heading level (1–6) for headings; 0 otherwise."""
    meta: tuple[tuple[str, str], ...] = ()
    """Small extra facts as pairs (callout type and title, checked task state, a code block's `lang`, an
    image's `src` and `embed`, a footnote's `label`…)."""
    rows: tuple[tuple[str, ...], ...] = ()
    """A table's cells as plain text, row by row, the header row first; empty for other blocks."""
    align: tuple[str, ...] = ()
    """A table's column alignment (`left`, `center`, `right` or ""), one per column."""

    def get(self, key: str, default: str = "") -> str:
        """The value of one `meta` pair (`default` when absent)."""
        return next((v for k, v in self.meta if k == key), default)


@dataclass(frozen=True, slots=True)
class Section:
    """A run of blocks under one heading."""

    title: str
    """Heading text without `#` and leading emoji (`관련 Root Concepts`)."""
    level: int
    """Heading level; 0 for the preamble before the first heading."""
    lines: tuple[int, int]
    """1-based inclusive span from the heading to the section's last line."""
    blocks: tuple[Block, ...]
    """Content blocks in order (the heading itself is not included)."""
    navigation: bool = False
    """True for sections that are mostly link lists: they feed links and roots, not insights."""
    path: tuple[str, ...] = ()
    """Titles of enclosing sections, outermost first, ending with this one."""


@dataclass(frozen=True, slots=True)
class ParsedNote:
    """A note split into sections and blocks, with its links and tags."""

    note: Note
    """The note that was parsed."""
    title: str
    """Front matter `title`, else the first H1, else the file stem."""
    sections: tuple[Section, ...]
    """Sections in document order (nested headings appear as their own sections)."""
    links: tuple[Link, ...]
    """Every wikilink and embed in document order (front matter excluded)."""
    tags: tuple[str, ...]
    """Front matter tags and inline `#tags`, de-duplicated, in order of appearance."""
    diagnostics: tuple[Diagnostic, ...] = ()
    """Warnings found while parsing."""
    footnotes: tuple[Block, ...] = ()
    """Footnote definitions (`[^label]: …`), in order: blocks of kind `footnote` with their `label`."""


@dataclass(frozen=True, slots=True)
class RootConcept:
    """A root concept of the author's philosophy, identified by slug (never by number)."""

    slug: str
    """Identity: the file slug without `root-NN-` (`프로세스-공유`)."""
    title: str
    """Display name (`프로세스 공유`)."""
    path: str
    """Vault-relative path of the root note."""
    number: int | None = None
    """The `NN` in `root-NN-…`; unstable across the vault, used only for warnings."""
    aliases: tuple[str, ...] = ()
    """Other names: English title, tags, `aliases:` key (`Process Sharing`, `process-sharing`)."""
    summary: str = ""
    """The note's one-line definition (its first quote), for link lists and voice guides."""
    tags: tuple[str, ...] = ()
    """The note's specific tags (generic ones such as `root` removed): weaker aliases."""
    profile: tuple[tuple[str, float], ...] = field(default=(), hash=False)
    """Distinctive words of the root note with weights (tf-idf across the vault's roots),
    strongest first: the vocabulary that shows an insight supports a root its note names. Compared but
    not hashed: roots key per-root caches (`tasks.roots.tags`), and hashing hundreds of
    weighted words on every lookup cost more than the cached work (bench/run profile)."""
    phrases: tuple[str, ...] = field(default=(), hash=False)
    """Distinctive phrases of what the root note names as its own (its headings and bold
    spans), as content morphemes joined by spaces, longest first (`필터 버블`, `비행기 조종사`,
    `손 안 새`): runs no other root note uses, holding a word of the root's own. An insight
    saying one of them is about this root. Not hashed, like `profile`."""
    passages: tuple[str, ...] = field(default=(), hash=False)
    """Every sentence of the root note's body, quotations and link descriptions included, as
    content morphemes joined by spaces (`정답 도출 골몰 …`): an insight that repeats a long run
    of one (`tasks.roots.tags.QUOTE_RUN` words in a row) is the passage the root note quotes or
    restates. Not hashed, like `profile`."""
    passage_text: tuple[str, ...] = field(default=(), hash=False)
    """The same lines with spaces and punctuation removed (`사람들은무엇이아니라왜에지갑을연다`;
    `|` where a sentence ends or a double quotation mark stands):
    a short sentence quoted whole (`tasks.roots.tags.QUOTE_CHARS` letters in a row) has too few
    content morphemes for a run. Not hashed, like `profile`."""
    cases: tuple[str, ...] = field(default=(), hash=False)
    """Named cases as the root note writes them (`파타고니아`, `Y Combinator`, `와이 콤비네이터`):
    proper nouns it names as a case (a heading under a `사례` section, the head of a list item,
    a quotation's source, a source note's description) that at most
    `tasks.roots.index.CASE_ROOTS` root notes mention. Not hashed, like `profile`."""


@dataclass(frozen=True, slots=True)
class RootTag:
    """One root attached to a note or insight, with why it was attached."""

    slug: str
    """Root slug."""
    reason: RootReason
    """Where the evidence came from: front matter, a link, or the text (a name or a
    distinctive phrase of the root). A root note never carries its own root."""
    evidence: str = ""
    """The key, link or words that matched."""
    line: int = 0
    """1-based file line of the evidence (0 for front matter lists without a line)."""
    score: float = 1.0
    """Confidence between 0 and 1."""

    def to_json(self) -> dict[str, Any]:
        """The manifest form of the tag."""
        return {
            "slug": self.slug,
            "reason": self.reason,
            "evidence": self.evidence,
            "line": self.line,
            "score": round(self.score, 3),
        }


@dataclass(frozen=True, slots=True)
class RootIndex:
    """All root concepts of a vault, with lookup by slug, alias and link target."""

    roots: tuple[RootConcept, ...]
    """Roots sorted by slug."""
    diagnostics: tuple[Diagnostic, ...] = ()
    """Problems found while loading root notes."""

    def get(self, slug: str) -> RootConcept | None:
        """The root with this slug, if any."""
        return next((r for r in self.roots if r.slug == slug), None)


@dataclass(frozen=True, slots=True)
class NoteRoots:
    """Roots attached to a whole note, before insights are cut."""

    tags: tuple[RootTag, ...]
    """Note-level tags (front matter and links), one per (slug, reason)."""
    diagnostics: tuple[Diagnostic, ...] = ()
    """Warnings: unknown roots, number mismatches, missing link targets."""


@dataclass(frozen=True, slots=True)
class Insight:
    """One atomic idea cut from a note, traceable to its lines and roots."""

    id: str
    """Stable id: hash of the note path and the normalised text (`ins-3f2a9c01d4`)."""
    type: str
    """`claim`, `quote`, `framework`, `case`, `definition`, `checklist`, `contrast`, … ."""
    title: str
    """A short label for headings and slides."""
    text: str
    """The author's words (plain text, typos kept)."""
    lines: tuple[int, int]
    """1-based inclusive line span in the source note."""
    section: str
    """Title of the section it came from."""
    roots: tuple[RootTag, ...] = ()
    """Roots this insight carries, each with its reason."""
    keywords: tuple[str, ...] = ()
    """Salient nouns, most important first."""
    hashtags: tuple[str, ...] = ()
    """Hashtag candidates without `#`, spaces or trailing particles."""
    points: tuple[str, ...] = ()
    """Sub-points (list items, numbered steps) when the insight is a list."""
    date: str = ""
    """Entry date (`YYYY-MM-DD`) of a process-log insight; empty for other notes."""
    source: str = ""
    """Vault path of the note the lines are in, when it is not the output's source (gathered logs)."""
    blocks: tuple[Block, ...] = ()
    """The note's code, table, image and math blocks this insight carries (those within its lines, and
    those after it up to the next insight of its section), in order; channels render them where they can."""

    @property
    def root_slugs(self) -> tuple[str, ...]:
        """Slugs of the roots, de-duplicated, in tag order."""
        return tuple(dict.fromkeys(t.slug for t in self.roots))

    def to_json(self) -> dict[str, Any]:
        """The manifest form (see the manifest contract in README)."""
        return {
            "id": self.id,
            "type": self.type,
            "title": self.title,
            "text": self.text,
            "lines": list(self.lines),
            "section": self.section,
            "keywords": list(self.keywords),
            "hashtags": list(self.hashtags),
            "roots": [t.to_json() for t in self.roots],
            **({"date": self.date} if self.date else {}),
            **({"source": self.source} if self.source else {}),
            **({"blocks": [{"kind": b.kind, "lines": list(b.lines)} for b in self.blocks]} if self.blocks else {}),
        }


@dataclass(frozen=True, slots=True)
class LintResult:
    """One rule checked on one output."""

    rule: str
    """Rule name, as in channel.yaml (`caption-max-chars`)."""
    ok: bool
    """True when the output satisfies the rule."""
    message: str = ""
    """What was measured, and the limit."""


@dataclass(frozen=True, slots=True)
class LlmUsage:
    """What the optional LLM polish spent (see tasks/llm.py)."""

    calls: int = 0
    """HTTP requests made (retries included)."""
    cache_hits: int = 0
    """Answers served from the disk cache (no request)."""
    failures: int = 0
    """Requests that failed after retries (every slot they asked for kept its deterministic text)."""
    tokens_in: int = 0
    """Prompt tokens reported by the provider."""
    tokens_out: int = 0
    """Generated tokens reported by the provider."""
    cost_usd: float = 0.0
    """Estimated cost from the configured prices."""

    def __add__(self, other: LlmUsage) -> LlmUsage:
        return LlmUsage(
            self.calls + other.calls,
            self.cache_hits + other.cache_hits,
            self.failures + other.failures,
            self.tokens_in + other.tokens_in,
            self.tokens_out + other.tokens_out,
            round(self.cost_usd + other.cost_usd, 6),
        )


@dataclass(frozen=True, slots=True)
class PolishedPart:
    """One context field whose deterministic text was replaced by a model's."""

    part: str
    """Part name from channel.yaml (`hook`, `subject`)."""
    field: str
    """Where in the channel context (`posts[0].hook`)."""
    provider: str
    """Provider that wrote it."""
    model: str
    """Model that wrote it."""

    def to_json(self) -> dict[str, str]:
        """The manifest form."""
        return {"part": self.part, "field": self.field, "provider": self.provider, "model": self.model}


@dataclass(frozen=True, slots=True)
class ChannelOutput:
    """One rendered file for one channel."""

    channel: str
    """Channel name (`blog`, `newsletter`, `instagram`, `workshop`)."""
    path: str
    """Path relative to the note's output folder (`blog/프로세스-이코노미.md`)."""
    content: bytes
    """Exact bytes to write."""
    insights: tuple[str, ...]
    """Ids of the insights this output uses."""
    root_concepts: tuple[str, ...]
    """Root slugs this output is tagged with."""
    lint: tuple[LintResult, ...] = ()
    """Constraint checks run on this output."""
    llm: tuple[PolishedPart, ...] = ()
    """Parts of this output written by a model (empty: all deterministic)."""


@dataclass(frozen=True, slots=True)
class RenderResult:
    """Everything rendered for one note."""

    source: str
    """Vault-relative path of the source note."""
    slug: str
    """Output folder name for the note."""
    outputs: tuple[ChannelOutput, ...]
    """Rendered files in channel order."""
    diagnostics: tuple[Diagnostic, ...] = ()
    """Warnings raised while rendering."""
    llm: LlmUsage | None = None
    """LLM spend of this render; None when no LLM is configured."""
    channels: tuple[str, ...] = ()
    """The channels rendered (a channel may produce no output); empty: those of `outputs`."""
    composition: Any = None
    """The compose stage's `Composition` (outline and plans), recorded in the manifest; None when absent."""


@dataclass(frozen=True, slots=True)
class WrittenFile:
    """What happened to one output on disk."""

    path: str
    """Path relative to the output root."""
    status: Literal["created", "updated", "unchanged", "kept-edited", "locked", "forced", "removed", "stale-kept"]
    """`kept-edited`: the file was edited by hand, so the new version went beside it;
    `locked`: the same for a file whose front matter says `locked: true`; `removed`: an
    output of the previous run the note no longer produces, deleted; `stale-kept`: such an
    output edited by hand (or locked) since, so kept (and no longer listed in the manifest)."""
    written_to: str = ""
    """Where the bytes actually went (differs from `path` for `kept-edited` and `locked`)."""
    backup: str = ""
    """`forced`: where the overwritten version was saved (a new numbered file each time, never reused)."""


@dataclass(frozen=True, slots=True)
class WriteReport:
    """Result of the write stage for one note."""

    out_dir: str
    """Absolute folder holding the note's outputs and manifest."""
    files: tuple[WrittenFile, ...]
    """One entry per output, plus the manifest."""
    manifest_path: str = ""
    """Absolute path of `manifest.json`."""
    preview: str = ""
    """Absolute path of the note's preview page (`index.html`, or its `.osmu-new` version if edited by hand)."""


@dataclass(frozen=True, slots=True)
class NoteResult:
    """The outcome of repurposing one note (what flows return and summaries show)."""

    source: str
    """Vault-relative path of the source note."""
    ok: bool
    """False when the note failed (see `error`)."""
    insights: int = 0
    """How many insights were cut."""
    roots: tuple[str, ...] = ()
    """Root slugs the outputs are tagged with."""
    out_dir: str = ""
    """Folder with the outputs."""
    files: tuple[WrittenFile, ...] = ()
    """Written files."""
    warnings: tuple[Diagnostic, ...] = ()
    """All warnings for this note."""
    lint_failures: tuple[str, ...] = field(default=())
    """`path: rule: message` for each failed lint check."""
    error: str = ""
    """`file:line: message` when the note could not be used."""
    llm: LlmUsage | None = None
    """LLM spend for this note; None when no LLM is configured."""
    preview: str = ""
    """The note's preview page (open it in a browser); "" when nothing was written."""
    skipped: str = ""
    """Why nothing was written for a usable note (it has nothing to say); "" otherwise."""
