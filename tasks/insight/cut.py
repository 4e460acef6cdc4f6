"""Cutting a section into insights the way people write notes (shared spec vault.md).

A section's blocks become *units* (a top-level block with its nested bullets), and units
are grouped by a few general rules, in this order:

1. Quotes (`####` lines inside a list, `>` quotations, callouts) stand alone; they take
   only a following line that points back at them (`그렇기 때문에 …`).
2. A line that points back (`이게 …`, `이것이 …`, `그들은 …`, `즉, …`, `이유는`, `He …`)
   joins the insight before it.
3. An *anchor* — a lead-in (`이유는`, `…에서 중요한건`, `…확인하세요:`, `works for three
   reasons`) or a short label (`Self Us Now`, `라쿠텐 인기가게의 3가지 법칙`) without nested
   bullets of its own — takes the next unit, then: numbered points while they last; after
   a colon, the rest of its list; fragments (noun phrases) that complete it; and lines that
   share its words (the label and its first point set the topic).
4. A question takes the sentence that answers it.
5. Task items stay together (a lead-in paragraph heads them); ❌ and ✅ lists pair up.

A small sub-section of a structured note (a principle, a case: `###` with a few blocks) is
one insight, heading included. Every block of a non-navigation section lands in exactly
one cut, so no sentence is lost or repeated.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from tasks.model import Block, Section
from tasks.nlp import korean

SMALL_SECTION_UNITS = 8
"""A `###` (or deeper) sub-section with at most this many units can be one insight."""
LABEL_MAX = 30
"""A label is a short line: at most this many characters."""
QUOTE_KINDS = frozenset({"quote", "heading", "callout"})
SKIPPED_KINDS = frozenset({"hr", "html", "code", "table", "image", "math", "footnote"})
"""Blocks that hold no sentences of the author (rules, raw HTML, code); tables, images and math are
carried by the insight next to them (`tasks.insight.extract.attach_blocks`), never cut into sentences."""
BACKREF = re.compile(
    r"^(이게|이것이|이것은|이건|이는|이를|이처럼|그들은|그들이|그는|그녀는|즉|반대로|그렇기 때문에|그렇기에|"
    r"이유는|왜냐하면|그 이유는|예를 들어|예컨대|요컨대)(?=[\s,.:]|$)"
    r"|^(he|she|his|her|they|their|them|this|that|these|it|its|because|for example)\b",
    re.IGNORECASE,
)
"""Openings that only make sense with the line before."""
SUMS_UP = re.compile(r"^(이게|이것이|이것은|이건|이처럼|요컨대)\s.*[.!。]$")
"""A line pointing back that concludes (`이것이 프로세스 이코노미의 묘미다.`): nothing joins after it
by shared words alone."""
CONTRAST = re.compile(r"^\s*(❌|✅|⭕|✔️?|✖️?)")
FILE_ONLY = re.compile(
    r"^\s*[^\s/\\]+(\s[^\s/\\]+)*\.(png|jpe?g|gif|webp|svg|avif|heic|pdf|mp3|mp4|mov|webm|canvas|excalidraw)\s*$",
    re.IGNORECASE,
)
"""A line that is only a file name: what an embedded image or file leaves as text, never an idea."""


@dataclass(frozen=True, slots=True)
class Cut:
    """The blocks of one future insight."""

    section: Section
    """The section the blocks come from."""
    blocks: tuple[Block, ...]
    """Blocks in document order."""
    whole_section: bool = False
    """True when the cut is a whole small sub-section (its heading line belongs to it)."""


def units(blocks: Sequence[Block]) -> list[list[Block]]:
    """Top-level blocks, each with the nested list items that follow it."""
    out: list[list[Block]] = []
    for block in blocks:
        if block.kind in SKIPPED_KINDS:
            continue
        nested = block.kind in ("item", "task") and block.depth > 0
        if nested and out and out[-1][0].kind in ("item", "task"):
            out[-1].append(block)
        else:
            out.append([block])
    return out


def _head(unit: Sequence[Block]) -> str:
    return unit[0].text.strip().split("\n", 1)[0]


def _ending(unit: Sequence[Block]) -> str:
    return korean.ending(_head(unit))


def is_backref(unit: Sequence[Block]) -> bool:
    """The unit opens by pointing at what came before (`이게 프로세스 이코노미.`)."""
    return unit[0].kind in ("item", "paragraph") and bool(BACKREF.match(_head(unit)))


def is_label(unit: Sequence[Block]) -> bool:
    """A short one-line title-like bullet (`Self Us Now`, `정글 크루즈형`)."""
    block = unit[0]
    text = _head(unit)
    if block.kind not in ("item", "paragraph") or block.ordered or "\n" in block.text.strip() or not text:
        return False
    if len(text) > LABEL_MAX or (not korean.has_hangul(text) and len(text.split()) > 8):
        return False
    return not re.search(r"[.!?。…]$", text)


def is_anchor(unit: Sequence[Block]) -> bool:
    """A lead-in or label that heads the units after it (not when it has nested points,
    nor a line that points back, unless it is a lead-in like `이유는`)."""
    if len(unit) != 1:
        return False
    return _ending(unit) == "lead" or (is_label(unit) and not is_backref(unit))


FIRST_NUMBER = re.compile(r"^\s*1[.)]\s")


def announces(head: Sequence[Block], unit: Sequence[Block]) -> bool:
    """Whether an unfinished line (no full stop, not a question) announces the list numbered
    from 1 right after it: `Slow marketing rests on three habits` + `1. …`, whatever its last word."""
    first = head[0]
    return (
        len(head) == 1
        and first.kind in ("item", "paragraph")
        and not first.ordered
        and _ending(head) == "fragment"
        and unit[0].ordered
        and bool(FIRST_NUMBER.match(unit[0].text))
    )


def _words(units_: Sequence[Sequence[Block]]) -> set[str]:
    return {w for u in units_ for b in u for w in korean.noun_list(b.text)}


def _follows(anchor: Sequence[Block], rest: Sequence[Sequence[Block]], unit: Sequence[Block]) -> bool:
    """Whether `unit` continues the insight headed by `anchor` (with `rest` already taken)."""
    if not rest:
        return True
    if any(r[0].ordered for r in rest):
        return unit[0].ordered
    if unit[0].ordered:
        return False
    if SUMS_UP.match(_head(rest[-1])):
        return False  # `이것이 …의 묘미다.` sums up: the anchor's insight is closed
    if _head(anchor).endswith((":", "：")) and unit[0].kind == "item" and all(r[0].kind == "item" for r in rest):
        return True
    if is_label(unit) or is_anchor(unit):
        return False
    if _ending(unit) == "fragment":
        return True
    return bool(_words([unit]) & _words([anchor, rest[0]]))


def _joins(group: Sequence[Sequence[Block]], unit: Sequence[Block]) -> bool:
    head = group[0]
    kind = unit[0].kind
    if kind in QUOTE_KINDS or kind == "table":
        return False
    if head[0].kind in QUOTE_KINDS or head[0].kind == "table":
        return len(group) == 1 and is_backref(unit)
    if kind == "task" or head[0].kind == "task":
        return (
            kind == "task"
            and all(u[0].kind == "task" for u in group[1:])
            and (head[0].kind == "task" or _ending(head) == "lead")
        )
    if is_backref(unit):
        return True
    if len(group) == 1 and announces(head, unit):
        return True
    anchor_at = next(
        (i for i, u in enumerate(group) if is_anchor(u) or (i + 1 < len(group) and announces(u, group[i + 1]))), -1
    )
    if anchor_at >= 0:
        return _follows(group[anchor_at], group[anchor_at + 1 :], unit)
    if len(group) == 1 and _ending(head) == "question":
        return _ending(unit) in ("sentence", "fragment") and not is_label(unit)
    return False


def _pair_contrasts(groups: list[list[list[Block]]]) -> list[list[list[Block]]]:
    """A ❌ list followed by a ✅ list (or the reverse) is one do/don't insight."""
    out: list[list[list[Block]]] = []
    paired = False
    for group in groups:
        mark = CONTRAST.match(_head(group[0]))
        prev = CONTRAST.match(_head(out[-1][0])) if out else None
        if mark and prev and mark.group(1) != prev.group(1) and not paired:
            out[-1] = out[-1] + group
            paired = True
            continue
        out.append(group)
        paired = False
    return out


def flow_groups(blocks: Sequence[Block]) -> list[list[list[Block]]]:
    """Units grouped into insights by the rules of the module docstring."""
    groups: list[list[list[Block]]] = []
    for unit in units(blocks):
        if groups and _joins(groups[-1], unit):
            groups[-1].append(unit)
        else:
            groups.append([unit])
    return _pair_contrasts(groups)


def _structured(section: Section, unit_list: Sequence[Sequence[Block]]) -> bool:
    """A small sub-section written as one thing (principle, case), not a run of bullets."""
    if section.level < 3 or not unit_list or len(unit_list) > SMALL_SECTION_UNITS:
        return False
    if len(unit_list) <= 3 or unit_list[0][0].kind == "paragraph":
        return True
    return sum(_ending(u) != "sentence" for u in unit_list) * 2 >= len(unit_list)


def cut_section(section: Section) -> Iterator[Cut]:
    """The cuts of one section, in document order."""
    content = [
        b for b in section.blocks if b.kind not in SKIPPED_KINDS and b.text.strip() and not FILE_ONLY.match(b.text)
    ]
    if not content:
        return
    unit_list = units(content)
    if _structured(section, unit_list) and not all(u[0].kind in QUOTE_KINDS for u in unit_list):
        yield Cut(section, tuple(content), whole_section=True)
        return
    for group in flow_groups(content):
        yield Cut(section, tuple(b for unit in group for b in unit))
