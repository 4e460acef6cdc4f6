"""Korean text helpers over kiwipiepy (offline model from PyPI), loaded once per process.

Kiwi takes ~1 s to build and ~1.3 s on its first call (≈500 MB RSS), so there is exactly
one analyser per process (`tasks.nlp.morph.kiwi()`), every text is analysed once
(`tasks.nlp.morph.analysis`), and callers pass plain text,
never raw markdown.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from functools import lru_cache

from tasks.nlp.morph import analysis
from tasks.nlp.morph import kiwi as kiwi
from tasks.nlp.morph import warm_up as warm_up

NOUN_TAGS = frozenset({"NNG", "NNP", "SL"})
CONTENT_TAGS = frozenset({"NNG", "NNP", "SL", "SN", "XR", "VV", "VA", "MAG"})
"""Morphemes that carry meaning; the rest (particles, endings, punctuation) is glue."""
_EN_STOP_WORDS = (
    "a an the and or but of to in on at for with by from as is are was were be been it its this that "
    "these those he she his her they their them we our you your i my me not only so do does did what "
    "when why how who which there here than then into about more most very can will just don doesn "
    "have has had up out over not no yes same also even all any some every each one two three get got "
    "make makes made let lets want wants way ways thing things"
)
EN_STOP = frozenset(_EN_STOP_WORDS.split())
"""English function words (kept out of keywords and root matching)."""
PREDICATE_NOUNS = frozenset(["중요", "필요", "가능", "불가능", "핵심", "필수", "중요함", "필요함", "가능함"])
"""Nouns that end a note-style statement with `하다` left out (`…하는 것이 중요`)."""
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*[A-Za-z]|[A-Za-z]")
LEAD_EN = re.compile(r"\b(reasons|ways|rules|steps|principles|lessons|because|works|is|are)$", re.IGNORECASE)
"""An English line announcing a list (`works for three reasons`); a singular noun ends a statement
(`Keep an archive of every step`)."""
"""An English line ending like this announces the points that follow."""
TRAILING_GLUE = ("J", "SF")
"""Tags trimmed from the end of a hashtag: particles and final punctuation."""
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
SHORT_WORDS = frozenset(["팬", "꿈", "삶", "돈", "땀", "왜", "글", "책", "빵", "옷", "차"])
"""One-syllable words kept as topic words (most single syllables are noise: 본, 끼, 뒤)."""
HANGUL = re.compile(r"[가-힣]")


def has_hangul(text: str) -> bool:
    """True when the text contains Hangul syllables."""
    return bool(HANGUL.search(text))


def sentences(text: str) -> tuple[str, ...]:
    """Sentences of plain text (Kiwi for Korean; punctuation split otherwise)."""
    if not text.strip():
        return ()
    if not has_hangul(text):
        parts = re.split(r"(?<=[.!?])\s+(?=[^a-z])|\n+", text)  # `Show Your Work! and how…` is one sentence
        return tuple(p.strip() for p in parts if p.strip())
    out: list[str] = []
    for para in text.split("\n"):
        if para.strip():
            # Kiwi's own sentence split (`split_into_sents`) is this grouping of the same analysis.
            for _, group in itertools.groupby(analysis(para), key=lambda m: m.sentence):
                morphs = list(group)
                start = morphs[0].start
                sentence = para[start : morphs[-1].end].strip()
                if sentence and out and re.match(r"[a-z]", sentence) and para[:start].rstrip().endswith(out[-1]):
                    out[-1] = para[para.rindex(out[-1], 0, start) : morphs[-1].end].strip()  # `Work! and how…`
                elif sentence:
                    out.append(sentence)
    return tuple(out)


def tokens(text: str) -> tuple[tuple[str, str], ...]:
    """`(form, tag)` morphemes of plain text (insights and roots ask for the same text: one analysis)."""
    if not text.strip():
        return ()
    return tuple((m.form, m.tag) for m in analysis(text))


@lru_cache(maxsize=4096)
def _word_forms(text: str, stem: bool = True) -> tuple[tuple[str, str], ...]:
    """Morphemes, with Latin words stemmed and multi-word forms (`정글 크루즈`) split.
    Text without Hangul is split on letters (Kiwi cuts some English words apart).
    Cached: keywords, hashtags, cutting and root tagging each ask for the same insight text."""
    if not has_hangul(text):
        return tuple((stem_en(w) if stem else w.lower(), "SL") for w in LATIN_WORD.findall(text))
    out: list[tuple[str, str]] = []
    for form, tag in tokens(text):
        for part in form.split():
            out.append(((stem_en(part) if stem else part.lower()) if tag == "SL" else part, tag))
    return tuple(out)


def stem_en(word: str) -> str:
    """Lower-cased, with a plain English suffix removed (`sharing`, `shared`, `shares` → `shar`)."""
    low = word.lower()
    for suffix in ("ing", "ed", "es", "e", "s"):
        if low.endswith(suffix) and len(low) - len(suffix) >= 4 and not low.endswith("ss"):
            return low[: -len(suffix)]
    return low


def content_morphemes(text: str) -> tuple[str, ...]:
    """Content morphemes in order (nouns, roots, verb stems, Latin words): particles,
    endings and punctuation dropped, so `프로세스를 공유해서` → `프로세스 공유`."""
    return tuple(f for f, tag in _word_forms(text) if tag in CONTENT_TAGS and f not in EN_STOP)


def content_spans(text: str) -> tuple[tuple[str, int, int], ...]:
    """`content_morphemes` with where each one is written in `text` (start, end offsets), so a
    match found on morphemes can be shown as the author wrote it. A multi-word form (`정글
    크루즈`) gives each of its words the form's span."""
    if not has_hangul(text):
        found = ((stem_en(m.group()), m.start(), m.end()) for m in LATIN_WORD.finditer(text))
        return tuple(f for f in found if f[0] not in EN_STOP)
    out: list[tuple[str, int, int]] = []
    for m in analysis(text):
        if m.tag not in CONTENT_TAGS:
            continue
        for part in m.form.split():
            form = stem_en(part) if m.tag == "SL" else part
            if form not in EN_STOP:
                out.append((form, m.start, m.end))
    return tuple(out)


def nouns(text: str, limit: int = 8) -> tuple[str, ...]:
    """Salient nouns (and Latin words), most frequent first, stop-nouns removed."""
    counts = Counter(noun_list(text))
    return tuple(w for w, _ in counts.most_common(limit))


def noun_list(text: str, stem: bool = False) -> list[str]:
    """Every noun and Latin word of the text in order (stop-nouns and one-letter Latin
    removed); `stem` reduces English words to a stem (for matching, not for display)."""
    forms = [f for f, tag in _word_forms(text, stem) if tag in NOUN_TAGS]
    return [f for f in forms if f not in STOP_NOUNS and f not in EN_STOP and (len(f) > 1 or has_hangul(f))]


def meaning_words(text: str) -> list[str]:
    """Content morphemes that can carry a topic (nouns, verb and adjective stems, Latin
    words), in order: stop-nouns, English function words and most one-syllable words out."""
    return [
        f
        for f, tag in _word_forms(text)
        if tag in CONTENT_TAGS
        and tag != "MAG"
        and f not in STOP_NOUNS
        and f not in EN_STOP
        and not f.isdigit()
        and (len(f) > 1 or f in SHORT_WORDS)
    ]


def topic_terms(text: str) -> list[str]:
    """Topic words plus adjacent pairs of content morphemes (`따라잡히 쉽`): pairs make
    vocabulary evidence specific (a root note that says the same thing shares its pairs)."""
    seq = [f for f in content_morphemes(text) if not f.isdigit()]
    pairs = [f"{a} {b}" for a, b in itertools.pairwise(seq) if a != b]
    return noun_list(text, stem=True) + pairs


@lru_cache(maxsize=1 << 16)
def ending(text: str) -> str:
    """How a line ends: `question`, `sentence` (a finished predicate), `lead` (a topic
    particle or colon that announces what follows: `이유는`, `…에서 중요한건`, `Reasons:`)
    or `fragment` (a noun phrase or label: `Self Us Now`, `제품의 품질, 가격`)."""
    line = text.strip()
    if not line:
        return "fragment"
    if line.endswith(("?", "？")) or re.search(r"까[.…]*$", line):
        return "question"
    if line.endswith((":", "：")):
        return "lead"
    if not has_hangul(line):
        if re.search(r"[.!。…]$", line):
            return "sentence"
        return "lead" if LEAD_EN.search(line) else "fragment"
    tags = [(f, t) for f, t in tokens(line) if not t.startswith(("SF", "SS", "SP", "SW", "SE", "SO", "W_"))]
    if not tags:
        return "fragment"
    form, tag = tags[-1]
    if tag == "EF" or (tag == "EC" and line.endswith(".")) or (tag.startswith("N") and form in PREDICATE_NOUNS):
        return "sentence"
    if tag == "JX" and form in ("은", "는", "ᆫ"):
        return "lead"
    return "fragment"


def as_title(line: str) -> str:
    """A lead-in said as a name: its colon and closing topic particle dropped (`구독자가 늘어나는
    이유는` → `구독자가 늘어나는 이유`); a particle fused into its syllable (`중요한건`) and other lines
    unchanged: the author's spelling and spacing are never respelled."""
    text = line.strip().rstrip(":：").rstrip()
    if not has_hangul(text):
        return text
    parts = [m for m in analysis(text) if not m.tag.startswith(("SF", "SP"))]
    if len(parts) < 2 or parts[-1].tag != "JX" or parts[-1].form not in ("은", "는", "ᆫ"):
        return text
    last, before = parts[-1], parts[-2]
    if last.start >= before.end:
        return text[: last.start].rstrip()
    return text  # a particle fused into a syllable (`중요한건`) stays: the author's spelling is hers


@lru_cache(maxsize=16384)
def hashtag(word: str) -> str:
    """A hashtag body: no spaces, hyphens, punctuation or trailing particles
    (`프로세스-공유` → `프로세스공유`, `의미가치를` → `의미가치`). Cached: the same root
    slugs and keywords come back for every insight (bench/run profile: ~240 calls a note)."""
    body = re.sub(r"[^\w]", "", word)
    if not has_hangul(body):
        return body
    parts = list(analysis(body))
    cut = len(body)
    while parts and parts[-1].tag.startswith(TRAILING_GLUE) and parts[-1].start > 0:
        cut = parts.pop().start
    return body[:cut]


def noun_phrases(text: str) -> tuple[str, ...]:
    """Runs of two or more adjacent nouns (`프로세스 이코노미`), joined without spaces."""
    out: list[str] = []
    run: list[str] = []
    for form, tag in [*_word_forms(text), ("", "END")]:
        if tag in ("NNG", "NNP") and form not in STOP_NOUNS:
            run.append(form)
            continue
        if len(run) >= 2:
            out.append("".join(run))
        run = []
    return tuple(dict.fromkeys(out))


PARTICLES = {
    "을": ("을", "를"), "를": ("을", "를"), "은": ("은", "는"), "는": ("은", "는"),
    "이": ("이", "가"), "가": ("이", "가"), "과": ("과", "와"), "와": ("과", "와"),
}  # fmt: skip
"""A particle (either form) → its form after a final consonant, and after a vowel."""
_CLOSERS = "'\"’”」』》〉)]}>.,!?… "
_TRAILING_BRACKET = re.compile(r"\s*[(\[（][^()\[\]（）]*[)\]）]\s*$")
_DIGIT_FINAL = {
    "0": True, "1": True, "2": False, "3": True, "4": False,
    "5": False, "6": True, "7": True, "8": True, "9": False,
}  # fmt: skip
"""Whether a number read in Sino-Korean ends on a consonant, by its last digit (영, 일, 이, 삼, 사,
오, 육, 칠, 팔, 구; a last 0 is read 영/십/백/천/만, all closed)."""


def final_consonant(word: str) -> bool | None:
    """Whether `word` is read ending on a consonant (받침): its last Hangul syllable, looking through
    closing quotes and brackets (`'느린오후'` → 후, `브랜드(Brand)` → 드); a number by how it is read
    (`3` → 삼). None when that is not easy to tell (a Latin word: `fans`)."""
    text = word
    while True:
        stripped = _TRAILING_BRACKET.sub("", text).rstrip(_CLOSERS)
        if stripped == text or not stripped:
            break
        text = stripped
    last = text[-1:] if text else ""
    if "가" <= last <= "힣":
        return (ord(last) - 0xAC00) % 28 != 0
    if last in _DIGIT_FINAL:
        return _DIGIT_FINAL[last]
    return None


def particle(word: str, form: str) -> str | None:
    """The form of the particle `form` (`을`/`를`, `은`/`는`, `이`/`가`, `과`/`와`) that follows `word`,
    never the hedge `을(를)`; None when the word's reading is unclear (rephrase without a particle)."""
    closed, open_ = PARTICLES[form]
    final = final_consonant(word)
    if final is None:
        return None
    return closed if final else open_


def quote_title(text: str) -> str:
    """A title in quotation marks that never nest: `'…'`, or `“…”` when it holds a `'` itself
    (`“군산 책방 '느린오후' 리브랜딩”`), or 「…」 when it holds both."""
    if "'" not in text and "‘" not in text:
        return f"'{text}'"
    if '"' not in text and "“" not in text:
        return f"“{text}”"
    return f"「{text}」"
