"""The type of an insight, from the shape and words of its cut.

Rules are tried in order (first match wins), each a small predicate, so a new type is a new
entry in `RULES`. Process-log types (did, why, failure, pivot, learned, next) are set by
the process-log reader, not here.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from tasks.insight.cut import Cut, is_label, units
from tasks.nlp import korean

INSIGHT_TYPES = (
    "claim",
    "quote",
    "framework",
    "case",
    "definition",
    "checklist",
    "contrast",
    "question",
    "did",
    "why",
    "failure",
    "pivot",
    "learned",
    "next",
)
"""Every insight type; the last six are for process logs."""
CASE_SECTION = re.compile(r"사례|케이스|case|example|구현|적용", re.IGNORECASE)
FRAMEWORK_WORDS = re.compile(
    r"\d+\s*가지|법칙|원리|원칙|구조|단계|프레임워크|공식|framework|model|principles?|rules|steps", re.IGNORECASE
)
CONTRAST_WORDS = re.compile(
    r"\bvs\.?\b|^반대로|대비|❌|✅|→.*복제 불가능|형에서 .+형으로", re.IGNORECASE | re.MULTILINE
)
DEFINITION = re.compile(
    r"^(이게|이것이|이것은)\s*\S+(\s\S+)?[.]?$|(이)?란\s|(는|은) .{2,60}(철학|개념|사고방식|방법론)(입니다|이다)\.?$"
    r"|\bmeans\b|\bis defined as\b|>>\s*\S+\.?$"
)
QUOTE_CALLOUTS = frozenset({"quote", "cite"})


def _blocks_text(cut: Cut) -> str:
    return "\n".join(b.text for b in cut.blocks)


def _is_quote(cut: Cut) -> bool:
    first = cut.blocks[0]
    if first.kind in ("quote", "heading"):
        return True
    return first.kind == "callout" and dict(first.meta).get("type", "") in QUOTE_CALLOUTS


def _is_question(cut: Cut) -> bool:
    first = cut.blocks[0]
    if first.kind == "callout":
        return dict(first.meta).get("type", "") in ("question", "faq", "help")
    return korean.ending(first.text.split("\n", 1)[0]) == "question"


def _is_checklist(cut: Cut) -> bool:
    return sum(b.kind == "task" for b in cut.blocks) >= 2


def _is_contrast(cut: Cut) -> bool:
    text = _blocks_text(cut)
    if "❌" in text and "✅" in text:
        return True
    parts = units(cut.blocks)
    labels = [u for u in parts if is_label(u) and u[0].text.strip().endswith("형")]
    heads = "\n".join(u[0].text for u in parts)  # nested examples do not make a contrast
    return len(labels) >= 2 or bool(CONTRAST_WORDS.search(heads))


def _is_case(cut: Cut) -> bool:
    if CASE_SECTION.search(" ".join(cut.section.path[:-1])) and cut.whole_section:
        return True
    head = cut.blocks[0].text.split("\n", 1)[0]
    return len(cut.blocks) >= 2 and is_label([cut.blocks[0]]) and _names_someone(head)


def _names_someone(text: str) -> bool:
    """A proper noun (company, person) in the line, or a capitalised name inside English text."""
    if korean.has_hangul(text):
        return any(tag == "NNP" for _, tag in korean.tokens(text))
    return bool(re.search(r"\s[A-Z][a-z]+\s[A-Z][a-z]+", text))


def _is_framework(cut: Cut) -> bool:
    ordered = [b for b in cut.blocks if b.ordered and b.depth == 0]
    head = cut.section.title if cut.whole_section else cut.blocks[0].text.split("\n", 1)[0]
    return len(ordered) >= 2 or (len(cut.blocks) >= 3 and bool(FRAMEWORK_WORDS.search(head)))


def _is_definition(cut: Cut) -> bool:
    return any(DEFINITION.search(b.text.strip()) for b in cut.blocks[:3])


RULES: tuple[tuple[str, Callable[[Cut], bool]], ...] = (
    ("quote", _is_quote),
    ("checklist", _is_checklist),
    ("question", _is_question),
    ("contrast", _is_contrast),
    ("framework", _is_framework),
    ("case", _is_case),
    ("definition", _is_definition),
)
"""Type rules in the order they are tried; `claim` when none matches."""


def insight_type(cut: Cut) -> str:
    """The first matching type of `RULES`, else `claim`."""
    return next((name for name, rule in RULES if rule(cut)), "claim")
