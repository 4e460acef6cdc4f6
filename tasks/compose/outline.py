"""A note read as an argument: chapters, the hook, the closing idea, a question, the attribution.

Chapters follow the note's own headings. A long flat section (a book note's one big list) is
split into topics where the author starts one: a named framework or case (`Self Us Now`,
`라쿠텐 인기가게의 3가지 법칙`), a highlighted passage (`####`), a claim with its own list.
Every channel's plan is chosen from this outline, so all channels tell the same argument.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tasks.compose.ideas import (
    ASIDE_CALLOUTS,
    BACKREF,
    NAME_MAX,
    Idea,
    bare,
    ideas_and_logistics,
    plain,
    says_something,
)
from tasks.model import Insight, ParsedNote
from tasks.nlp import korean

FLAT_MAX = 8
"""A section with more ideas than this is split into topics."""
GENERIC_TITLES = frozenset(
    {"핵심 인사이트", "인사이트", "핵심", "메모", "내용", "노트", "정리", "요약", "key insights", "insights",
     "notes", "summary", "highlights", "하이라이트", "본문", "key ideas", "ideas", "main ideas", "takeaways",
     "핵심 아이디어", "핵심 내용", "주요 내용", "메모들"}
)  # fmt: skip
ASKS = re.compile(r"([?？]|까[.…]*)\s*$")
"""How a question ends (what `korean.ending` calls a question), checked before asking the analyser."""
CLOSING_SECTIONS = re.compile(r"적용|다음|결론|마치며|정리|실천|takeaway|next|conclusion|apply", re.I)
ROOT_LABEL = re.compile(r"^\s*(Root\s*\d+\s*[-:–—]|\d{2}\.\d{2}(?=\s))\s*", re.I)
"""Filing labels at the start of a title: `Root 04 - `, a Johnny-Decimal id (`13.01 `)."""
BOOK_TAGS = frozenset({"book", "books", "독서", "책", "book-notes", "reading"})
URL = re.compile(r"https?://[^\s)>\]\"']+")
WIKILINK_TEXT = re.compile(r"!?\[\[([^\]|#\n]*)(?:#[^\]|\n]*)?(?:\|([^\]\n]*))?\]\]")
"""A wikilink in a front-matter value, shown as its alias (else its last path part)."""
MD_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^\s)]+)\)")
CREDIT = re.compile(
    r"(읽고 정리|정리한 글|요약한 글|번역한 글|참고하여|참고해 |바탕으로 (쓴|정리)|출처:"
    r"|based on|summar(y|ises|izes) of|adapted from|source:)",
    re.IGNORECASE,
)
"""A line of the note saying where its ideas come from: kept in the sources, never lost."""
CONNECTIVE = re.compile(
    r"^(그래서|하지만|그러나|따라서|결국|그렇기|그리고|또한|즉|반대로|물론|근데|그런데|그러니까|그러면|그럼|그렇지만|게다가"
    r"|but|so|and)\b",
    re.I,
)
POINTING = re.compile(
    r"^그\s|^(그래도|그러니|그러다가?|however|also|나머지|그건|그게|그걸|그것|그거|그런|그렇게|그때"
    r"|이런|이렇게|저런|둘 다|셋 다|세 개 다|두 개 다|모두 다"
    r"|them|they|those|it|its|that's|this is)(?=[\s,.:은는이가을를도에의]|$)",
    re.I,
)
"""Openings that point at what was said before (`나머지는 …`, `그건 …`, `Most of them …` aside: only the
opening counts): the sentence needs the one before it."""
NOTE_TO_SELF = re.compile(
    r"^((a\s+)?(question|note|reminder|to-?do)\s+(for|to)\s+(me|myself)|나(한테|에게)\s*(묻는|던지는)?\s*질문|메모해\s*둘\s*것)\s*[:：]"
    r"|\bre-?read\b|다시 읽(었|음|은|고)",
    re.I,
)
"""A line the author writes to herself (`Question for me: …`) or about her reading (`Re-read it after the
panel`): never a hook or a lead."""


PLAIN_QUESTIONS = {"ko": "여러분의 일에서는 어떤 모습인가요?", "en": "How does this look in your own work?"}
"""The question asked when the note gives none of its own: a template, never the note's own question."""


def leans(sentence: str) -> bool:
    """Whether a sentence needs the one before it: it opens with a connective (`근데`, `그래서`, `But`) or
    points back (`나머지는`, `그건`, `This`, `them`)."""
    text = plain(sentence).lstrip("\"“'‘(")
    return bool(CONNECTIVE.match(text) or BACKREF.match(text) or POINTING.match(text))


def stands_alone(sentence: str) -> bool:
    """Whether a sentence can open something on its own: it leans on nothing before it and is no note
    the author writes to herself."""
    return not leans(sentence) and not NOTE_TO_SELF.search(plain(sentence))


BY_AUTHOR = re.compile(r"^(.+?)\s+[-–—]\s+([가-힣]{2,4}(?:\s*(?:외|지음))?|[A-Z][\w.'’]+(?:\s+[A-Z][\w.'’]+){1,2})$")
"""A note title `Book - Author` (`브랜드의 목소리 - 한정우`, `Show Your Work - Austin Kleon`): a person's
name after the dash, not a subtitle."""
PAREN_AUTHOR = re.compile(r"^(.+?)\s*[(（]([A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){1,3}|[가-힣]{2,4})[)）]$")
"""A note title `Title (Author)` (`1,000 True Fans (Kevin Kelly)`): a person's name in the brackets,
never a date or a place list (`로컬브랜드 포럼 후기 (11/14, 성수)`)."""
CATEGORY = frozenset(
    (  # noqa: SIM905 - one readable block of words
        "article articles book books book-notes booknotes essay essays seminar seminars memo memos note notes "
        "consulting project projects insights insight talk talks lecture podcast video web paper review "
        "아티클 책 독서 에세이 메모 세미나 강연 후기 컨설팅 프로젝트"
    ).split()
)
"""Front-matter `source:` values that say what kind of source a note has, never which one (`article`)."""
SOURCE_KINDS = frozenset(
    {"article", "articles", "paper", "papers", "podcast", "video", "talk", "talks", "lecture", "아티클", "칼럼"}
)
"""Kinds (a `source:` value or a tag) of a note written about someone else's work, not the author's own."""
OWN_WORK = re.compile(
    r"^(?P<who>[A-Z][\w.-]+(?:\s+[A-Z][\w.-]+){1,3})['’]s\s+(?:(?P<year>\d{4})\s+)?(?:essay|article|post|book|talk)\b"
    r"|^(?P<kwho>[가-힣]{2,4})의\s+(?:(?P<kyear>\d{4})년\s+)?(?:글|에세이|칼럼|아티클|책)\b"
)
"""A note's opening line naming its source's author (`Kevin Kelly's 2008 essay.`, `김하나의 글`)."""
QUOTED = re.compile(r"'([^'\s][^']{0,11})'|‘([^’\s][^’]{0,11})’|\"([^\"\s][^\"]{0,11})\"|“([^”\s][^”]{0,11})”")


@dataclass(frozen=True, slots=True)
class Chapter:
    """One run of the note's argument: a section, or a topic of a long flat section."""

    title: str
    """Its name: the note's heading, or the topic's own label or short claim."""
    level: int
    """Heading level in a long-form output (2 for top chapters, 3 below, as the note nests them)."""
    ideas: tuple[Idea, ...]
    """Its ideas, in the note's order."""
    heading: bool
    """True when the title is one of the note's headings (not derived from a topic)."""


@dataclass(frozen=True, slots=True)
class Attribution:
    """Where the note's ideas come from (a book, a paper, cited pages)."""

    work: str
    """Title of the book or work, "" when the note is the author's own."""
    author: str
    """Its author when the front matter names one."""
    urls: tuple[str, ...]
    """Web pages the note cites, in order."""
    credit: tuple[str, ...] = ()
    """The note's own lines that say where it comes from (`본 글은 … 논문을 읽고 정리한 글입니다`)."""
    titles: tuple[tuple[str, str], ...] = ()
    """(url, link text) for the cited pages the note names with a Markdown link."""
    piece: str = ""
    """Title of the essay or article a note is about (`1,000 True Fans (Kevin Kelly)`), not a book."""
    year: str = ""
    """The year the note gives for that work (`Kevin Kelly's 2008 essay`), "" when it gives none."""


@dataclass(frozen=True, slots=True)
class Outline:
    """Everything a channel's plan chooses from."""

    title: str
    """The note's title as a reader should see it (internal labels like `Root 04 -` removed)."""
    display_title: str
    """The long-form title: for a book note `『Book』: the hook`, else the title."""
    lang: str
    """`ko` or `en` (the note's language)."""
    book: bool
    """True for a note about a book."""
    ideas: tuple[Idea, ...]
    """Every idea, in the note's order."""
    chapters: tuple[Chapter, ...]
    """The argument's chapters, in order; every idea is in exactly one."""
    hooks: tuple[Idea, ...]
    """Ideas whose first sentence could stop a reader, best first (`hook_lines` are their lines)."""
    hook_lines: tuple[str, ...]
    """The hook candidates' sentences, best first."""
    closing: Idea | None
    """The note's closing claim or what to do next (its `적용`/`다음` section, a checklist, its last word)."""
    question: str
    """A question to the reader: the note's own, else one built from the hook."""
    attribution: Attribution
    """The note's sources."""
    callout_titles: tuple[tuple[str, str], ...] = ()
    """(idea id, title) for each idea that is one callout with a title of its own (`> [!question] 아직
    모르는 것`): a label the idea keeps."""
    logistics: tuple[Idea, ...] = ()
    """The author's own logistics, left out of `ideas` and of every reader-facing channel (the date of her
    talk, her equipment, to-dos addressed to herself: `tasks.compose.logistics`), in the note's order."""

    @property
    def hook(self) -> str:
        """The best hook line ("" for a note with nothing to say)."""
        return self.hook_lines[0] if self.hook_lines else ""

    @property
    def hook_idea(self) -> Idea | None:
        """The idea the hook line comes from."""
        return self.hooks[0] if self.hooks else None


def clean_title(title: str) -> str:
    """The title without internal labels (`Root 04 - 프로세스 공유 (…)` → `프로세스 공유 (…)`)."""
    return ROOT_LABEL.sub("", plain(title)).strip() or plain(title)


def _clause(sentence: str) -> str:
    """The sentence's first clause when it makes a short name (`의미가치를 선택한다면`)."""
    text = bare(sentence)
    if len(text) <= NAME_MAX - 8:
        return text
    if not korean.has_hangul(text):
        return ""
    parts = re.split(r"(?<=[면며고서데지만])\s", text, maxsplit=1)
    head = parts[0]
    if not 6 <= len(head) <= 24 or len(parts) < 2:
        return ""
    tags = [tag for _, tag in korean.tokens(head)]
    return head if tags and tags[-1] == "EC" else ""  # a verb's clause (`선택한다면`), not `스터디에서`


def idea_title(idea: Idea) -> str:
    """A short name for an idea, or "" when it has none."""
    if idea.type == "contrast" and idea.named and idea.points and all(len(p.text) <= 16 for p in idea.points):
        return " vs ".join([idea.name, *(p.text for p in idea.points)])
    if idea.name:
        return idea.name
    if idea.sentences and not idea.quote:
        return _clause(idea.sentences[0])
    return ""


def _anchor(idea: Idea, previous: Sequence[Idea]) -> bool:
    """Whether a new topic starts at this idea."""
    if not previous:
        return False
    if idea.quote:
        return True
    return idea.named and idea.type in ("framework", "case", "contrast")


def _topics(ideas: Sequence[Idea]) -> list[list[Idea]]:
    topics: list[list[Idea]] = []
    for idea in ideas:
        if topics and not _anchor(idea, topics[-1]):
            topics[-1].append(idea)
        else:
            topics.append([idea])
    merged: list[list[Idea]] = []
    for topic in topics:  # a lone quote opens the topic after it
        if merged and len(merged[-1]) == 1 and merged[-1][0].quote:
            merged[-1] += topic
        else:
            merged.append(topic)
    if len(merged) > 1 and len(merged[-1]) == 1 and merged[-1][0].quote:  # a closing quote ends the last topic
        last = merged.pop()
        merged[-1] = merged[-1] + last
    return merged


def key_phrase(texts: Sequence[str], least: int = 3) -> str:
    """The noun phrase the texts keep coming back to (`아웃풋 이코노미`), as the author spells it;
    "" when none comes back `least` times."""
    counts: Counter[tuple[str, ...]] = Counter()
    for text in texts:
        run: list[str] = []
        for form, tag in [*korean.tokens(text), ("", "END")]:
            if tag in ("NNG", "NNP") and len(form) > 1:
                run.append(form)
                continue
            if len(run) >= 2:
                counts[tuple(run)] += 1
            run = []
    for words, n in counts.most_common(3):
        if n < least:
            break
        pattern = r"\s?".join(map(re.escape, words))
        for text in texts:
            found = re.search(pattern, text)
            if found:
                return found.group(0)
    return ""


def _topic_title(topic: Sequence[Idea], fallback: str) -> str:
    first = next((i for i in topic if not i.quote), None)
    if first is not None and first.named:
        return idea_title(first)
    phrase = key_phrase([i.text for i in topic]) if len(topic) >= 4 and not topic[0].quote else ""
    if phrase:
        return phrase
    if first is not None and idea_title(first):
        return idea_title(first)
    best = max(topic, key=lambda i: i.score)
    return idea_title(best) or fallback


def _fallback_title(idea: Idea) -> str:
    """A chapter name from one idea: its short name, else the line announcing its list when short
    (`Slow marketing rests on three habits`)."""
    if idea.named:
        return idea_title(idea)
    return bare(idea.intro) if idea.intro and len(bare(idea.intro)) <= NAME_MAX + 8 else idea_title(idea)


def _same(name: str, title: str) -> bool:
    """Whether a chapter name only says the note's title again (`slow marketing`, `Slow Marketing`)."""
    return bool(name) and plain(name).casefold() == plain(title).casefold()


def _generic(title: str) -> bool:
    return plain(title).lower() in GENERIC_TITLES or not plain(title)


def chapters_of(ideas: Sequence[Idea], title: str, levels: dict[tuple[str, ...], int]) -> tuple[Chapter, ...]:
    """The note's chapters: its sections (with the headings above them, so the nesting reads as in
    the note), long flat ones split into topics. `levels`: heading level of each section path."""
    sections: list[list[Idea]] = []
    for idea in ideas:
        if sections and sections[-1][0].path == idea.path:
            sections[-1].append(idea)
        else:
            sections.append([idea])

    def usable(path: tuple[str, ...]) -> bool:
        name = path[-1] if path else ""
        return levels.get(path, 0) > 1 and not _generic(name) and clean_title(name) != title

    paths = {g[0].path[:k] for g in sections for k in range(1, len(g[0].path) + 1)}
    top = min((levels[p] for p in paths if usable(p)), default=2)

    def depth(path: tuple[str, ...]) -> int:
        return min(4, 2 + max(0, levels.get(path, top) - top))

    out: list[Chapter] = []
    used: set[str] = set()
    shown: set[tuple[str, ...]] = set()
    for group in sections:
        path = group[0].path
        for k in range(1, len(path)):  # headings above this section that have no ideas of their own
            above = path[:k]
            if above not in shown and usable(above):
                shown.add(above)
                used.add(plain(above[-1]))
                out.append(Chapter(plain(above[-1]), depth(above), (), True))
        own = usable(path)
        outer = next((path[:k] for k in range(len(path), 0, -1) if usable(path[:k])), ())
        level = depth(path) if own else (depth(outer) + 1 if outer else 2)
        topics = _topics(group) if len(group) > FLAT_MAX else [group]
        for n, topic in enumerate(topics):
            if n == 0 and own:
                name, is_heading, at = plain(path[-1]), True, level
                shown.add(path)
            elif n == 0 and len(topics) == 1 and not out:  # the note's opening, under its title: no heading
                name, is_heading, at = title, False, level
            else:
                name, is_heading, at = _topic_title(topic, title), False, level + (1 if own else 0)
            if name == title and not out:  # the note's opening: no heading of its own (the title says it)
                name = ""
            elif name in used or _same(name, title):  # never the same heading twice, nor the title again
                best_first = sorted(topic, key=lambda i: -i.score)  # the weightiest idea names the chapter
                fresh = (t for t in map(_fallback_title, best_first) if t and t not in used and not _same(t, title))
                name = next(fresh, "" if _same(name, title) else name)
            if not is_heading and name:  # a lead-in said as a name (`구독자가 늘어나는 이유는` → `… 이유`)
                name = korean.as_title(name)
            used.add(name)
            # A heading named after an idea stands over that idea: the ideas before it come first,
            # without a heading of their own (`## Slow marketing rests on three habits` never sits
            # over `Fast marketing buys attention…`).
            named_at = next(
                (
                    k
                    for k, i in enumerate(topic)
                    if name and (i.named or i.intro) and name == korean.as_title(_fallback_title(i))
                ),
                0,
            )
            if not is_heading and named_at > 0:
                out.append(Chapter("", min(at, 4), tuple(topic[:named_at]), False))
                topic = topic[named_at:]
            out.append(Chapter(name, min(at, 4), tuple(topic), is_heading))
    return tuple(out)


def hook_score(sentence: str, idea: Idea, title: str = "") -> float:
    """How well a sentence stops a reader: a contrast, a claim about people, short and whole."""
    text = plain(sentence)
    n = len(text)
    if n < 10 or n > 90 or not stands_alone(text):
        return -9.0
    end = korean.ending(text)
    if end not in ("sentence", "question") and not idea.quote:
        return -9.0
    score = 1.0 if 14 <= n <= 48 else 0.3
    if re.search(r"아니라|아닌 |보다|대신|instead of|not .+ but", text):
        score += 1.6
    if QUOTED.search(text):
        score += 0.6
    if re.search(r"왜|why", text, re.I):
        score += 0.5
    if re.match(r"(사람들은|우리는|누구나|모든|이제|people|we|everyone)\b", text, re.I):
        score += 0.5
    if end == "question":
        score += 0.4
    if ">>" in text or ":" in text:
        score -= 0.8
    if title and title.lower() in text.lower():  # a line about the note itself (`Notes on …`), not its idea
        score -= 1.0
    return round(score + 0.3 * min(idea.root_strength, 1.0) + 0.1 * (idea.type in ("claim", "quote")), 4)


def _hooks(ideas: Sequence[Idea], title: str = "") -> list[tuple[float, str, Idea]]:
    scored: list[tuple[float, str, Idea]] = []
    for n, idea in enumerate(ideas):
        if idea.callout in ASIDE_CALLOUTS:  # a reference or context box is never the lead
            continue
        # Only an idea's first sentence: a later one continues it (`하루에 백 장 가까이 되니 …`,
        # `Most of the reach comes from them`). A question whose answer is a list or a paragraph is no
        # hook: its answer would be shown far from it.
        if _answered_away(idea):
            continue
        for sentence in idea.sentences[:1]:
            score = hook_score(sentence, idea, title) + (0.4 if n < 3 else 0.0)  # the note's opening sets its theme
            if score > 0:
                scored.append((score, plain(sentence), idea))
    scored.sort(key=lambda t: (-t[0], t[2].lines[0]))
    seen: set[str] = set()
    out = []
    for item in scored:
        if item[1] not in seen:
            seen.add(item[1])
            out.append(item)
    return out


HOOK_ANSWER_SENTENCES = 2
"""Sentences a question-led idea may have for its question to be a hook (the question and a one-sentence
answer travel together)."""


def _answered_away(idea: Idea) -> bool:
    """An idea that opens with a question and answers it at length (a list, a coda, more sentences)."""
    first = plain(idea.sentences[0]) if idea.sentences else ""
    if korean.ending(first) != "question":
        return False
    return bool(idea.points or idea.coda or len(idea.sentences) > HOOK_ANSWER_SENTENCES)


def _closing(ideas: Sequence[Idea], hook: Idea | None) -> Idea | None:
    """What to do with it: a closing section or checklist, else the note's last whole claim."""
    for idea in ideas:
        if CLOSING_SECTIONS.search(idea.section) or idea.type == "checklist":
            return idea
    for idea in reversed(ideas[-3:]):
        if idea is not hook and idea.sentences and says_something(idea.sentences[-1]):
            return idea
    # A memo that ends on errands (`마이크 배터리 여분 챙기기.`): its last claim or answered question
    # (`즉, 올릴 게 없는 게 아니라 적어두지 않은 것이다.`) closes it.
    for idea in reversed(ideas[:-3]):
        if (
            idea is not hook
            and idea.type in ("claim", "question")
            and idea.sentences
            and says_something(idea.sentences[-1])
        ):
            return idea
    return None


def question_of(ideas: Sequence[Idea], hook: str, lang: str) -> str:
    """A question to the reader: the note's own when it addresses the reader, else one built
    from the hook's quoted term (`당신의 '왜'는 무엇인가요?`), else the note's own, else a plain one.
    The note's own is asked with its question mark: a musing that ends on a full stop
    (`그분이 지갑에 넣어 두셨을까.`) is the author thinking aloud, not a question to the reader. The
    plain one never quotes the note's title (`'굳이 하는 일들에 대하여'를 어떤 모습인가요?`)."""
    own = [
        plain(s)
        for idea in ideas
        if not idea.quote
        for s in (*idea.sentences, *(p.text for p in idea.points))
        if ASKS.search(s)
        and plain(s).rstrip().endswith(("?", "？"))
        and 8 <= len(plain(s)) <= 80
        and korean.ending(plain(s)) == "question"
        and bare(s) != bare(hook)  # the hook already asks it: the closing asks something else
    ]
    direct = [q for q in own if re.search(r"당신|여러분|you\b|your\b", q, re.I)]
    if direct:
        return direct[0]
    if lang == "en":
        return own[0] if own else PLAIN_QUESTIONS["en"]
    terms = [next(g for g in m if g) for m in QUOTED.findall(hook)]
    terms = [t for t in terms if not t.endswith(" ")]
    if terms:
        term = terms[-1] if "아니라" in hook else terms[0]
        topic = korean.particle(term, "은")
        if topic is None:  # a Latin word (`'fans'`): asked without a particle, never `은(는)`
            return f"당신의 일에서 '{term}'에 해당하는 것은 무엇인가요?"
        return f"당신의 '{term}'{topic} 무엇인가요?"
    if own:
        return own[0]
    return PLAIN_QUESTIONS["ko"]


def attribution(parsed: ParsedNote) -> Attribution:
    """The book and author of a book note, and the web pages the note cites."""
    meta = parsed.note.meta
    tags = {t.lower().rsplit("/", 1)[-1] for t in parsed.tags}
    source = str(meta.get("source", "") or "").strip()
    book = bool(tags & BOOK_TAGS) or "/books/" in f"/{parsed.note.path}" or source in ("book", "book-notes")
    shown = WIKILINK_TEXT.sub(lambda m: m.group(2) or m.group(1).rsplit("/", 1)[-1], source).strip()
    category = shown.lower() in CATEGORY  # `source: article` says the kind, never which article
    named = shown if shown and not URL.match(shown) and not category else ""
    work = str(meta.get("book") or meta.get("work") or "") or (clean_title(parsed.title) if book else "")
    author = str(meta.get("author") or meta.get("저자") or meta.get("authors") or "")
    by = BY_AUTHOR.match(work)
    if by and not author:  # `브랜드의 목소리 - 한정우`: the book, then its author (never inside 『』)
        work, author = by.group(1).strip(), by.group(2).strip()
    piece, year = "", ""
    h1 = next((clean_title(s.title) for s in parsed.sections if s.level == 1 and s.title), "")
    if book and not author and (by := BY_AUTHOR.match(h1)) and bare(by.group(1)) == bare(work):
        author = by.group(2).strip()  # title `브랜드가 되어 간다는 것`, H1 `브랜드가 되어 간다는 것 - 강민호`
    if not author:
        about_source = book or bool(({shown.lower()} | tags) & SOURCE_KINDS)
        author, piece, year = _title_author(parsed, about_source, h1)
        if book and piece:  # `Show Your Work (Austin Kleon)`: the book, then its author
            work = work if meta.get("book") or meta.get("work") else piece
            piece = ""
    urls: list[str] = []
    for key in ("url", "source_url", "link"):
        if isinstance(meta.get(key), str) and URL.match(str(meta[key])):
            urls.append(str(meta[key]))
    credit: list[str] = []
    if named and not work:  # a paper or article the note is about (`source: "Drepper, …"`)
        who = author.strip("[]'\" ")
        credit.append(named + (f", {who}" if who and who not in named else ""))
    titles: dict[str, str] = {}
    for section in parsed.sections:
        for b in section.blocks:
            if b.kind in ("code", "html"):
                continue
            urls += [u.rstrip(".,") for u in URL.findall(b.source)]
            titles.update((u, t.strip()) for t, u in MD_LINK.findall(b.source) if t.strip() and u not in titles)
            if b.kind in ("paragraph", "callout", "quote") and CREDIT.search(b.text):
                credit += [s for s in (plain(x) for x in b.text.split("\n")) if CREDIT.search(s)]
    for foot in parsed.footnotes:
        urls += [u.rstrip(".,") for u in URL.findall(foot.source)]
    if URL.match(source):
        urls.insert(0, source)
    unique = tuple(dict.fromkeys(urls))
    return Attribution(
        work,
        author.strip("[]'\" "),
        unique,
        tuple(dict.fromkeys(credit)),
        tuple((u, titles[u]) for u in unique if u in titles),
        piece if not work else "",
        year,
    )


def _title_author(parsed: ParsedNote, source_note: bool, h1: str) -> tuple[str, str, str]:
    """(author, work, year) from a title `Title (Author)` or an opening `Author's 2008 essay.`, when it is
    clear: the note files itself as a source (`source: article`, a book) or its opening names the same
    person (`Kevin Kelly's 2008 essay.`). ("", "", "") otherwise: a note never credits a guessed name."""
    opening = next(
        (plain(b.text) for s in parsed.sections for b in s.blocks if b.kind == "paragraph" and b.text.strip()), ""
    )
    said = OWN_WORK.match(opening)
    said_who = (said.group("who") or said.group("kwho") or "") if said else ""
    said_year = (said.group("year") or said.group("kyear") or "") if said else ""

    def clear(name: str) -> bool:  # a tag alone is not enough: `프로세스 공유 (Process Sharing)` names no one
        return source_note or name == said_who

    for title in dict.fromkeys((clean_title(parsed.title), h1)):
        by = PAREN_AUTHOR.match(title)
        if by and clear(by.group(2)):
            who = by.group(2).strip()
            return who, by.group(1).strip(), said_year if who == said_who else ""
    if said_who and source_note:
        return said_who, "", said_year
    return "", "", ""


def outline(parsed: ParsedNote, insights: Sequence[Insight], lang: str) -> Outline:
    """The note's outline (the same for every channel)."""
    ideas, aside = ideas_and_logistics(parsed, insights)
    title = clean_title(parsed.title)
    credit = attribution(parsed)
    scored = _hooks(ideas, title)
    hook = scored[0][2] if scored else None
    hook_line = scored[0][1] if scored else ""
    display = title
    if credit.work:
        short = bare(hook_line)
        display = f"『{credit.work}』: {short}" if short and len(short) <= 32 else f"『{credit.work}』 읽기"
    return Outline(
        title=title,
        display_title=display,
        lang=lang,
        book=bool(credit.work),
        ideas=ideas,
        chapters=chapters_of(ideas, title, {sec.path: sec.level for sec in parsed.sections}),
        hooks=tuple(s[2] for s in scored),
        hook_lines=tuple(s[1] for s in scored),
        closing=_closing(ideas, hook),
        question=question_of(ideas, hook_line, lang),
        attribution=credit,
        callout_titles=callout_titles(parsed, ideas),
        logistics=aside,
    )


def callout_titles(parsed: ParsedNote, ideas: Sequence[Idea]) -> tuple[tuple[str, str], ...]:
    """The titles of the note's callouts (`> [!note] For the cafe`), by the id of the idea each one is."""
    titled = [
        (b.lines[0], plain(WIKILINK_TEXT.sub(lambda m: m.group(2) or m.group(1).rsplit("/", 1)[-1], b.get("title"))))
        for section in parsed.sections
        for b in section.blocks
        if b.kind == "callout" and plain(b.get("title"))
    ]
    return tuple(
        (idea.id, title)
        for idea in ideas
        if idea.callout
        for title in [next((t for line, t in titled if idea.lines[0] <= line <= idea.lines[1]), "")]
        if title
    )


def outline_json(o: Outline) -> dict[str, Any]:
    """The manifest form: chapter titles with their insight ids, hook and closing ids."""
    return {
        "title": o.title,
        "chapters": [{"title": c.title, "insights": [i.id for i in c.ideas]} for c in o.chapters],
        "hook": o.hooks[0].id if o.hooks else "",
        "closing": o.closing.id if o.closing else "",
    }
