"""Newsletter preparer: subject, preheader (85–100 chars), items, sender footer, and the .eml.

A process log becomes a "this week in the making" issue instead: `prepare_story`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from itertools import takewhile
from typing import Any
from urllib.parse import quote

from tasks.builders.email import build_eml
from tasks.channels.blog import source_lines
from tasks.compose.ideas import BACKREF, CONTEXT_CALLOUTS, Figure, Idea, bare, is_lead_in, plain, says_something
from tasks.compose.outline import CONNECTIVE, GENERIC_TITLES, Outline
from tasks.compose.plan import Plan, Slot, TooLittle, core_order, idea_slot, premises
from tasks.model import Block, Insight
from tasks.nlp import korean
from tasks.nlp.korean import as_title, has_hangul, quote_title
from tasks.process.story import Story
from tasks.process.telling import says, story_context
from tasks.render.channel import ChannelSpec
from tasks.render.images import place_images
from tasks.slug import safe_slug

AD_PREFIX = "(광고)"
CANDIDATES = 60
"""Strongest ideas searched for a subject or a quote line (a 2 MB note has thousands)."""
# Invitations added when the letter's own words are shorter than the preheader minimum; some
# subset of them (in order) always lands in the 85–100 character window, whatever the title.
FILLERS_KO = (
    "이번 호에서는 {title}에서 길어 올린 생각을 정리했습니다.",
    "본문에서 자세히 읽어 보세요.",
    "읽고 떠오른 생각이 있다면 답장으로 들려주세요.",
    "오늘도 좋은 하루 보내세요.",
    "다음 편지도 기대해 주세요.",
    "고맙습니다.",
)
FILLERS_EN = (
    "This letter gathers what I took from {title}.",
    "Read on for the details.",
    "Reply and tell me what you think.",
    "Have a good day.",
    "More next time.",
    "Thank you.",
)


def preheader(insights: list[Insight], low: int, high: int, title: str = "") -> str:
    """Insight sentences (then a short invitation) until the text is `low`–`high` characters."""
    parts = [re.sub(r"\s+", " ", i.text.split("\n")[0]).strip() for i in insights]
    return fit_preheader(parts, low, high, title)


def fit_preheader(parts: list[str], low: int, high: int, title: str = "") -> str:
    """Whole pieces - `parts` first, then invitations - joined to `low`–`high` characters, never a cut
    sentence: the first in-order choice of pieces that lands in the window (the longest below it
    when none does)."""
    fillers = FILLERS_KO if has_hangul(title + "".join(parts)) or not title else FILLERS_EN
    own = [p for p in parts if p and len(p) <= high]
    extra = [f.format(title=quote_title(title)) for f in fillers]  # `“군산 책방 '느린오후'…”`: never nested
    extra = [p for p in extra if len(p) <= high]
    best = ""
    for head in (own, []):  # the letter's own words first; invitations alone only when they cannot fit
        for mask in range(1 << len(extra)):
            text = " ".join([*head, *(p for n, p in enumerate(extra) if mask >> n & 1)])
            if low <= len(text) <= high:
                return text
            if len(best) < len(text) <= high:
                best = text
    return best


def preheader_pieces(outline: Outline, letter: Plan) -> list[str]:
    """What the preheader may say after the subject, in order: the rest of the subject's idea
    (`… 힘이 세다.` → `끝까지 함께 가는 사람이 생긴다.`): only whole punctuated sentences that say
    something."""
    subject = letter.role("subject")[0]
    ideas = {i.id: i for i in outline.ideas}
    out: list[str] = []
    said = bare(subject.text[0])
    for sid in subject.insights:
        if (idea := ideas.get(sid)) is not None:
            rest = [plain(t) for t in idea.sentences]
            at = next((n for n, t in enumerate(rest) if bare(t) == said), -1)
            out += rest[at + 1 :] if at >= 0 else []
    whole = list(takewhile(lambda t: bool(FINISHED.search(t)) and says_something(t), out))
    return [t for t in dict.fromkeys(whole) if bare(t) != said]


def preview_lines(outline: Outline, letter: Plan) -> list[str]:
    """What else the preheader may say, in the letter's order: the first finished sentence of each
    takeaway and of the quote, a whole statement that stands alone: never a list item, a line that
    points back, the note's title or the subject again."""
    said = {bare(letter.role("subject")[0].text[0]), bare(outline.title)}
    out: list[str] = []
    for slot in letter.role("takeaway"):
        line = _opening_run([plain(t) for t in slot.text])
        if line and bare(line) not in said:
            out.append(line)
            said.add(bare(line))
    for slot in letter.role("quote"):  # a quotation whole, when it ends as a sentence
        line = " ".join(plain(t) for t in slot.text)
        if FINISHED.search(line):
            out.append(line)
    return out


def _opening_run(sentences: list[str]) -> str:
    """The first finished sentence with the ones that point back to it (`가격으로는 … 없다. 그래서
    …`) and a question with its answer: a premise never stands without its conclusion; "" when
    the first is no finished sentence or itself points back."""
    if not sentences or not (FINISHED.search(sentences[0]) and _finished(sentences[0])):
        return ""
    if _connects_line(sentences[0]):
        return ""
    run = [sentences[0]]
    for sentence in sentences[1:]:
        if not _connects_line(sentence) and not run[-1].endswith(("?", "？")):  # a question keeps its answer
            break
        run.append(sentence)
    return " ".join(run)


def letter_preheader(pieces: list[str], low: int, high: int, title: str = "", more: Sequence[str] = ()) -> str:
    """The preheader: whole sentences that complete the subject (`pieces`, in order, as many as
    fit), then whole sentences of the letter (`more`, in order, any that help), `low`–`high`
    characters when they can be; else the longest such text within `high`: shorter whole
    sentences, never template filler, a sign-off or the note's title (`title`)."""
    own = [p for p in dict.fromkeys(pieces) if p and len(p) <= high and bare(p) != bare(title)]
    extra = [p for p in dict.fromkeys(more) if p and len(p) <= high and p not in own and bare(p) != bare(title)]
    extra = extra[:8]
    best: tuple[int, int, str] = (-1, -1, "")
    for k in range(len(own), -1, -1):
        head = own[:k]
        for mask in range(1 << len(extra)):
            text = " ".join([*head, *(p for n, p in enumerate(extra) if mask >> n & 1)])
            if len(text) > high:
                continue
            if low <= len(text):
                return text
            best = max(best, (k, len(text), text))  # the subject's own continuation first, then length
    return best[2]


def quote_after(outline: Outline, takeaways: tuple[Slot, ...], quote: Slot | None) -> int:
    """Index of the takeaway the quote stands under: the one whose idea comes right before the
    quote in the note (the claim the quote supports); -1 (after the last takeaway) otherwise."""
    if quote is None or not quote.insights:
        return -1
    order = [i.id for i in outline.ideas]
    if quote.insights[0] not in order:
        return -1
    before = order.index(quote.insights[0]) - 1
    return next((n for n, s in enumerate(takeaways) if before >= 0 and order[before] in s.insights), -1)


def _invitation(outline: Outline) -> str:
    """The last resort of a preheader when the letter has no whole sentence short enough: the
    invitation to reply (never the note's title or a sign-off)."""
    return FILLERS_KO[2] if outline.lang == "ko" else FILLERS_EN[2]


def footer(options: dict[str, Any]) -> dict[str, Any]:
    """The footer fields of the channel's options (정보통신망법 §50 when `commercial`)."""
    return {key: options[key] for key in ("commercial", "sender", "contact", "unsubscribe_url")}


def post_url(base_url: str, title: str, path: str) -> str:
    """The blog post's address: `base_url/<slug>/` (the slug the blog channel gives the post)."""
    return f"{base_url.rstrip('/')}/{quote(safe_slug(title, fallback=path))}/"


def subjects(outline: Outline, most: int) -> list[tuple[str, str]]:
    """Subject candidates (text, insight id), best first: hook lines of at most `most` characters,
    never the note's title. A line the letter can develop comes first: one whose idea can be a
    takeaway (a quotation is kept for the quote) and that the author punctuated as a sentence (a
    bold label such as `완성본 대신 작업 로그를 띄웠다` reads as a fragment on its own)."""
    out = [
        (plain(h), i.id)
        for h, i in zip(outline.hook_lines, outline.hooks, strict=True)
        if len(plain(h)) <= most and plain(h) != outline.title
    ]
    out += [
        (c.title, c.ideas[0].id)
        for c in outline.chapters
        if c.title and c.ideas and not c.heading and len(c.title) <= most and c.title != outline.title
    ]
    strongest = sorted(outline.ideas, key=lambda i: -i.score)[:CANDIDATES]
    out += [(bare(s), i.id) for i in strongest for s in i.sentences[:1] if len(bare(s)) <= most and says_something(s)]
    ideas = {i.id: i for i in outline.ideas}
    opening = _opening(outline)

    def rank(candidate: tuple[str, str]) -> tuple[bool, bool]:
        idea = ideas.get(candidate[1])
        developed = idea is not None and _usable(idea, opening) and not _connects(idea)
        return (not developed, not FINISHED.search(candidate[0]))

    return sorted(dict.fromkeys(out), key=rank)


FINISHED = re.compile(r"[.!?。？！]['\"’”]?$")
"""How a punctuated sentence ends."""
GENERIC_NAMES = frozenset(
    {"목표", "한 일", "잘된 점", "아쉬운 점", "배운 점", "내 생각", "느낀 점", "사례", "예시", "결과", "회고",
     "체크리스트", "할 일", "goal", "goals", "what i did", "what went well", "lessons", "my thoughts", "example",
     "examples", "checklist", "to do", "todo"}
)  # fmt: skip
"""Section names that name no idea: never a takeaway's title."""
PRONOUN = re.compile(r"^(he|she|they|his|her|their|them)\b", re.I)


def _opening(outline: Outline) -> frozenset[str]:
    """Ids of the note's opening context: ideas before its first heading (`Notes on …`, the
    situation), when the note has ideas under headings too; a quotation is not context."""
    if not any(i.level > 1 for i in outline.ideas):
        return frozenset()
    return frozenset(i.id for i in outline.ideas if i.level <= 1 and not i.quote)


def _usable(idea: Idea, opening: frozenset[str] = frozenset()) -> bool:
    """Whether an idea can be a takeaway: the author's own point, not a quotation, a context
    callout or the note's opening context."""
    return not idea.quote and idea.callout not in CONTEXT_CALLOUTS and idea.id not in opening


def _connects(idea: Idea) -> bool:
    """Whether the idea opens by pointing back (`그래서 …`, `이게 …`, `He …`): away from its premise
    it has no referent, so it never opens a takeaway (or the subject)."""
    return _connects_line(idea.sentences[0] if idea.sentences else (idea.intro or idea.name))


def _finished(sentence: str) -> bool:
    """A sentence the author finished: a statement or a question, not a line ending in a noun
    (a nominal sentence `… 만드는 것.` is finished)."""
    return korean.ending(sentence) in ("sentence", "question") or plain(sentence).endswith(("것.", "것이다."))


def _connects_line(line: str) -> bool:
    """Whether a line opens by pointing back (a connective, `이게`, a pronoun)."""
    return bool(CONNECTIVE.match(line) or BACKREF.match(line) or PRONOUN.match(line))


def _whole(idea: Idea) -> bool:
    """Every sentence of the idea is finished (`… 쓰기. 5분.`, `… 강의, 90분.` are plans, not ideas);
    a named idea (a framework, a case) may list its facts as notes."""
    return idea.named or all(_finished(s) for s in (*idea.sentences, *idea.coda))


def _weight(idea: Idea) -> float:
    """How much an idea deserves a takeaway: its score, and more for a question the note answers
    (the question and its answer are a whole short argument)."""
    answered = idea.type == "question" and len(idea.sentences) >= 2
    return idea.score + (ANSWERED if answered else 0.0)


ANSWERED = 1.0
"""Extra weight of a question answered in the note."""
WEAK = 1.0
"""Ideas below this score (to-dos, errands) come last."""
STRONG = 2.0
"""Ideas at least this strong are spread over chapters first."""


LETTER_CODE_LINES = 30
"""A code block of at most this many lines goes into the letter (longer ones stay in the post)."""
LETTER_TABLE_ROWS = 15
"""A table of at most this many rows goes into the letter."""


def in_letter(block: Block) -> bool:
    """Whether a code, table, image or math block of a takeaway is shown in the letter."""
    if block.kind == "code":
        return block.text.count("\n") < LETTER_CODE_LINES
    if block.kind == "table":
        return len(block.rows) <= LETTER_TABLE_ROWS
    return block.kind in ("image", "math")


def letter_title(idea: Idea) -> str:
    """A takeaway's title: the idea's own name (a framework, a case: `보이스를 찾는 순서`, `The
    Pieter Levels model`) as a noun phrase; "" for a name cut from its first sentence, a lead-in
    (said before its list instead) or a generic section name (`목표`, `내 생각`)."""
    if idea.named and idea.name:
        name = idea.name
    elif not idea.name and not idea.sentences and not idea.intro and idea.points and idea.level > 1:
        name = re.sub(r"^\d{1,2}[.)]\s+", "", idea.section)  # a bare list: the heading it stands under
    else:
        return ""
    if is_lead_in(name) or FINISHED.search(name):
        return ""
    name = as_title(name)
    generic = plain(name).casefold()
    return "" if generic in GENERIC_NAMES or generic in GENERIC_TITLES else name


def takeaway(idea: Idea, budget: int) -> Slot | None:
    """An idea as one complete short paragraph of at most `budget` characters, or None: all its
    sentences, its list whole (each item with its nested lines), a lead-in said before the list
    (`구독자가 늘어나는 이유는:`), a title only when the idea has a real name."""
    title = letter_title(idea)
    lead = "" if title or not idea.named else idea.name
    slot = idea_slot(idea, "takeaway", "", budget, max_points=len(idea.points), shows=in_letter)
    if slot is None or len(slot.points) != len(idea.points):
        return None  # not whole within the budget: the post has it
    if tuple(t for t in slot.text if t in idea.sentences) != idea.sentences:
        return None
    text = list(idea.sentences)
    intro = idea.intro or (lead if idea.points else "")
    if intro and idea.points:  # the lead-in stands right before its list
        text.append(intro if intro.endswith((":", "：")) else f"{intro}:")
    elif lead:
        text.insert(0, lead)
        slot = replace(slot, figures=tuple(Figure(f.block, f.after + 1, f.coda) for f in slot.figures))
    sub = tuple(p.children for p in idea.points)
    coda = tuple(idea.coda)
    size = sum(len(t) for t in (*text, *slot.points, *coda)) + sum(len(c) for cs in sub for c in cs)
    if size > budget or not (idea.points or any(says_something(t) for t in (*text, *coda))):
        return None
    return replace(
        slot,
        title=title,
        text=tuple(text),
        sub=sub if any(sub) else (),
        coda=coda,
    )


def takeaways_of(
    outline: Outline, subject_id: str, count: int, budget: int, subject: str = "", keep_subject: bool = True
) -> list[Slot]:
    """`count` takeaways, in the note's order, filled in the order of `core_order`: the note's top
    framework, its thesis (with the premise it points back to, as one takeaway), one case or
    failure, then longer ideas, one-line claims last, each `##` section once before any twice.
    Ideas that point back with no premise, the note's opening context, weak lines and plans that
    are not whole sentences come last. The subject's idea is no takeaway (the subject and the
    preheader say it) unless it shows more than sentences (a list, a table, code) or `keep_subject`
    (a short note needs it); nor is an idea that only says the subject again (`subject`)."""
    opening = _opening(outline)

    def usable(idea: Idea) -> bool:
        if not _usable(idea, opening) or _only_says(idea, subject):
            return False
        return keep_subject or idea.id != subject_id or bool(idea.points or idea.figures)

    before = premises(outline)

    def strict(idea: Idea) -> bool:  # a whole, strong idea that needs nothing before it
        alone = _connects(idea) and idea.id not in before
        return usable(idea) and idea.score >= WEAK and _whole(idea) and not alone

    first = core_order(outline, strict)
    strict_ids = {i.id for i in first}
    order = [*first, *(i for i in core_order(outline, usable) if i.id not in strict_ids)]  # strict first, then the rest
    listed = {i.id for i in order}
    premises_ = {p.id: i for i in order if (p := before.get(i.id)) is not None and p.id in listed}

    chosen: list[tuple[Idea, Slot]] = []
    taken: set[str] = set()
    for idea in order:
        if len(chosen) >= count or idea.id in taken:
            continue
        follower = premises_.get(idea.id)
        premise = before.get(idea.id)
        pair: tuple[Idea, ...] = (idea,)
        if follower is not None and follower.id not in taken:  # a premise and what it leads to: one takeaway
            pair = (idea, follower)
        elif premise is not None and premise.id in listed and premise.id not in taken:
            pair = (premise, idea)
        slot = takeaway(_joined(*pair) if len(pair) == 2 else idea, budget)
        if slot is None and len(pair) == 2:
            if _connects(idea):
                continue  # `그래서 …` never stands without its premise
            pair, slot = (idea,), takeaway(idea, budget)
        if slot is None:
            continue
        ids = tuple(i.id for i in pair)
        unit = _joined(*pair) if len(pair) == 2 else idea
        chosen.append((unit, replace(slot, insights=ids)))
        taken.update(ids)
    return [s for _, s in sorted(chosen, key=lambda c: c[0].lines[0])]


def _joined(premise: Idea, idea: Idea) -> Idea:
    """An idea that points back (`그래서 …`) said after its premise, as one idea."""
    return replace(
        idea,
        sentences=(*premise.sentences, *idea.sentences),
        name="",
        named=False,
        lines=(premise.lines[0], idea.lines[1]),
    )


def _only_says(idea: Idea, line: str) -> bool:
    """Whether the idea says nothing but `line` (`사람들은 '무엇'이 아니라 '왜'에 지갑을 연다.`)."""
    return (
        bool(line)
        and not (idea.points or idea.coda or idea.figures)
        and bare(" ".join(plain(t) for t in idea.sentences)) == bare(line)
    )


def _quote(outline: Outline, said: set[str], used: set[str], most: int) -> Slot | None:
    """The letter's quote: the note's strongest quotation not used yet, whole; None when the note
    quotes no one (a line of the author's, a result such as `… 60장을 넘었다.`, is no quotation)."""
    quotes = sorted((i for i in outline.ideas if i.quote and i.id not in used), key=lambda i: -i.score)
    for idea in quotes:
        text = " ".join(idea.sentences)
        if idea.sentences and not idea.points and len(text) <= most and bare(text) not in said:
            return Slot("quote", "", tuple(idea.sentences), (), (idea.id,))
    return None


def plan(
    outline: Outline, spec: ChannelSpec, options: dict[str, Any], labels: dict[str, Any], settings: Any
) -> list[Plan]:
    """A letter: subject (a hook), greeting, three takeaways, one quote, the button to the post, sign-off."""
    limits = spec.limits
    candidates = subjects(outline, int(limits["subject_max_chars"]))
    fallback = labels["letter_subject"].format(title=outline.title)
    if len(fallback) > int(limits["subject_max_chars"]):
        fallback = labels["letter_subject_short"]
    subject, subject_id = candidates[0] if candidates else (fallback, "")
    count, budget = int(limits["takeaways"]), int(limits["takeaway_max_chars"])
    quote_slot: Slot | None = None
    quoted = any(i.quote for i in outline.ideas)
    # The subject's idea is no takeaway, unless a short note then has too few (or no quote left);
    # an idea that only says the subject is none either, unless the note then has too few.
    for keep, again in ((False, subject), (True, subject), (True, "")):
        takeaways = takeaways_of(outline, subject_id, count, budget, again, keep_subject=keep)
        if len(takeaways) < count:
            continue
        used = {i for s in takeaways for i in s.insights}
        said = {bare(t) for s in takeaways for t in (*s.text, *s.points, s.title)} | {bare(subject)}
        quote_slot = _quote(outline, said, used, int(limits["quote_max_chars"]))
        if quote_slot is not None or not quoted:
            break
    if len(takeaways) < count:
        raise TooLittle(f"{len(takeaways)} whole idea(s) for takeaways, a letter needs {count}")
    url = post_url(settings.site.base_url, outline.title, "")
    slots = [
        Slot("subject", "", (subject,), (), (subject_id,) if subject_id else ()),
        Slot("greeting", "", (options["greeting"] or labels["greeting"],)),
        *takeaways,
        *([quote_slot] if quote_slot else []),
        Slot("button", labels["read_more"], (url,)),
        *([Slot("sources", labels["post_sources"], (), tuple(cited))] if (cited := source_lines(outline)) else []),
        Slot("signoff", "", (options["signoff"] or labels["signoff"],)),
    ]
    return [Plan("newsletter", "letter", tuple(slots), (("subject", tuple(c for c, _ in candidates[1:4])),))]


def prepare(ctx: dict[str, Any], spec: ChannelSpec) -> dict[str, Any]:
    """Add `subject`, `preheader`, the letter's slots (`greeting`, `takeaways`, `quote`, `button`,
    `signoff`) and the footer fields."""
    if ctx["note"]["kind"] == "process-log":
        return prepare_story(ctx, spec)
    url = post_url(ctx["settings"].site.base_url, ctx["outline"].title, "")
    placed, _ = place_images(ctx["plans"][:1], ctx.get("image_files", {}), prefix=url)  # linked, never attached
    letter: Plan = placed[0]
    subject = letter.role("subject")[0].text[0]
    if ctx["options"]["commercial"]:
        subject = f"{AD_PREFIX} {subject}"
    takeaways = letter.role("takeaway")
    low, high = int(spec.limits["preheader_min_chars"]), int(spec.limits["preheader_max_chars"])
    pieces = preheader_pieces(ctx["outline"], letter)
    quote = (letter.role("quote") or (None,))[0]
    used = set(letter.insights)
    return {
        **ctx,
        "plan": letter,
        "insights": [i for i in ctx["insights"] if i.id in used],
        "items": takeaways,
        "subject": subject,
        "preheader": letter_preheader(pieces, low, high, ctx["outline"].title, preview_lines(ctx["outline"], letter))
        or _invitation(ctx["outline"]),
        "greeting": letter.role("greeting")[0].text[0],
        "takeaways": takeaways,
        "quote": quote,
        "quote_after": quote_after(ctx["outline"], takeaways, quote),
        "button": letter.role("button")[0],
        "sources": (letter.role("sources") or (None,))[0],
        "signoff": letter.role("signoff")[0].text[0],
        **footer(ctx["options"]),
    }


def prepare_story(ctx: dict[str, Any], spec: ChannelSpec) -> dict[str, Any]:
    """A "this week in the making" issue: hook, a few items per part, the invitation."""
    room = int(spec.limits["max_items"])
    out = story_context(ctx, {"self": room * 3 // 8, "us": room * 3 // 8, "now": room - 2 * (room * 3 // 8)})
    story = out["story"]
    told = sum(1 for p in out["parts"] if p["insights"])
    if told < int(spec.limits["takeaways"]):
        raise TooLittle(f"{told} part(s) of the story told, a letter needs {spec.limits['takeaways']}")
    title = out["note"]["title"]
    most = int(spec.limits["subject_max_chars"])
    candidates = [f"이번 주 만드는 중: {title}", out["hook_line"], "이번 주 만드는 중"]
    subject = next(c for c in candidates if c and len(c) <= most)
    if ctx["options"]["commercial"]:
        subject = f"{AD_PREFIX} {subject}"
    low, high = spec.limits["preheader_min_chars"], spec.limits["preheader_max_chars"]
    return {
        **out,
        "subject": subject,
        "preheader": story_preheader(story, int(low), int(high)),
        "items": out["insights"],
        "greeting": ctx["options"]["greeting"] or ctx["labels"]["greeting"],
        "signoff": ctx["options"]["signoff"] or ctx["labels"]["signoff"],
        "post_url": post_url(ctx["settings"].site.base_url, title, out["note"]["path"]),
        **footer(ctx["options"]),
    }


def story_preheader(story: Story, low: int, high: int) -> str:
    """The hook, then the invitation, cut to `high` characters and padded up to `low`."""
    parts = [says(i) for i in (story.hook, story.invitation) if i is not None]
    return fit_preheader(parts, low, high, story.title)


def email_eml(ctx: dict[str, Any]) -> bytes:
    """Builder: the HTML and text parts rendered just before, as one message file."""
    options = ctx["options"]
    slug = ctx["note"]["slug"]
    rendered = ctx["rendered"]
    contact = options["contact"] if "@" in options["contact"] else "newsletter@example.com"
    return build_eml(
        subject=ctx["subject"],
        sender=options["sender"],
        from_address=contact,
        text=rendered[f"newsletter/{slug}.txt"].decode("utf-8"),
        html=rendered[f"newsletter/{slug}.html"].decode("utf-8"),
        day=ctx["note"]["lastmod"] if ctx["note"]["dated"] else "",  # no date of hers: the sender dates it
        key=ctx["note"]["path"],
        unsubscribe_url=options["unsubscribe_url"],
        commercial=options["commercial"],
    )
