"""Stage 3, roots: root-concept notes → `RootIndex`; a parsed note → its `NoteRoots`.

A root is identified by its slug (`프로세스-공유`), never by the `root-NN-` number, which
drifts inside one vault: a link whose number differs from the root note's file is a
warning, not a different root. Evidence comes from front matter (`root-concepts:`),
links in any path form, and the text itself (see `match_text`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from prefect import task

from tasks.links import NoteIndex, resolve, split_root_name, stem
from tasks.model import Diagnostic, Note, NoteRoots, ParsedNote, RootConcept, RootIndex, RootTag
from tasks.read import nfc

_TITLE = re.compile(r"^\s*root\s*\d*\s*[-:–]?\s*(.+?)\s*(?:\(([^)]+)\))?\s*$", re.IGNORECASE)
GENERIC_TAGS = frozenset({"root", "철학적-기반", "philosophical-root", "브랜딩", "커뮤니티"})
"""Tags too broad to identify one root."""


def normalize_slug(value: str) -> str:
    """`[[../root-08-프로세스 공유|x]]`, `프로세스 공유`, `root-08-프로세스-공유` → `프로세스-공유`."""
    text = nfc(str(value)).strip().strip("[]")
    text = text.split("|", 1)[0].split("#", 1)[0]
    _, name = split_root_name(stem(text))
    return re.sub(r"\s+", "-", name.strip()).lower()


def _squash(text: str) -> str:
    return re.sub(r"[\s\-_·]+", "", nfc(text)).lower()


def _first_quote(note: Note) -> str:
    for line in note.text.split("\n")[note.body_line - 1 :]:
        if line.startswith(">") and not line.lstrip("> ").startswith("[!"):
            return line.lstrip("> ").strip().strip('"“”')
    return ""


def root_from_note(note: Note) -> RootConcept:
    """A `RootConcept` from a root note (`root-NN-<slug>.md`, or its title)."""
    number, name = split_root_name(stem(note.path))
    title_meta = str(note.meta.get("title") or name)
    match = _TITLE.match(title_meta)
    display = match.group(1).strip() if match else title_meta
    english = match.group(2).strip() if match and match.group(2) else ""
    slug = normalize_slug(name if number is not None else display)
    tags = note.meta.get("tags") or []
    extra = note.meta.get("aliases") or []
    aliases = [display, english, *(extra if isinstance(extra, list) else [extra])]
    aliases += [str(t) for t in (tags if isinstance(tags, list) else []) if str(t) not in GENERIC_TAGS]
    unique = tuple(dict.fromkeys(a for a in (str(x).strip() for x in aliases) if a and a != slug))
    return RootConcept(slug, display, note.path, number, unique, _first_quote(note))


def build_root_index(notes: Iterable[Note], diagnostics: Iterable[Diagnostic] = ()) -> RootIndex:
    """Index root notes by slug; two files claiming one slug is a warning (first wins)."""
    roots: dict[str, RootConcept] = {}
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
        roots[root.slug] = root
    return RootIndex(tuple(sorted(roots.values(), key=lambda r: r.slug)), tuple(problems))


def _front_matter_line(note: Note, needle: str) -> int:
    lines = note.text.split("\n")[: note.body_line - 1]
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


@lru_cache(maxsize=1024)
def root_terms(root: RootConcept) -> tuple[str, ...]:
    """Squashed names a text must contain to mention the root (slug, title, aliases).

    Cached: every insight of every note asks for the same few roots' terms."""
    terms = {_squash(root.slug), _squash(root.title), *(_squash(a) for a in root.aliases)}
    return tuple(sorted(t for t in terms if len(t) >= 3))


def match_text(text: str, index: RootIndex, line: int = 0) -> tuple[RootTag, ...]:
    """Roots whose name or alias appears in `text` (spacing and hyphens ignored)."""
    squashed = _squash(text)
    found: list[RootTag] = []
    for root in index.roots:
        hit = next((t for t in root_terms(root) if t in squashed), None)
        if hit:
            found.append(RootTag(root.slug, "text", hit, line, 0.7))
    return tuple(found)


@task(name="load-roots")
def build_root_index_task(notes: tuple[Note, ...], diagnostics: tuple[Diagnostic, ...] = ()) -> RootIndex:
    """Prefect task: index the vault's root concepts."""
    return build_root_index(notes, diagnostics)


@task(name="resolve-roots")
def resolve_note_roots_task(parsed: ParsedNote, index: RootIndex, notes: NoteIndex | None = None) -> NoteRoots:
    """Prefect task: note-level roots and their warnings."""
    return resolve_note_roots(parsed, index, notes)
