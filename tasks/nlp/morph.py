"""The Korean analyser (kiwipiepy), one per process, and a memo of its analyses per text.

Kiwi takes ~1 s to build and ~1.3 s on its first call, so there is exactly one analyser
per process (`kiwi()`). Every caller goes through `analysis(text)`: one Kiwi call per
distinct line, remembered (bounded), shared by morphemes, sentence splitting, hashtags and
the particle lint rule. Kiwi runs single-threaded: its worker-thread pool made batch calls
~40% faster on an idle core, no faster under load (bench/run), and with it `osmu watch`
stopped obeying Ctrl-C in the test suite (the cause was not found; without the pool it does).
"""

from __future__ import annotations

import threading
import warnings
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiwipiepy import Kiwi

MEMO_SIZE = 2048
"""Analyses kept per process: a note asks for ~40 texts, nearly all its own, so a few dozen
notes' worth keeps the texts notes share that come back often (root names). Bounded, and
small: each analysis is ~25 objects the garbage collector walks on every full pass; at 8192
the memo held half of a 1k-note run's objects and the collector took ~1 s more of its ~45 s
(bench/run), while the short texts analysed again (~3k, mostly hashtag words) cost ~0.2 s."""


@dataclass(frozen=True, slots=True)
class Morpheme:
    """One morpheme of an analysed text."""

    form: str
    """Surface or base form (`공유`, `하`, `ᆫ`)."""
    tag: str
    """Sejong part-of-speech tag (`NNG`, `JKO`, `EF`, `SL`…)."""
    start: int
    """Character offset of the morpheme in the text."""
    end: int
    """Character offset just after it."""
    sentence: int
    """Number of the sentence it belongs to (Kiwi's sentence split, 0-based)."""


Analysis = tuple[Morpheme, ...]

_KIWI_LOCK = threading.Lock()
_KIWI: list[Kiwi] = []


def kiwi() -> Kiwi:
    """The process-wide analyser, built once (thread-safe: a background warm-up and a task may race)."""
    if not _KIWI:  # no lock once built: kiwi() is called for every text
        with _KIWI_LOCK:
            if not _KIWI:
                _KIWI.append(_build_kiwi())
    return _KIWI[0]


def warm_up() -> None:
    """Build the analyser now (~2 s), not inside the first note: long-running commands feel instant,
    and threads share one analyser (safe to share once built, not to build twice)."""
    kiwi().tokenize("")


def _build_kiwi() -> Kiwi:
    from kiwipiepy import Kiwi

    # Without the multi-word dictionary Kiwi starts in ~0.8 s instead of ~1.8 s and takes
    # ~330 MB instead of ~520 MB (measured by bench/run). That dictionary only adds
    # multi-word proper nouns (`정글 크루즈`); without it they come out as their words.
    # num_workers=0: no worker-thread pool. With Kiwi's pool, a batch ran on C++ threads and
    # `osmu watch` (in the full test suite) no longer stopped on Ctrl-C; under load the batch
    # gained nothing over one call per text anyway (bench/run).
    with warnings.catch_warnings():  # 0 means single-threaded since kiwipiepy 0.21; it warns so
        warnings.simplefilter("ignore", DeprecationWarning)
        return Kiwi(load_multi_dict=False, num_workers=0)


_MEMO: OrderedDict[str, Analysis] = OrderedDict()
_MEMO_LOCK = threading.Lock()


def _convert(tokens: Iterable[Any]) -> Analysis:
    return tuple(Morpheme(t.form, t.tag, t.start, t.end, t.sent_position) for t in tokens)


def _remember(text: str, result: Analysis) -> None:
    with _MEMO_LOCK:
        _MEMO[text] = result
        _MEMO.move_to_end(text)
        while len(_MEMO) > MEMO_SIZE:
            _MEMO.popitem(last=False)


def _recall(text: str) -> Analysis | None:
    with _MEMO_LOCK:
        found = _MEMO.get(text)
        if found is not None:
            _MEMO.move_to_end(text)
        return found


def analysis(text: str) -> Analysis:
    """Kiwi's morphemes of `text` (plain text, not markdown), analysed once per process.

    A text of several lines is analysed line by line (see `_by_lines`)."""
    found = _recall(text)
    if found is None:
        found = _by_lines(text) if "\n" in text else _convert(kiwi().tokenize(text))
        _remember(text, found)
    return found


def _by_lines(text: str) -> Analysis:
    """The analyses of the text's lines, one after the other (offsets into `text`, sentences
    numbered on). A note's line is one statement: the insight cutter reads each line alone,
    and an insight's text joins such lines, so its lines are already in the memo. Kiwi on
    the whole text analysed them again (a sixth of its work over bench/run's notes) and
    could read a line's end differently (`…한다` as a connective ending, not a final one)
    when it read on into the next line."""
    out: list[Morpheme] = []
    offset = sentences = 0
    for line in text.split("\n"):
        if line.strip():
            part = analysis(line)
            out += (Morpheme(m.form, m.tag, m.start + offset, m.end + offset, m.sentence + sentences) for m in part)
            if part:
                sentences = out[-1].sentence + 1
        offset += len(line) + 1
    return tuple(out)


def forget() -> None:
    """Empty the memo (tests; a long-lived process never needs it)."""
    with _MEMO_LOCK:
        _MEMO.clear()
