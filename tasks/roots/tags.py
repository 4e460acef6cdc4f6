"""Insight-level root tags: which roots one insight supports, each with a reason and a score.

Evidence, combined per root:

- **names** — the root's slug, title or aliases (root note `aliases:`, settings
  `root_aliases`) appear in the text, matched on morphemes so particles and spacing do not
  matter (`프로세스를 공유해서` → 프로세스-공유, `의미가치에 눈을 돌려` → 의미가치). A tag of the
  root note counts too, more weakly (tags are broad: `정체성`, `커뮤니티`).
- **distinctive phrases** — a phrase the root note names as its own and no other root note
  uses (`RootConcept.phrases`: `필터 버블`, `비행기 조종사`, `킥스타터 비극`). Text alone
  tags a root the note does not name only through a name, such a phrase, a quote or a
  case (below): shared everyday words (`다음, 정답, 골몰`) are never enough.
- **quotes** — the insight repeats a passage of a root note, quotations included (root-07
  quotes line 158 of the book note): `QUOTE_RUN` content morphemes in a row, or `QUOTE_CHARS`
  letters of a short sentence, that at most `QUOTE_ROOTS` root notes hold. The evidence is
  the stretch as the insight writes it. It tags the root whether or not the note names it.
- **named cases** — a proper noun a root note names as its case (`RootConcept.cases`:
  `파타고니아`, `자포스`, `Y Combinator`), named by at most two root notes. Like a quote.
- **vocabulary** — the insight shares distinctive words with the root note (its tf-idf
  `profile`), or one word of the root's name. It decides whether an insight inherits a root
  its note names (below), never a root on its own. Word pairs show the root note says the
  same thing (a quote) only when they name something and either no other root holds them or
  they chain into one run.
- **the note** — front matter and links name roots for the whole note (the author's own
  evidence); an insight inherits such a root only when its own words support it, so a
  generic remark in a book note is not stamped with every root of the book. The note's main
  root (first in `root-concepts`) needs less support than the others, unless another root is
  named outright and the main root is not.

A root note never carries its own root (the note is that root: saying so adds nothing), and
it has no main root: its links name related roots.

The bars were set on the tuning half of the hand labels in tests/fixtures/labels (see
bench/eval_insights.py); the held-aside half checks them.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from tasks.model import NoteRoots, RootConcept, RootIndex, RootTag
from tasks.nlp import korean
from tasks.vault.read import nfc

NAME_SCORE = 0.9
"""A root's name or alias in the text."""
TAG_SCORE = 0.6
"""A root note's multi-word tag in the text (`process-sharing`)."""
PHRASE_SCORE = 0.8
"""A distinctive phrase of the root note in the text (`필터 버블`, `비행기 조종사`)."""
PHRASE_GAP = 2
"""Words a phrase may have inserted in the text (`고객에게 어떤 역할이든 맡겨라`)."""
NAME_PART = 3.0
"""Vocabulary weight of one word of a root's name (`프로세스` alone for 프로세스-공유)."""
MAIN_MIN = 3.0
"""Vocabulary weight an insight needs to inherit its note's main root."""
OTHER_MIN = 12.0
"""… to inherit one of the note's other roots."""
PHRASE_PAIRS = 2
"""Shared word pairs (`왜 지갑`, `따라잡히 쉽`) that show the root note says the same thing:
enough to inherit a root the note names."""
SCALE = 8.0
"""Vocabulary weight that gives a score of 1 − 1/e ≈ 0.63."""
CONTEXT_WORDS = 2
"""Words of the note's own line linking a root (`충성도 높은 팬 확보`) an insight must share to
carry that root."""
NAME_WORD_LETTERS = 5
"""Letters of a Latin word of a root's English name (`archiv`) that, said both by the note's line
linking the root and by the insight, carries that root (`Us`, `Now` are everyday words)."""
CONTEXT_STOP = frozenset(["과정", "스토리", "사례", "핵심", "개념", "본문", "철학", "방법론", "출처", "책", "관련"])
"""Words notes use to describe any link (`핵심 개념`, `사례`): no evidence for one root."""
EVIDENCE_WORDS = 4
"""Shared words quoted as evidence."""
QUOTE_SCORE = 0.85
"""A passage the root note quotes or restates (`QUOTE_RUN` words in a row)."""
QUOTE_RUN = 5
"""Content morphemes in a row, in the insight and in one line of a root note, that make a quote
(`정답 도출 골몰 보다 미완 …`); three everyday words in common (`다음, 정답, 골몰`) never do."""
QUOTE_MEANING = 3
"""Words of such a run that must carry meaning (`korean.meaning_words`)."""
QUOTE_CHARS = 15
"""Letters in a row (spaces and punctuation aside) that make a quote of a short sentence
(`사람들은 '무엇'이 아니라 '왜'에 지갑을 연다`: four content morphemes, seventeen letters)."""
QUOTE_ROOTS = 2
"""Root notes that may share a run and leave it a quote of theirs (the Zappos motto is in
two); a run more of them use is the vault's common phrasing."""
CASE_SCORE = 0.75
"""A named case of the root note in the text (`RootConcept.cases`: `파타고니아`, `Y Combinator`)."""
FOREIGN_SHARE = 0.2
"""Share of a root's profile words that must be in the insight's script (Latin for an insight
without Hangul) for its vocabulary to count as evidence. Under it the root note cannot speak to
the insight at all (an English note under Korean root notes): absence of shared words is then
no evidence against the note's main root, which such an insight inherits as the note declares
it, unless another root is named outright."""


@lru_cache(maxsize=512)
def _names(root: RootConcept) -> tuple[tuple[tuple[str, ...], str, float], ...]:
    """(morphemes, surface, score) for each name of the root, longest first."""
    out: dict[tuple[str, ...], tuple[str, float]] = {}
    for name in (root.slug.replace("-", " "), root.title, *root.aliases):
        seq = korean.content_morphemes(name.replace("-", " "))
        if seq:
            out.setdefault(seq, (name, NAME_SCORE))
    for tag in root.tags:
        seq = korean.content_morphemes(tag.replace("-", " "))
        if len(seq) > 1:  # one-word tags (`정체성`, `커뮤니티`) are too broad to name a root
            out.setdefault(seq, (tag, TAG_SCORE))
    return tuple(sorted(((s, n, v) for s, (n, v) in out.items()), key=lambda x: (-len(x[0]), -x[2], x[1])))


@lru_cache(maxsize=512)
def _name_parts(root: RootConcept) -> frozenset[str]:
    """Single words of the root's names (slug, title, aliases)."""
    words = [korean.meaning_words(n.replace("-", " ")) for n in (root.slug, root.title, *root.aliases)]
    return frozenset(w for ws in words for w in ws)


@lru_cache(maxsize=512)
def _profile(root: RootConcept) -> Mapping[str, float]:
    """The root's profile as a lookup table (read-only: shared by every insight)."""
    return MappingProxyType(dict(root.profile))


@lru_cache(maxsize=16)
def _spread(roots: tuple[RootConcept, ...]) -> Mapping[str, int]:
    """Per word, how many roots' vocabularies (profile or name words) hold it. A word several
    roots share (`소속감`, `디저트 페어`) says little about which one an insight means."""
    count: Counter[str] = Counter()
    for root in roots:
        count.update({w for w, _ in root.profile} | _name_parts(root))
    return count


def _quotes(shared: Sequence[str], spread: Mapping[str, int], own: Mapping[str, float]) -> bool:
    """Whether the shared word pairs show the root note says the same thing: `PHRASE_PAIRS`
    pairs no other root holds (`spread`: `_spread` of the vault's roots), or two pairs that
    chain into one run (`사람 왜` + `왜 지갑`) even when another root quotes it too. Scattered
    pairs two roots share (`과정 고객`, `디저트 페어`) are everyday phrasing, not a quote. In a
    root note, its own vocabulary (`own`: its profile) does not count as sharing (every pair
    of the note is in it)."""
    pairs = [w.split(" ", 1) for w in shared if " " in w]
    # Pairs of function words (`이미 다`, `다 있`) are no quote: a pair must name something.
    named = [p for p in pairs if _has_noun(" ".join(p))]
    if sum(spread.get(" ".join(p), 0) - (" ".join(p) in own) <= 1 for p in named) >= PHRASE_PAIRS:
        return True
    after = {a: b for a, b in pairs}
    return any(b in after and _has_noun(f"{a} {b} {after[b]}") for a, b in pairs)


@lru_cache(maxsize=4096)
def _has_noun(words: str) -> bool:
    """Whether a run of morphemes holds a noun (or Latin word)."""
    return bool(korean.noun_list(words))


def _contains(seq: tuple[str, ...], part: tuple[str, ...]) -> bool:
    """Whether `part` (not empty) runs in `seq`; only where its first word is are slices compared."""
    first, n = part[0], len(part)
    return first in seq and any(seq[i : i + n] == part for i, word in enumerate(seq) if word == first)


@lru_cache(maxsize=512)
def _phrase_seqs(root: RootConcept) -> tuple[tuple[tuple[str, ...], str], ...]:
    """(morphemes, phrase) of each distinctive phrase of the root, longest first."""
    return tuple((tuple(p.split(" ")), p) for p in root.phrases if p)


def _in_order(seq: Sequence[str], part: tuple[str, ...]) -> tuple[int, int] | None:
    """Where the words of `part` occur in `seq` in order, with at most `PHRASE_GAP` other
    words between its first and last: (index of the first, of the last), else None."""
    first, n = part[0], len(part)
    for i, word in enumerate(seq):
        if word != first:
            continue
        at, ok = i, True
        for want in part[1:]:
            nxt = next((k for k in range(at + 1, min(len(seq), i + n + PHRASE_GAP)) if seq[k] == want), None)
            if nxt is None:
                ok = False
                break
            at = nxt
        if ok:
            return i, at
    return None


def phrase_hits(text: str, index: RootIndex) -> dict[str, str]:
    """Per root, the longest of its distinctive phrases (`RootConcept.phrases`) the text says,
    shown as the text writes it (`ABC마트에 전화해서`, not the stems `abc 마트 전화`)."""
    spans = korean.content_spans(text)
    seq = tuple(form for form, _, _ in spans)
    present = set(seq)
    hits: dict[str, str] = {}
    for root in index.roots:
        for part, _ in _phrase_seqs(root):
            where = _in_order(seq, part) if part[0] in present else None
            if where is not None:
                hits[root.slug] = " ".join(text[spans[where[0]][1] : spans[where[1]][2]].split())
                break
    return hits


@lru_cache(maxsize=512)
def _runs(root: RootConcept) -> frozenset[tuple[str, ...]]:
    """Every run of `QUOTE_RUN` morphemes of one line of the root note (`RootConcept.passages`)."""
    found: set[tuple[str, ...]] = set()
    for passage in root.passages:
        seq = tuple(passage.split(" "))
        found.update(seq[a : a + QUOTE_RUN] for a in range(len(seq) - QUOTE_RUN + 1))
    return frozenset(found)


@lru_cache(maxsize=512)
def _letter_runs(root: RootConcept) -> frozenset[str]:
    """Every run of `QUOTE_CHARS` letters of one sentence of the root note (`RootConcept.passage_text`)."""
    from tasks.roots.index import SENTENCE_BOUND

    runs = (line[a : a + QUOTE_CHARS] for line in root.passage_text for a in range(len(line) - QUOTE_CHARS + 1))
    return frozenset(r for r in runs if SENTENCE_BOUND not in r)


def _stretches(size: int, width: int, found: Mapping[str, Sequence[int]]) -> dict[str, tuple[int, int]]:
    """Per root, the longest chain of windows (`width` items from each start in `found[slug]`)
    that follow one another: a stretch `(start, end)` of a sequence of `size` items."""
    best: dict[str, tuple[int, int]] = {}
    for slug, starts in found.items():
        at = set(starts)
        for a in sorted(at):
            if a - 1 in at:
                continue
            z = a
            while z + 1 in at:
                z += 1
            if z + width - a > (best[slug][1] - best[slug][0] if slug in best else 0):
                best[slug] = (a, min(size, z + width))
    return best


def _shared(windows: Sequence[object], grams: Mapping[str, frozenset[Any]]) -> dict[str, list[int]]:
    """Per root, the windows its root note holds, of those at most `QUOTE_ROOTS` root notes hold."""
    holders = [[slug for slug, g in grams.items() if w in g] for w in windows]
    found: dict[str, list[int]] = {}
    for a, slugs in enumerate(holders):
        if 0 < len(slugs) <= QUOTE_ROOTS:
            for slug in slugs:
                found.setdefault(slug, []).append(a)
    return found


def quote_hits(text: str, index: RootIndex) -> dict[str, str]:
    """Per root, the longest stretch of `text` that repeats a line of its root note: at least
    `QUOTE_RUN` content morphemes in a row (`QUOTE_MEANING` of them meaning words), or
    `QUOTE_CHARS` letters in a row (spaces and punctuation aside) holding two meaning words;
    shown as written in `text`. A window that more than `QUOTE_ROOTS` root notes share is
    skipped (the vault's common phrasing, not a quote)."""
    from tasks.roots.index import SENTENCE_BOUND, squash_map

    text = nfc(text)
    spans = korean.content_spans(text)
    seq = tuple(form for form, _, _ in spans)
    words = [seq[a : a + QUOTE_RUN] for a in range(len(seq) - QUOTE_RUN + 1)]
    found: dict[str, list[str]] = {}
    for slug, (a, z) in _stretches(
        len(seq), QUOTE_RUN, _shared(words, {r.slug: _runs(r) for r in index.roots})
    ).items():
        written = text[spans[a][1] : spans[z - 1][2]]
        if len(korean.meaning_words(written)) >= QUOTE_MEANING:
            found.setdefault(slug, []).append(written)
    flat, where = squash_map(text, bounds=True)
    # A window across a sentence's end is not one sentence quoted: it matches nothing.
    letters = [flat[a : a + QUOTE_CHARS] for a in range(len(flat) - QUOTE_CHARS + 1)]
    letters = [w if SENTENCE_BOUND not in w else "" for w in letters]
    grams = {r.slug: _letter_runs(r) for r in index.roots}
    for slug, (a, z) in _stretches(len(flat), QUOTE_CHARS, _shared(letters, grams)).items():
        written = text[where[a] : where[z - 1] + 1]
        if len(korean.meaning_words(written)) >= 2:
            found.setdefault(slug, []).append(written)
    return {slug: " ".join(max(ws, key=len).split()) for slug, ws in found.items()}


def case_hits(text: str, index: RootIndex) -> dict[str, str]:
    """Per root, the first of its named cases (`RootConcept.cases`) the text names: a Hangul
    name found in the text without spaces or punctuation (`와이 콤비네이터에서는`), a Latin one
    as written, capitals included, not inside a longer word (`Color`, not `colorful`)."""
    from tasks.roots.index import squash

    flat = squash(text)
    hits: dict[str, str] = {}
    for root in index.roots:
        found = next((c for c in root.cases if _case_pattern(c).search(text if _latin(c) else flat)), None)
        if found is not None:
            hits[root.slug] = found
    return hits


def _latin(name: str) -> bool:
    return not korean.has_hangul(name)


@lru_cache(maxsize=256)
def _case_pattern(name: str) -> re.Pattern[str]:
    """How a named case is found: Latin words in order (`Y Combinator`, `Y-Combinator`) between
    word boundaries; a Hangul name as a substring of squashed text."""
    from tasks.roots.index import squash

    if not _latin(name):
        return re.compile(re.escape(squash(name)))
    words = re.findall(r"[A-Za-z0-9]+", name)
    return re.compile(r"(?<![A-Za-z0-9])" + r"[\W_]*".join(map(re.escape, words)) + r"(?![A-Za-z0-9])")


def name_hits(text: str, index: RootIndex) -> tuple[tuple[str, str, float], ...]:
    """(slug, matched name, score) for every root named in `text` (its best name only)."""
    seq = korean.content_morphemes(text)
    hits: list[tuple[str, str, float]] = []
    for root in index.roots:
        found = [(name, score) for part, name, score in _names(root) if _contains(seq, part)]
        if found:
            name, score = max(found, key=lambda x: x[1])
            hits.append((root.slug, name, score))
    return tuple(hits)


def support(words: Sequence[str], root: RootConcept) -> tuple[float, tuple[str, ...]]:
    """Vocabulary weight backing the root, and the shared words, strongest first."""
    profile = _profile(root)
    parts = _name_parts(root)
    weight = {w: NAME_PART if w in parts else profile[w] for w in set(words) if w in parts or w in profile}
    shared = tuple(sorted(weight, key=lambda w: (-weight[w], w)))
    return round(sum(weight.values()), 3), shared


def _score(weight: float) -> float:
    return round(1 - math.exp(-weight / SCALE), 3)


def _either(a: float, b: float) -> float:
    """Two independent pieces of evidence (noisy-or)."""
    return round(1 - (1 - a) * (1 - b), 3)


@lru_cache(maxsize=512)
def _latin_share(root: RootConcept) -> float:
    """Share of the root's profile words written in Latin letters."""
    words = [w for w, _ in root.profile]
    return sum(not korean.has_hangul(w) for w in words) / len(words) if words else 0.0


def foreign(text: str, root: RootConcept) -> bool:
    """Whether the root note's vocabulary cannot speak to `text`: the text has no Hangul and
    fewer than `FOREIGN_SHARE` of the root's profile words are Latin."""
    return not korean.has_hangul(text) and _latin_share(root) < FOREIGN_SHARE


def main_root(note_path: str, note_roots: NoteRoots, index: RootIndex) -> str:
    """The note's main root: first in front matter, else the first linked root; none for a
    root note (it never carries itself, and its links name related roots, not its topic)."""
    if any(r.path == note_path for r in index.roots):
        return ""
    first = next((t for t in note_roots.tags if t.reason == "frontmatter"), None) or next(iter(note_roots.tags), None)
    return first.slug if first else ""


def link_context(note_text: str, note_roots: NoteRoots, index: RootIndex) -> dict[str, frozenset[str]]:
    """Per root, the words of the note's own lines that link it, links and root names left
    out (`[[root-02-응원-경제]] - "충성도 높은 팬 확보, 커뮤니티 소속감"` → 충성도, 팬, 확보…)."""
    lines = note_text.split("\n")
    out: dict[str, set[str]] = {}
    for tag in note_roots.tags:
        if tag.reason != "link" or not 0 < tag.line <= len(lines):
            continue
        others = {w for r in index.roots if r.slug != tag.slug for w in _name_parts(r)}
        prose = re.sub(r"!?\[\[[^\]]*\]\]", " ", lines[tag.line - 1])
        said = korean.noun_list(prose, stem=True)
        out.setdefault(tag.slug, set()).update(w for w in said if w not in others and w not in CONTEXT_STOP)
    return {slug: frozenset(words) for slug, words in out.items()}


def tag_insight(
    text: str,
    line: int,
    note_path: str,
    note_roots: NoteRoots,
    index: RootIndex,
    context: dict[str, frozenset[str]] | None = None,
) -> tuple[RootTag, ...]:
    """The roots one insight supports, strongest first; each tag names its reason and evidence.
    `context` is `link_context` of the note (computed once per note)."""
    words = korean.topic_terms(text)
    names = {slug: (name, score) for slug, name, score in name_hits(text, index)}
    spoken = phrase_hits(text, index)
    quoted_by = quote_hits(text, index)
    cases = case_hits(text, index)
    noted: dict[str, list[RootTag]] = {}
    for tag in note_roots.tags:
        noted.setdefault(tag.slug, []).append(tag)
    main = main_root(note_path, note_roots, index)
    evidence = {root.slug: support(words, root) for root in index.roots}
    spread = _spread(index.roots)
    own = next((_profile(r) for r in index.roots if r.path == note_path), MappingProxyType({}))
    phrase = {slug: _quotes(shared, spread, own) for slug, (_, shared) in evidence.items()}
    # Another root named outright outweighs a bare word of the main root's name (`프로세스를
    # 만들어 내는 사고방식` next to `인사이드 아웃`): then only the main root's full name keeps it cheap.
    named_rival = any(slug != main for slug in names) and main not in names
    # Words the note itself uses when it links a root: two of them are a quote of its reason; one
    # is enough when it is a Latin word of the root's own English name (`- archive thinking` and
    # `the archive turns into stories`; Korean name words, `가치`, are everyday), or for the main
    # root, unless another root is named outright (`커피 맛보다 이유` and `커피를 사러 오지만`).
    for slug, said in (context or {}).items():
        root_ = index.get(slug)
        named_word = root_ is not None and any(
            len(w) >= NAME_WORD_LETTERS and not korean.has_hangul(w) for w in said & set(words) & _name_parts(root_)
        )
        if slug == main and named_rival:
            continue
        need = 1 if slug == main else CONTEXT_WORDS
        if slug in evidence and (len(said & set(words)) >= need or named_word):
            phrase[slug] = True
            weight, shared = evidence[slug]
            evidence[slug] = (weight, tuple(dict.fromkeys((*sorted(said & set(words)), *shared))))
    # The main root is inherited on little evidence, unless another root explains the insight
    # better (named, quoted or described by the note) and the main root's own name is absent:
    # then it needs as much as any other root.
    main_root_ = index.get(main)
    own_name = main in names or (main_root_ is not None and bool(_name_parts(main_root_) & set(words)))
    rival = named_rival or (any(slug != main and phrase[slug] for slug in evidence) and not own_name)
    found: list[RootTag] = []
    for root in index.roots:
        weight, shared = evidence[root.slug]
        quoted = ", ".join(shared[:EVIDENCE_WORDS])
        if root.path == note_path:
            continue  # a root note never carries itself
        if root.slug in names:
            name, score = names[root.slug]
            found.append(RootTag(root.slug, "text", name, line, _either(score, _score(weight))))
        bar = MAIN_MIN if root.slug == main and (not rival or root.slug in names) else OTHER_MIN
        if root.slug == main and not named_rival and foreign(text, root):
            bar = 0.0
        if root.slug in noted and (weight >= bar or phrase[root.slug]):
            for note_tag in noted[root.slug]:
                score = round(note_tag.score * _either(0.5, _score(weight)), 3)
                found.append(
                    RootTag(root.slug, note_tag.reason, f"{note_tag.evidence}; {quoted}", note_tag.line, score)
                )
        if root.slug in names:
            continue
        # A passage its root note quotes, or a case it names, is evidence whether or not the note
        # names the root; a distinctive phrase only for a root the note does not name. One text tag, the strongest.
        if root.slug in quoted_by:
            found.append(RootTag(root.slug, "text", quoted_by[root.slug], line, _either(QUOTE_SCORE, _score(weight))))
        elif root.slug in cases:
            found.append(RootTag(root.slug, "text", cases[root.slug], line, _either(CASE_SCORE, _score(weight))))
        elif root.slug not in noted and root.slug in spoken:
            found.append(RootTag(root.slug, "text", spoken[root.slug], line, _either(PHRASE_SCORE, _score(weight))))
    return ordered(found)


def ordered(tags: Sequence[RootTag]) -> tuple[RootTag, ...]:
    """Tags grouped by root, roots by their best score (then slug), deterministic."""
    best: dict[str, float] = {}
    for tag in tags:
        best[tag.slug] = max(best.get(tag.slug, 0.0), tag.score)
    return tuple(sorted(tags, key=lambda t: (-best[t.slug], t.slug, -t.score, t.reason)))
