"""Stage 4, roots: root-concept notes → `RootIndex`; a parsed note → its `NoteRoots`.

A root is identified by its slug (`프로세스-공유`), never by the `root-NN-` number, which
drifts inside one vault: a link whose number differs from the root note's file is a
warning, not a different root. Evidence comes from front matter (`root-concepts:`),
links in any path form, and the text itself (see `match_text`).
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from tasks.model import Diagnostic, Note, NoteRoots, ParsedNote, RootConcept, RootIndex, RootTag
from tasks.nlp import korean
from tasks.vault.links import NoteIndex, resolve, split_root_name, stem
from tasks.vault.read import nfc

_TITLE = re.compile(r"^\s*root\s*\d*\s*[-:–]?\s*(.+?)\s*(?:\(([^)]+)\))?\s*$", re.IGNORECASE)
GENERIC_TAGS = frozenset({"root", "철학적-기반", "philosophical-root", "브랜딩", "커뮤니티"})
"""Tags too broad to identify one root."""
PROFILE_SIZE = 800
"""Words kept per root profile."""
DISTINCT_SHARE = 3
"""A word is distinctive for a root when at most 1/3 of the roots use it."""
PHRASE_OTHERS = 0
"""Other root notes that may use a phrase of a root and leave it distinctive (`정답주의가 아니라
수정주의` is in two root notes: it tells neither apart)."""
PROSE_RUN = 3
MEANING_MIN = 2
"""Words of a two-word phrase that must carry meaning (`korean.meaning_words`); a longer
phrase needs one fewer."""
"""Words in a row of a root note's prose that make a phrase (`왜 빠지 쉽`)."""
LATIN_MIN = 5
"""Letters a one-word Latin phrase needs (`Us`, `Now` are everyday words)."""
CASE_ROOTS = 2
"""Root notes that may mention a named case and leave it evidence for them (`파타고니아` is
root-01's and root-04's case; `라쿠텐`, in three, tells none apart)."""
CASE_MENTIONS = 2
"""Times the root notes must mention a case in all (a name said once in passing, `Instagram`
as a channel, is no case)."""
CASE_WORDS = 3
"""Words a named case may have (longer spans are descriptions, not names)."""
_PARTICLE_START = re.compile(r"^(?:의|가|이|는|은|를|을|에|에서|로|으로|와|과|도)(?:\s|$)")
_CLAUSE_SPLIT = re.compile(r"[()\[\]{},:;/·|—–\"“”「」『』=.!?→←↔❌✅]+|\s+vs\.?\s+", re.IGNORECASE)
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_PHRASE_SPLIT = re.compile(r"[()\[\]{},:;/·—–\"'“”‘’「」『』=]+|\s+vs\.?\s+|\s+[-→←↔]+\s+", re.IGNORECASE)


def normalize_slug(value: str) -> str:
    """`[[../root-08-프로세스 공유|x]]`, `프로세스 공유`, `root-08-프로세스-공유` → `프로세스-공유`."""
    text = nfc(str(value)).strip().strip("[]")
    text = text.split("|", 1)[0].split("#", 1)[0]
    _, name = split_root_name(stem(text))
    return re.sub(r"\s+", "-", name.strip()).lower()


def _first_quote(note: Note) -> str:
    for line in note.text.split("\n")[note.body_line - 1 :]:
        if line.startswith(">") and not line.lstrip("> ").startswith("[!"):
            return line.lstrip("> ").strip().strip('"“”')
    return ""


def root_from_note(note: Note, extra_aliases: Iterable[str] = ()) -> RootConcept:
    """A `RootConcept` from a root note (`root-NN-<slug>.md`, or its title)."""
    number, name = split_root_name(stem(note.path))
    title_meta = str(note.meta.get("title") or name)
    match = _TITLE.match(title_meta)
    display = match.group(1).strip() if match else title_meta
    english = match.group(2).strip() if match and match.group(2) else ""
    slug = normalize_slug(name if number is not None else display)
    tags = [str(t) for t in _as_list(note.meta.get("tags")) if str(t) not in GENERIC_TAGS]
    names = [display, english, *_as_list(note.meta.get("aliases")), *extra_aliases]
    aliases = _unique(names, slug)
    return RootConcept(
        slug, display, note.path, number, aliases, _first_quote(note), tuple(t for t in _unique(tags, slug))
    )


def _unique(values: Iterable[str], slug: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in (str(x).strip() for x in values) if v and v != slug))


def _body_words(note: Note) -> list[str]:
    """Nouns of the root note's own prose: link lines (relations to other roots) left out."""
    lines = note.text.split("\n")[note.body_line - 1 :]
    prose = "\n".join(line for line in lines if "[[" not in line)
    return korean.topic_terms(re.sub(r"[#>*`|=~\[\]_-]+", " ", prose))


def _named_phrases(note: Note) -> list[str]:
    """What the root note names as its own: its headings (numbering dropped) and bold spans,
    cut at brackets, commas, colons and `vs` (`사용가치 vs 의미가치` → both). Link lines are
    relations to other roots, and the H1 is the title: both left out."""
    found: list[str] = []
    for line in note.text.split("\n")[note.body_line - 1 :]:
        if "[[" in line or line.startswith("# "):
            continue
        heading = re.match(r"^#{2,6}\s+(?:\d+[.)]\s*)?(.+)$", line)
        spans = [heading.group(1)] if heading else []
        spans += _BOLD.findall(line)
        for span in spans:
            parts = (p.strip() for p in _PHRASE_SPLIT.split(span.replace("*", "")))
            # A part that starts with a particle (`의 관점` of `『…』의 관점`) is a fragment, not a name.
            found.extend(p for p in parts if p and not _PARTICLE_START.match(p))
    return found


def _prose_clauses(note: Note) -> list[str]:
    """The root note's own prose (list items, paragraphs, table cells, its opening quote) in
    clauses. Left out: link lines (relations to other roots), headings (named phrases), and
    quotations below the opening one (`> "…" - 프로세스 이코노미`: another author's words, often
    the very passage of the note being tagged)."""
    found: list[str] = []
    quotes = 0
    for line in note.text.split("\n")[note.body_line - 1 :]:
        if "[[" in line or line.startswith("#"):
            continue
        if line.startswith(">"):
            quotes += 1
            if quotes > 1:
                continue
        text = re.sub(r"^[\s>*+-]*(?:\[[ xX]\]\s*)?(?:\d+[.)]\s*)?", "", line).replace("*", "")
        found.extend(c.strip() for c in _CLAUSE_SPLIT.split(text) if c.strip())
    return found


_LINK = re.compile(r"!?\[\[([^\]|]*)(?:\|([^\]]*))?\]\]")
_LATIN_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*(?:[ -][A-Z][A-Za-z0-9]*)*")
_ATTRIBUTION = re.compile(r"[\"”]\s*[-–—]\s*(.+)$")
_LIST_HEAD = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s*)?(?:\d+[.)]\s*)?")


def _body_lines(note: Note) -> list[str]:
    """The root note's body lines, its H1 (the title) left out, each link replaced by what it
    shows (its alias, else nothing: a path is not prose)."""
    lines = note.text.split("\n")[note.body_line - 1 :]
    return [_LINK.sub(lambda m: m.group(2) or " ", line) for line in lines if not line.startswith("# ")]


def _passages(root: RootConcept, note: Note) -> RootConcept:
    """The root with `RootConcept.passages` and `passage_text`: each body line as content
    morphemes (a sentence or quotation apiece), and squashed."""
    lines = [line.replace("*", "") for line in _body_lines(note)]
    # Sentences and quotations apart: a quote is matched up to its end, not on into its source.
    found = (" ".join(korean.content_morphemes(part)) for line in lines for part in re.split(r'[.!?"“”]', line))
    return replace(
        root,
        passages=tuple(dict.fromkeys(p for p in found if p)),
        passage_text=tuple(dict.fromkeys(t for t in (squash_map(line, bounds=True)[0] for line in lines) if t)),
    )


def squash(text: str) -> str:
    """Text with spaces and punctuation gone (`Y Combinator` → `YCombinator`, `와이 콤비네이터에서는`
    → `와이콤비네이터에서는`): names and quoted sentences are found in it as substrings."""
    return squash_map(text)[0]


SENTENCE_BOUND = "|"
"""What `squash_map(…, bounds=True)` leaves where a sentence ends or a quotation opens or
closes: a quoted sentence is matched up to its end, not on into its source (`" - 프로세스 이코노미`)."""


def squash_map(text: str, bounds: bool = False) -> tuple[str, tuple[int, ...]]:
    """`squash` of `text`, and per letter kept its offset in `text` (to show a match as written);
    with `bounds`, `SENTENCE_BOUND` where a sentence ends or a double quotation mark stands."""
    kept = [
        (ch if ch.isalnum() else SENTENCE_BOUND, i)
        for i, ch in enumerate(nfc(text))
        if ch.isalnum() or (bounds and ch in '.!?"“”')
    ]
    return "".join(ch for ch, _ in kept), tuple(i for _, i in kept)


def _proper_head(text: str) -> str:
    """The proper noun a span starts with: a run of Kiwi `NNP` words (`파타고니아`, `자포스`)
    or capitalised Latin words (`Y Combinator`, `Zappos`); empty when it starts otherwise or
    the run only modifies the noun after it."""
    text = text.replace("*", "").strip()
    latin = _LATIN_NAME.match(text)
    if latin:
        return latin.group(0)
    end = 0
    for form, tag in korean.tokens(text):
        if tag != "NNP":
            # A noun right after it makes it a modifier of a compound (`데일리 노트`), not a name.
            return "" if tag.startswith("NN") else text[:end].strip()
        found = text.find(form, end)
        if found < 0:
            break
        end = found + len(form)
    return text[:end].strip()


def _case_candidates(note: Note) -> list[str]:
    """What the root note names as a case: each heading under a section about cases (`## …
    사례`), the proper noun heading a list item (`- 자포스: …`, `- 파타고니아 고객은`) or an item
    of a source note's description (`- 자포스, 라쿠텐 인기가게의 법칙`), and the source of a
    quotation (`> "…" - Zappos`, `(와이 콤비네이터)`)."""
    found: list[str] = []
    section = ""
    for raw in note.text.split("\n")[note.body_line - 1 :]:
        if raw.startswith("## "):
            section = raw.lower()
            continue
        heading = re.match(r"^#{3,6}\s+(?:\d+[.)]\s*)?(.+)$", raw)
        if heading:
            if "사례" in section or "case" in section:
                found.append(re.sub(r"\s*\(.*?\)\s*", " ", heading.group(1)).strip())
            continue
        if raw.startswith(">"):
            source = _ATTRIBUTION.search(raw)
            if source:
                found.extend(p.strip() for p in re.split(r"[()]", source.group(1)) if p.strip())
            continue
        line = _LINK.sub(lambda m: m.group(2) or "", raw)
        if "[[" in raw:
            description = line.split(" - ", 1)[1] if " - " in line else ""
            for item in description.split(","):
                item = re.sub(r"\s*(?:실제\s*)?사례.*$", "", item.strip().strip('"'))
                found.append(_proper_head(item) if not re.fullmatch(r"[가-힣]+", item) else item)
            continue
        head = _LIST_HEAD.match(line)
        if head:
            found.append(_proper_head(line[head.end() :]))
    return [f for f in found if f]


def _cases(roots: Sequence[RootConcept], notes: Sequence[Note]) -> tuple[RootConcept, ...]:
    """Each root with its named cases (`RootConcept.cases`) and passages (`_passages`): a candidate of any root note
    (`_case_candidates`) belongs to every root note that mentions it, when at most `CASE_ROOTS`
    do. A root's own name is no case, nor a name of `CASE_WORDS` words or more, of fewer than
    two syllables (or `LATIN_MIN` letters), one the root notes mention fewer than
    `CASE_MENTIONS` times, or one whose first word many root notes use (`IMI WORK 카페`: the
    author's own brand)."""
    texts = [squash("\n".join(_body_lines(n))) for n in notes]
    names = {squash(n) for r in roots for n in (r.slug, r.title, *r.aliases, *r.tags)}
    written: dict[str, str] = {}  # squashed → as first written (the evidence shown)
    where: dict[str, list[int]] = {}
    for note in notes:
        for name in _case_candidates(note):
            key = squash(name)
            if key in written or key in names or len(name.split()) > CASE_WORDS:
                continue
            if len(key) < (2 if korean.has_hangul(key) else LATIN_MIN):
                continue
            first = squash(name.split()[0])
            if len(first) > 1 and sum(first in t for t in texts) > CASE_ROOTS:
                continue
            found = [i for i, t in enumerate(texts) if key in t]
            if 0 < len(found) <= CASE_ROOTS and sum(t.count(key) for t in texts) >= CASE_MENTIONS:
                written[key], where[key] = name, found
    return tuple(
        _passages(replace(root, cases=tuple(written[k] for k in written if i in where[k])), notes[i])
        for i, root in enumerate(roots)
    )


def _phrases(roots: Sequence[RootConcept], notes: Sequence[Note]) -> tuple[RootConcept, ...]:
    """Each root with its distinctive phrases (see `RootConcept.phrases`): every run of two or
    more words of what the root note names (`필터 버블` of `필터 버블 경계`), every named
    phrase of one word, and every run of `PROSE_RUN` words of its own prose (or clause of two),
    that holds a word or word pair of the root's own (its profile or its name: `핵심 원칙` is every
    root's) and that at most `PHRASE_OTHERS` other root notes use anywhere. A one-word phrase
    must be a noun of `LATIN_MIN` letters when Latin."""
    candidates = [_candidates(n) for n in notes]
    longest = max((len(run) for found in candidates for run in found), default=1)
    bodies = [_ngrams(korean.content_morphemes(n.text.split("\n", n.body_line - 1)[-1]), longest) for n in notes]
    out = []
    for i, root in enumerate(roots):
        name = korean.content_morphemes(f"{root.slug.replace('-', ' ')} {root.title}")
        own = {w for w, _ in root.profile} | set(name)
        kept: list[str] = []
        for run, meaning in candidates[i].items():
            if not own & {*run, *(f"{a} {b}" for a, b in itertools.pairwise(run))}:
                continue
            if len(run) == 1 and not _one_word(run[0]):
                continue
            # Words that carry meaning (`korean.meaning_words`): both of two (`왜 하`, `공유 있`:
            # a light verb is glue), one of three or more (`지금 가지 자원`).
            if len(run) > 1 and meaning < min(len(run), MEANING_MIN) - (len(run) > 2):
                continue
            if sum(run in bodies[j] for j in range(len(roots)) if j != i) <= PHRASE_OTHERS:
                kept.append(" ".join(run))
        out.append(replace(root, phrases=tuple(sorted(kept, key=lambda p: (-p.count(" "), p)))))
    return tuple(out)


def _candidates(note: Note) -> dict[tuple[str, ...], int]:
    """Candidate phrases of a root note, each with how many of its words carry meaning."""
    out: dict[tuple[str, ...], int] = {}

    def add(run: tuple[str, ...], meaning: set[str]) -> None:
        out[run] = max(out.get(run, 0), sum(w in meaning for w in run))

    for clause in _named_phrases(note):
        seq, meaning = korean.content_morphemes(clause), set(korean.meaning_words(clause))
        # Runs of two words or more of a named phrase; one word only when it is the whole
        # phrase (`사용가치`, `현장감`): a noun picked out of one (`모습`, `로그`) is everyday language.
        for a in range(len(seq)):
            for z in range(a + 2, len(seq) + 1):
                add(seq[a:z], meaning)
        if len(seq) == 1:
            add(seq, meaning)
    for clause in _prose_clauses(note):
        seq, meaning = korean.content_morphemes(clause), set(korean.meaning_words(clause))
        # Runs of `PROSE_RUN` words of its own prose: a sentence of the root note said again.
        # A clause of two words (`킥스타터의 비극`) is as short as a named phrase.
        for a in range(len(seq) - PROSE_RUN + 1):
            add(seq[a : a + PROSE_RUN], meaning)
        if len(seq) == 2:
            add(seq, meaning)
    return out


def _ngrams(seq: tuple[str, ...], longest: int) -> frozenset[tuple[str, ...]]:
    """Every run of up to `longest` words of `seq`."""
    return frozenset(seq[a:z] for a in range(len(seq)) for z in range(a + 1, min(len(seq), a + longest) + 1))


def _one_word(word: str) -> bool:
    """Whether one word can be a phrase: a noun, of `LATIN_MIN` letters when Latin."""
    return bool(korean.noun_list(word)) and len(word) >= (2 if korean.has_hangul(word) else LATIN_MIN)


def _profiles(roots: Sequence[RootConcept], notes: Sequence[Note]) -> tuple[RootConcept, ...]:
    """Each root with its tf-idf profile against the other roots of the vault."""
    counts = [Counter(_body_words(n)) for n in notes]
    df: Counter[str] = Counter(w for c in counts for w in c)
    total = len(counts)
    # A root's own name words say "this root" wherever they appear: no other root may claim them.
    names = {r.slug: set(korean.content_morphemes(f"{r.slug.replace('-', ' ')} {r.title}")) for r in roots}
    out = []
    for root, count in zip(roots, counts, strict=True):
        others = set().union(*(v for k, v in names.items() if k != root.slug))
        weights = {
            w: (1 + math.log(n)) * math.log(total / df[w])
            for w, n in count.items()
            if df[w] <= max(1, total // DISTINCT_SHARE) and w not in others
        }
        ranked = sorted(((w, round(v, 3)) for w, v in weights.items() if v > 0), key=lambda x: (-x[1], x[0]))
        out.append(replace(root, profile=tuple(ranked[:PROFILE_SIZE])))
    return tuple(out)


def build_root_index(
    notes: Iterable[Note], diagnostics: Iterable[Diagnostic] = (), aliases: Mapping[str, Sequence[str]] | None = None
) -> RootIndex:
    """Index root notes by slug; two files claiming one slug is a warning (first wins).
    `aliases` (from settings) adds names per root slug; an unknown slug is a warning."""
    extra = {normalize_slug(k): tuple(v) for k, v in (aliases or {}).items()}
    roots: dict[str, RootConcept] = {}
    sources: dict[str, Note] = {}
    problems = list(diagnostics)
    for note in notes:
        root = root_from_note(note)
        if root.slug in roots:
            problems.append(
                Diagnostic(
                    note.path, 1, f"root '{root.slug}' also defined in {roots[root.slug].path}", "duplicate-root"
                )
            )
            continue
        roots[root.slug] = root_from_note(note, extra.get(root.slug, ()))
        sources[root.slug] = note
    for slug in extra:
        if slug not in roots:
            problems.append(Diagnostic("config", 0, f"root_aliases: no root note for '{slug}'", "unknown-root"))
    ordered = sorted(roots)
    profiled = _profiles([roots[s] for s in ordered], [sources[s] for s in ordered])
    texts = [sources[s] for s in ordered]
    return RootIndex(_cases(_phrases(profiled, texts), texts), tuple(problems))


def _front_matter_line(note: Note, needle: str) -> int:
    """The front-matter line naming `needle` under `root-concepts` (its key line, or an item
    below it), else any line naming it, else 1."""
    lines = note.text.split("\n")[: note.body_line - 1]
    key = next((i for i, line in enumerate(lines) if line.lower().startswith("root-concepts")), None)
    if key is not None:
        block = [key] + [i for i in range(key + 1, len(lines)) if lines[i].startswith((" ", "\t", "-"))]
        hit = next((i + 1 for i in block if needle in lines[i]), None)
        if hit:
            return hit
    return next((i + 1 for i, line in enumerate(lines) if needle in line), 1)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [v.strip() for v in str(value).strip("[]").split(",")]


def missing_links(parsed: ParsedNote, notes: NoteIndex) -> tuple[Diagnostic, ...]:
    """A warning per link whose target is not in the vault (normal: the text is kept)."""
    return tuple(
        Diagnostic(parsed.note.path, link.line, f"link target not in vault: [[{link.target}]]", "missing-link")
        for link in parsed.links
        if not link.embed and resolve(link.target, parsed.note.path, notes) is None
    )


def resolve_note_roots(parsed: ParsedNote, index: RootIndex, notes: NoteIndex | None = None) -> NoteRoots:
    """Roots of the whole note from front matter and links, with number-drift warnings. A
    root note never lists its own root (its front matter or a link to itself)."""
    note = parsed.note
    own = next((r.slug for r in index.roots if r.path == note.path), None)
    tags: dict[tuple[str, str], RootTag] = {}
    warnings: list[Diagnostic] = list(missing_links(parsed, notes)) if notes else []
    for raw in _as_list(note.meta.get("root-concepts")):
        slug = normalize_slug(raw)
        line = _front_matter_line(note, raw.strip("[] ")) if raw else 1
        if index.get(slug) is None:
            warnings.append(Diagnostic(note.path, line, f"unknown root concept '{raw}'", "unknown-root"))
            continue
        if slug != own:
            tags.setdefault((slug, "frontmatter"), RootTag(slug, "frontmatter", "root-concepts", line, 1.0))
    for link in parsed.links:
        number, name = split_root_name(stem(link.target))
        slug = normalize_slug(name)
        root = index.get(slug)
        if root is None:
            if number is not None:
                warnings.append(
                    Diagnostic(note.path, link.line, f"link to unknown root '{link.target}'", "unknown-root")
                )
            continue
        if number is not None and root.number is not None and number != root.number:
            warnings.append(
                Diagnostic(
                    note.path,
                    link.line,
                    f"link says root-{number:02d} but '{slug}' is root-{root.number:02d} ({root.path})",
                    "root-number",
                )
            )
        if slug != own:
            tags.setdefault((slug, "link"), RootTag(slug, "link", link.target, link.line, 0.9))
    return NoteRoots(tuple(tags.values()), tuple(warnings))


def match_text(text: str, index: RootIndex, line: int = 0) -> tuple[RootTag, ...]:
    """Roots whose name or alias appears in `text`, matched on morphemes so particles and
    spacing do not matter (`프로세스를 공유해서` → 프로세스-공유). One tag per root, the best hit."""
    from tasks.roots.tags import name_hits

    return tuple(RootTag(slug, "text", evidence, line, score) for slug, evidence, score in name_hits(text, index))
