"""Stage 4, roots: root-concept notes → `RootIndex`; a parsed note → its `NoteRoots`.

A root is identified by its slug (`프로세스-공유`), never by the `root-NN-` number, which
drifts inside one vault: a link whose number differs from the root note's file is a
warning, not a different root. Evidence comes from front matter (`root-concepts:`),
links in any path form, and the text itself (see `match_text`).
"""

from __future__ import annotations

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
    return RootIndex(profiled, tuple(problems))


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
    """Roots of the whole note from front matter and links, with number-drift warnings."""
    note = parsed.note
    tags: dict[tuple[str, str], RootTag] = {}
    warnings: list[Diagnostic] = list(missing_links(parsed, notes)) if notes else []
    for raw in _as_list(note.meta.get("root-concepts")):
        slug = normalize_slug(raw)
        line = _front_matter_line(note, raw.strip("[] ")) if raw else 1
        if index.get(slug) is None:
            warnings.append(Diagnostic(note.path, line, f"unknown root concept '{raw}'", "unknown-root"))
            continue
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
        tags.setdefault((slug, "link"), RootTag(slug, "link", link.target, link.line, 0.9))
    return NoteRoots(tuple(tags.values()), tuple(warnings))


def match_text(text: str, index: RootIndex, line: int = 0) -> tuple[RootTag, ...]:
    """Roots whose name or alias appears in `text`, matched on morphemes so particles and
    spacing do not matter (`프로세스를 공유해서` → 프로세스-공유). One tag per root, the best hit."""
    from tasks.roots.tags import name_hits

    return tuple(RootTag(slug, "text", evidence, line, score) for slug, evidence, score in name_hits(text, index))
