"""Korean text helpers over kiwipiepy (offline model from PyPI), loaded once per process.

Kiwi takes ~1 s to build and ~1.3 s on its first call (≈500 MB RSS), so there is exactly
one analyser per process (`kiwi()`), and callers pass plain text, never raw markdown.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiwipiepy import Kiwi

NOUN_TAGS = frozenset({"NNG", "NNP", "SL"})
STOP_NOUNS = frozenset(
    [
        "것",
        "수",
        "등",
        "때",
        "중",
        "더",
        "이",
        "그",
        "저",
        "일",
        "자신",
        "가능",
        "중요",
        "경우",
        "사람들",
        "무엇",
        "정도",
        "부분",
        "이유",
        "이것",
        "그것",
        "우리",
        "당신",
        "나",
        "너",
        "모두",
        "하나",
        "결과",
        "문제",
        "방식",
        "기준",
        "시대",
        "이제",
        "요즘",
        "관련",
        "위",
        "아래",
        "통해",
    ]
)
HANGUL = re.compile(r"[가-힣]")


_KIWI_LOCK = threading.Lock()


def kiwi() -> Kiwi:
    """The process-wide analyser (thread-safe: a background warm-up and a task may race)."""
    with _KIWI_LOCK:
        return _build_kiwi()


@lru_cache(maxsize=1)
def _build_kiwi() -> Kiwi:
    from kiwipiepy import Kiwi

    # Without the multi-word dictionary Kiwi starts in ~0.8 s instead of ~1.8 s and takes
    # ~330 MB instead of ~520 MB (measured by bench/run). That dictionary only adds
    # multi-word proper nouns (`정글 크루즈`); without it they come out as their words.
    return Kiwi(load_multi_dict=False)


def warm_up_in_background() -> threading.Thread:
    """Load the analyser in a daemon thread (overlaps Prefect's start-up in a one-note run)."""
    thread = threading.Thread(target=lambda: kiwi().tokenize("준비"), name="kiwi-warm-up", daemon=True)
    thread.start()
    return thread


def has_hangul(text: str) -> bool:
    """True when the text contains Hangul syllables."""
    return bool(HANGUL.search(text))


def sentences(text: str) -> tuple[str, ...]:
    """Sentences of plain text (Kiwi for Korean; punctuation split otherwise)."""
    if not text.strip():
        return ()
    if not has_hangul(text):
        parts = re.split(r"(?<=[.!?])\s+|\n+", text)
        return tuple(p.strip() for p in parts if p.strip())
    out: list[str] = []
    for para in text.split("\n"):
        if para.strip():
            out.extend(s.text.strip() for s in kiwi().split_into_sents(para) if s.text.strip())
    return tuple(out)


def nouns(text: str, limit: int = 8) -> tuple[str, ...]:
    """Salient nouns (and Latin words), most frequent first, stop-nouns removed."""
    if not text.strip():
        return ()
    if has_hangul(text):
        forms = [t.form for t in kiwi().tokenize(text) if t.tag in NOUN_TAGS]
    else:
        forms = re.findall(r"[A-Za-z][A-Za-z'-]{2,}", text)
    counts = Counter(f.lower() if f.isascii() else f for f in forms if len(f) > 1 and f not in STOP_NOUNS)
    return tuple(w for w, _ in counts.most_common(limit))


def hashtag(word: str) -> str:
    """A hashtag body: no spaces, hyphens or punctuation (`프로세스-공유` → `프로세스공유`)."""
    return re.sub(r"[^\w]", "", word)
