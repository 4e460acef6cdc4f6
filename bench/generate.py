"""A deterministic benchmark vault: N notes made from the example vault's notes.

Each generated note copies one of the example notes (knowledge, book, project, process
log) in its folder, and varies it deterministically from its number: the title (front
matter and H1), the order of top-level bullets inside each bullet run, a few vault words
inserted into every prose line (so no two notes share a sentence), one extra root link,
and links to two other generated notes. The root notes are copied as they are, so
root resolution works exactly as on the real vault. Same N and seed → same bytes.

    python -m bench.generate DEST N
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

EXAMPLE_VAULT = Path(__file__).resolve().parent.parent / "examples" / "vault"
ROOTS_FOLDER = "00-roots"
_TOP_ITEM = re.compile(r"^[-*+] (?!\[)")
_NUMBERED = re.compile(r"^[-*+] \d+[.)] ")
_FENCE = re.compile(r"^-{3,}\s*$")
_PROSE = re.compile(r"^(\s*(?:> |#{4,6} )?(?:[-*+] (?:\[.\] )?)?(?:\d+[.)] )?)([^\s`]+)( \S.*)$")
_HANGUL_WORD = re.compile(r"^[가-힣]{2,6}$")


@dataclass(frozen=True, slots=True)
class Source:
    """One example note the generated notes are made from."""

    rel: str
    """Vault-relative path of the example note."""
    text: str
    """Its text."""


def example_sources(vault: Path = EXAMPLE_VAULT) -> tuple[Source, ...]:
    """Every example note that is not a root note and not an output, in sorted order."""
    found = []
    for path in sorted(vault.rglob("*.md")):
        rel = path.relative_to(vault).as_posix()
        if rel.startswith((ROOTS_FOLDER + "/", "_osmu/")) or "/." in f"/{rel}":
            continue
        found.append(Source(rel, path.read_text(encoding="utf-8")))
    return tuple(found)


def root_slugs(vault: Path = EXAMPLE_VAULT) -> tuple[str, ...]:
    """File stems of the root notes (`root-04-프로세스-공유`)."""
    return tuple(p.stem for p in sorted((vault / ROOTS_FOLDER).glob("root-*.md")))


def _split(text: str) -> tuple[list[str], list[str]]:
    """(front matter lines without fences, body lines)."""
    lines = text.split("\n")
    if lines and _FENCE.match(lines[0]):
        for i in range(1, len(lines)):
            if _FENCE.match(lines[i]):
                return lines[1:i], lines[i + 1 :]
    return [], lines


def _title_line(line: str, suffix: str) -> str:
    title = line.removeprefix("title:").strip().strip('"')
    return "title: " + json.dumps(title + suffix, ensure_ascii=False)


def _retitle(front: list[str], body: list[str], suffix: str) -> tuple[list[str], list[str]]:
    """Append `suffix` to the front-matter title and to the first H1."""
    front = [_title_line(line, suffix) if line.startswith("title:") else line for line in front]
    for i, line in enumerate(body):
        if line.startswith("# "):
            body = [*body[:i], line + suffix, *body[i + 1 :]]
            break
    return front, body


def _shuffle_bullets(body: list[str], rng: random.Random) -> list[str]:
    """Shuffle the top-level bullets (with their nested lines) inside each run of bullets.

    A run ends at a line that is neither a bullet, an indented continuation nor blank.
    Runs holding numbered points keep their order (the numbering carries meaning).
    """
    out: list[str] = []
    run: list[list[str]] = []

    def flush() -> None:
        if len(run) > 1 and not any(_NUMBERED.match(item[0]) for item in run):
            rng.shuffle(run)
        for item in run:
            if item and item[-1].strip():
                item.append("")  # keep items separated after a move
            out.extend(item)
        run.clear()

    for line in body:
        if _TOP_ITEM.match(line):
            run.append([line])
        elif run and (not line.strip() or line.startswith((" ", "\t"))):
            run[-1].append(line)
        else:
            flush()
            out.append(line)
    flush()
    while len(out) > 1 and not out[-1].strip() and not out[-2].strip():
        out.pop()
    return out


def vocabulary(sources: tuple[Source, ...]) -> tuple[str, ...]:
    """Hangul words of the example notes (the words the generated variations are made of)."""
    words = {w.strip(".,:;!?()\"'*=") for src in sources for w in src.text.split()}
    return tuple(sorted(w for w in words if _HANGUL_WORD.match(w)))


def _vary_prose(body: list[str], rng: random.Random, words: tuple[str, ...]) -> list[str]:
    """Insert 2-4 vault words after the first word of each prose line or bullet.

    Every generated note's text is then its own (as in a real vault), so nothing that
    caches by text can win by seeing the same sentence 1,000 times. The first and last
    words stay, so bullets keep reading as lead-ins, numbered points or sentences.
    Section headings, callout heads, tables, code and lines with links are left alone
    (`####` lines are the author's quotes, so they vary too).
    """
    out, fenced = [], False
    for line in body:
        if line.lstrip().startswith("```"):
            fenced = not fenced
        match = _PROSE.match(line)
        if fenced or not match or line.lstrip().startswith(("# ", "## ", "### ", "> [!", "|")) or "[[" in line:
            out.append(line)
            continue
        extra = " ".join(rng.choice(words) for _ in range(rng.randint(2, 4)))
        out.append(f"{match.group(1)}{match.group(2)} {extra}{match.group(3)}")
    return out


def note_path(source: Source, number: int) -> str:
    """Vault-relative path of generated note `number` (beside its example note)."""
    folder, _, name = source.rel.rpartition("/")
    stem = name.removesuffix(".md")
    return f"{folder}/{stem}-{number:05d}.md" if folder else f"{stem}-{number:05d}.md"


def make_note(
    source: Source, number: int, count: int, sources: tuple[Source, ...], roots: tuple[str, ...], words: tuple[str, ...]
) -> str:
    """The text of generated note `number` of `count`."""
    rng = random.Random(f"{number}:{source.rel}")
    front, body = _split(source.text)
    front, body = _retitle(front, body, f" ({number})")
    body = _vary_prose(_shuffle_bullets(body, rng), rng, words)
    root = rng.choice(roots)
    others = [(number * 7 + 3) % count, (number * 13 + 5) % count]
    links = [note_path(sources[o % len(sources)], o).removesuffix(".md") for o in others]
    body += ["", "## 관련 노트 (bench)", "", f"- [[{root}]]", *(f"- [[{link}]]" for link in links), ""]
    head = ["---", *front, "---"] if front else []
    return "\n".join([*head, *body])


def generate(dest: Path, count: int, source_vault: Path = EXAMPLE_VAULT) -> tuple[Path, ...]:
    """Write `count` notes plus the root notes into `dest` (emptied first); returns the note paths."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(source_vault / ROOTS_FOLDER, dest / ROOTS_FOLDER)
    sources, roots = example_sources(source_vault), root_slugs(source_vault)
    words = vocabulary(sources)
    written = []
    for number in range(count):
        source = sources[number % len(sources)]
        path = dest / note_path(source, number)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(make_note(source, number, count, sources, roots, words), encoding="utf-8")
        written.append(path)
    return tuple(written)


def main() -> None:
    """Command line: `python -m bench.generate DEST N`."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dest", type=Path)
    parser.add_argument("count", type=int)
    args = parser.parse_args()
    notes = generate(args.dest, args.count)
    print(f"{len(notes)} notes + roots in {args.dest}")


if __name__ == "__main__":
    main()
