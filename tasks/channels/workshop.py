"""Workshop preparer: slides with bounded lines and speaker notes, a run of show, and the PPTX.

A process log becomes a case study with a Self / Us / Now exercise instead: `prepare_story`.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from tasks.builders.deck import DeckSlide, build_deck
from tasks.compose.ideas import NUMBER, Figure, Idea, bare, plain
from tasks.compose.outline import CONNECTIVE, PLAIN_QUESTIONS, Chapter, Outline, idea_title, leans, stands_alone
from tasks.compose.plan import Plan, Slot, TooLittle, idea_slot
from tasks.model import Block
from tasks.nlp import korean
from tasks.process.story import KIND_LABELS, Story
from tasks.process.telling import hook_body, hook_head, says, story_context
from tasks.render.blocks import spoken
from tasks.render.channel import ChannelSpec
from tasks.render.filters import whole
from tasks.render.images import image_bytes, place_images

__all__ = ["deck_pptx", "image_bytes", "plan", "prepare"]  # `image_bytes`: the builder that copies the deck's images

LINE_CHARS = 80
SLIDE_CODE_LINES = 14
"""A code block of at most this many lines gets a slide of its own (a monospace box); longer ones stay in the post."""
SLIDE_TABLE_ROWS = 8
"""A table of at most this many rows (header included) gets a slide of its own (a native table in the PPTX)."""


def on_slide(block: Block) -> bool:
    """Whether a code, table, image or math block of an idea fits a slide of its own."""
    if block.kind == "code":
        return block.text.count("\n") < SLIDE_CODE_LINES
    if block.kind == "table":
        return len(block.rows) <= SLIDE_TABLE_ROWS
    return block.kind in ("image", "math")


def figure_slots(slot: Slot, title: str, labels: dict[str, Any]) -> list[Slot]:
    """A slide per figure of an idea's slide, after it: titled by the idea and what the figure is."""
    out = []
    for figure in slot.figures:
        kind = labels["figure_kinds"][figure.block.kind]
        out.append(
            Slot(
                "figure",
                labels["figure_title"].format(title=title, kind=kind),
                (),
                (),
                slot.insights,
                notes=(note_comment(labels["figure_note"].format(kind=kind)),),
                figures=(Figure(figure.block, 0),),
            )
        )
    return out


"""Longest slide line, in characters."""
CASE_BLOCKS = (
    # (name, share of the total time, say, do, materials)
    ("오프닝", 0.10, "오늘 볼 사례와 Self → Us → Now 구조를 소개합니다.", "내 프로젝트 한 줄 소개", "슬라이드 1–2"),
    (
        "사례: Self",
        0.20,
        "왜 시작했고 무엇을 했고 어디서 넘어졌는지 들려줍니다.",
        "실패 지점에 표시하며 듣기",
        "타임라인 슬라이드",
    ),
    ("사례: Us · Now", 0.15, "배운 점과 피벗, 다음 걸음을 나눕니다.", "내 경험과 닮은 곳 메모", "Us · Now 슬라이드"),
    (
        "실습: 나의 제작기",
        0.30,
        "자기 프로젝트를 Self / Us / Now 로 적게 합니다.",
        "개인 작업 후 짝에게 말하기",
        "활동지, 펜",
    ),
    ("토론", 0.15, "토론 질문으로 실패와 피벗을 공유하는 법을 이야기합니다.", "소그룹 토론", "토론 질문"),
    ("마무리", 0.10, "공유할 기록 하나와 첫 게시 날짜를 정합니다.", "한 문장 약속", "포스트잇"),
)


def note_comment(text: str) -> str:
    """Text safe inside an HTML comment (no `-->`, no `--`)."""
    return re.sub(r"-{2,}", "—", text).strip()


EXERCISE = re.compile(r"^(실습|연습|과제|exercise|practice|try this)\s*[:：]\s*(?P<task>.+)$", re.I)
"""A line of the note that sets its own exercise (`실습: 오늘 매장 장면 하나를 한 줄로 쓰기`)."""
MINUTES = re.compile(r"^(?P<n>\d{1,3})\s*(분|min(ute)?s?)\.?$", re.I)
"""A line that only gives the exercise its time (`5분.`)."""
PAST = re.compile(r"(었|았|였|했|렸|졌|왔|겼|봤|났|줬|쳤|섰|냈)다[.!]?$")
"""A sentence told in the past tense: a story, a case (`… 뚜껑을 열었다.`)."""
TITLE_CHARS = 40
"""A sentence this short may title its slide (the slide-title limit of channel.yaml)."""
MIN_SCORE = 1.0
STEPS = re.compile(r"순서|단계|절차|\bsteps?\b|\bhow to\b", re.I)
"""A framework named as steps to follow (`보이스를 찾는 순서`): the exercise is to do them now."""
"""Ideas scored below this (errands, one-word lines) get no slide."""


def own_exercise(idea: Idea) -> tuple[str, int] | None:
    """The note's own exercise, (task, minutes), when the idea sets one (`실습: … 쓰기. 5분.`)."""
    lines = [plain(t) for t in (*idea.sentences, *(p.text for p in idea.points))]
    if idea.named and idea.name:
        lines.insert(0, idea.name)
    for n, line in enumerate(lines):
        found = EXERCISE.match(line)
        if not found:
            continue
        task = bare(found.group("task"))
        rest = [MINUTES.match(t) for t in lines[n + 1 :]]
        minutes = next((int(m.group("n")) for m in rest if m), 0)
        return task, minutes
    return None


def _labelled(idea: Idea) -> bool:
    """An idea of lead-ins that each head their own list (`❌ 하지 말 것` / `✅ 할 것`)."""
    return len(idea.points) >= 2 and all(p.children for p in idea.points) and not any(p.number for p in idea.points)


def _narrative(idea: Idea) -> bool:
    """An idea told as what happened or what someone does (a case): its lines are mostly past-tense
    sentences, or it is a named list of whole unnumbered sentences (`The Pieter Levels model`)."""
    said = [plain(t) for t in (*idea.sentences, *(p.text for p in idea.points))]
    listed = idea.named and len(idea.points) >= 2 and not any(p.number for p in idea.points)
    kinds = idea.type not in ("checklist", "definition", "contrast")
    if listed and kinds and all(korean.ending(p.text) == "sentence" for p in idea.points):
        return True
    return bool(said) and sum(bool(PAST.search(t)) for t in said) * 2 >= len(said)


def question_kind(idea: Idea) -> str:
    """What kind of question an idea calls for, by what it is: a checklist → which item one skips;
    a quotation → where it meets one's work; a contrast → which side one is on; a case → what one
    would borrow; a list → which part is weakest; a fact → the similar situation; a claim → agree."""
    if idea.type == "checklist" or (idea.points and all(korean.ending(p.text) == "question" for p in idea.points)):
        return "checklist"
    if idea.quote:
        return "quote"
    if idea.type == "contrast" or _labelled(idea):
        return "contrast"
    if idea.type == "case" or _narrative(idea):
        return "case"
    if len(idea.points) >= 2 and idea.type != "definition":
        return "framework"
    first = next((plain(s) for s in (*idea.sentences, *(p.text for p in idea.points))), "")
    if first and korean.ending(first) != "sentence":
        return "fact"
    return "claim"


def own_question(idea: Idea) -> str:
    """The question the idea itself asks (`왜 단골은 …?`), in the second person; "" when none."""
    own = [s for s in (*idea.sentences, *(p.text for p in idea.points)) if korean.ending(s) == "question"]
    return polite(plain(own[0])) if own and not idea.quote and idea.type != "checklist" else ""


def polite(question: str) -> str:
    """A self-check line in note register said to the reader: `~했는가?` → `~했나요?`,
    `~인가?` → `~인가요?` (a question already polite, or not Korean, stays as it is)."""
    q = question.rstrip()
    if q.endswith("는가?"):
        return q[: -len("는가?")] + "나요?"
    if q.endswith("가?") and not q.endswith(("나요?", "가요?")) and korean.has_hangul(q):
        return q[:-1] + "요?"
    return question


def answered(idea: Idea) -> str:
    """The idea's question when the idea answers it itself (question first, then its answer): the
    facilitator asks it before the answer is read out."""
    own = own_question(idea)
    said = [plain(s) for s in (*idea.sentences, *(p.text for p in idea.points))]
    return own if own and said and polite(said[0]) == own and len(said) >= 2 else ""


class Asker:
    """Questions for one deck, slides and guide together: never the same question template twice,
    never the same question twice."""

    def __init__(self, labels: dict[str, Any]) -> None:
        self.labels = labels
        self.used: set[str] = set()

    def ask(self, idea: Idea, title: str = "", here: bool = True, shown: Sequence[str] = ()) -> str:
        """The question about an idea: its own question as it is (second person), else the first
        unused template of its kind ("" when every one is used). Beside its slide (`here`) the
        template points at the slide; in the guide it quotes the claim it is about."""
        own = own_question(idea)
        if own and (answered(idea) or bare(own) not in {bare(t) for t in shown}):  # never the slide's line again
            if own in self.used:
                return ""
            self.used.add(own)
            return own
        for template in self.labels["questions"][question_kind(idea)]:
            if template in self.used:
                continue
            self.used.add(template)
            if here:
                return str(template)
            return str(self.labels["question_about"]).format(claim=_quoted(claim_of(idea, title)), question=template)
        return ""


def claim_of(idea: Idea, title: str) -> str:
    """What a question about an idea quotes: its own name, a list's lead-in or slide title, else
    its first sentence (a self-check in the second person)."""
    if idea.named and idea.name:
        return korean.as_title(idea.name)
    if idea.points and (idea.intro or title):  # a list is named by its lead-in or its slide
        return korean.as_title(idea.intro or title)
    first = next((plain(s) for s in (*idea.sentences, *(p.text for p in idea.points))), "")
    return polite(first.strip('"“”')) or title


def _talk(
    ideas: Sequence[Idea], slot: Slot, chapter: str, next_title: str, question: str, labels: dict[str, Any]
) -> tuple[str, ...]:
    """The talk track: the transition into a new chapter, what to add beyond the slide (the
    children, examples and sentences it does not show), the question to ask, the next slide."""
    shown = {bare(t) for t in (*slot.text, *slot.points, *(c for sub in slot.sub for c in sub), slot.title)}
    shown |= {bare(s) for i in ideas if i.quote and bare(" ".join(i.sentences)) in shown for s in i.sentences}
    hidden: list[str] = []
    split = any(p.text in slot.title for i in ideas if _labelled(i) for p in i.points)
    for idea in () if split else ideas:
        said = (*idea.sentences, *(p.text for p in idea.points), *idea.coda)
        hidden += [s for s in said if bare(s) not in shown and not EXERCISE.match(plain(s))]
        hidden += [c for p in idea.points for c in p.children if bare(c) not in shown]
    hidden = [h for h in dict.fromkeys(plain(h) for h in hidden) if not MINUTES.match(h)]
    new = chapter and bare(chapter) != bare(slot.title)  # a chapter named after its slide: the title says it
    lines = [labels["talk_transition"].format(chapter=_quoted(chapter))] if new else []
    first = next((i for i in ideas if answered(i)), None)
    if first is not None and answered(first) == question:  # the slide answers its own question: ask it first
        lines.append(labels["talk_ask_first"].format(question=question))
    if hidden:
        lines.append(labels["talk_more"].format(more=" / ".join(hidden[:4])))
    if question and (first is None or answered(first) != question):
        lines.append(labels["talk_ask"].format(question=question))
    lines.append(labels["talk_next"].format(title=_quoted(next_title)) if next_title else labels["talk_last"])
    return tuple(note_comment(line) for line in lines)


def _quoted(text: str) -> str:
    """A title in quotes that never nest (`“저자가 든 예: '밤의 책방'”`)."""
    return korean.quote_title(text)


def _line(idea: Idea) -> bool:
    """A one-line idea (a quotation, or one sentence with no name and no list): a bare claim a
    quotation may illustrate, never a title's neighbour."""
    return idea.quote or (not idea.points and not idea.named and len(idea.sentences) == 1 and idea.type == "claim")


def groups_of(chapter: Chapter, lines_max: int = 0) -> list[list[Idea]]:
    """The chapter's ideas as slide groups: one idea per slide, never padded with a neighbour; a
    quotation goes with the one-line claim just before it (the claim it illustrates), else alone.
    The note's own exercise is left out: it is the deck's exercise slide."""
    groups: list[list[Idea]] = []
    shown = False  # whether the idea before this one is on a slide
    for idea in chapter.ideas:
        if idea.score < MIN_SCORE or own_exercise(idea) is not None:
            shown = False
            continue
        if groups and _illustrated(groups[-1]) and (idea.quote or _concludes(idea)):
            groups[-1].append(idea)  # the claim a quote illustrates; the premise of a `그래서 …`
            continue
        if _leaning(idea) and idea is not chapter.ideas[0]:
            # `나머지는 …`, `그래서 …`: on the slide of the idea it leans on, or on none (never alone)
            if groups and shown:
                groups[-1].append(idea)
            continue
        groups.append([idea])
        shown = True
    return groups


def _leaning(idea: Idea) -> bool:
    """An idea that opens on a sentence needing the one before it (`나머지는 …`, `하지만 …`, `그건 …`)."""
    return bool(idea.sentences) and not idea.quote and leans(idea.sentences[0])


def _concludes(idea: Idea) -> bool:
    """An idea that opens with a connective (`그래서 …`, `So …`): it is said with its premise."""
    return bool(idea.sentences) and bool(CONNECTIVE.match(plain(idea.sentences[0])))


def _illustrated(group: Sequence[Idea]) -> bool:
    """Whether a quotation that follows the group illustrates it: the group is one bare claim of
    one sentence (`Sharing is not the same as promoting.`), with no quote yet."""
    return len(group) == 1 and _line(group[0]) and not group[0].quote


def _chapter_name(chapter: Chapter) -> str:
    """A chapter said as a name (`구독자가 늘어나는 이유는` → `구독자가 늘어나는 이유`, `1. 과정` → `과정`)."""
    return korean.as_title(NUMBER.sub("", chapter.title).strip()) if chapter.title else ""


def _group_title(group: Sequence[Idea], chapter: Chapter, lines_max: int) -> str:
    """A slide title that names its own body: the first idea's own name, the chapter's heading
    (when the slide holds several ideas of it, or the chapter is named after this idea), else
    the first sentence when it is short."""
    first = next((i for i in group if i.named), None) or next((i for i in group if not _line(i)), group[0])
    own = idea_title(first) if first.name and not first.quote else ""  # never a clause cut from a sentence
    if own and (len(group) == 1 or first.named or first.type == "question") and not _leans(own):
        return korean.as_title(own)
    if first.type == "question" and not own and len(group) == 1 and len(first.sentences) < 2:
        return ""  # a lone question is an open question, never under its neighbour's heading
    name = _chapter_name(chapter)
    named_after = {bare(own), bare(first.intro), *(bare(i.sentences[0]) for i in group if i.sentences)}
    if name and (chapter.heading or bare(name) in named_after):  # a chapter named after one of these ideas
        return name
    if own and not _leans(own):
        return korean.as_title(own)
    said = [bare(i.sentences[0]) for i in group if i.sentences and not i.quote]
    if first.type == "question" and len(first.sentences) < 2 and len(group) == 1:
        return ""
    return next((t for t in said if len(t) <= TITLE_CHARS and not _leans(t)), "")


def _leans(title: str) -> bool:
    """A line that leans on the one before it (`그래서 …`, `이게 …`, `He …`): never a title."""
    return not stands_alone(title)


def plan(
    outline: Outline, spec: ChannelSpec, options: dict[str, Any], labels: dict[str, Any], settings: Any
) -> list[Plan]:
    """A deck in the spec's shape: the agenda, one slide per idea of each chapter (its own title,
    whole lines, lead-ins with their lists, a talk track in the notes), then the exercise slide
    (the note's own exercise, else one built from its checklist or framework) and the debrief."""
    limits = spec.limits
    lines_max = int(limits["max_lines_per_slide"]) - 1
    budget = int(limits["slide_chars"])
    room = max(1, int(limits["max_slides"]) - 4)  # the agenda, the exercise and the debrief
    hook = bare(outline.hook) if outline.hook else ""
    placed: list[tuple[Chapter, list[Idea]]] = []
    for chapter in (c for c in outline.chapters if c.ideas):
        for group in groups_of(chapter, lines_max):
            if len(group) == 1 and group[0].quote and bare(" ".join(group[0].sentences)) == hook:
                continue  # the title slide says it
            if len(group) == 1 and group[0].quote and placed and _illustrated(placed[-1][1]):
                placed[-1] = (placed[-1][0], [*placed[-1][1], group[0]])  # the claim it illustrates, across a heading
                continue
            placed.append((chapter, group))
    drafts: list[tuple[Chapter, Slot, list[Idea]]] = []
    titles: set[str] = set()
    for chapter, group in placed:
        for slot in _group_slots(group, chapter, lines_max, budget, labels, titles):
            titles.add(slot.title)
            drafts.append((chapter, slot, group))
    drafts = _trimmed(drafts, room, labels)
    if len(drafts) < int(limits.get("min_ideas", 1)):
        raise TooLittle(f"{len(drafts)} idea slide(s), a workshop needs {limits['min_ideas']}")
    closing = _closing_slots(outline, labels, lines_max, [s for _, s, _ in drafts])
    chapters: list[Chapter] = list(dict.fromkeys(c for c, _, _ in drafts))
    names = {id(c): _chapter_name(c) for c in chapters}
    topics: list[str] = []
    for chapter, slot, _ in drafts:  # a chapter by its name; one without a name by its slides' titles
        topics.append(names[id(chapter)] or slot.title)
    stated = {bare(t) for _, slot, _ in drafts if not slot.title for t in slot.text}  # a statement says it whole
    agenda = [t for t in dict.fromkeys(topics) if t and bare(t) not in stated]
    slots: list[Slot] = []
    if len(agenda) >= 2:
        agenda.append(closing[0].title)
        pages = [agenda[n : n + lines_max] for n in range(0, len(agenda), lines_max)]
        for n, page in enumerate(pages, 1):
            name = labels["agenda"] if len(pages) == 1 else labels["agenda_page"].format(n=n, total=len(pages))
            slots.append(Slot("agenda", name, (), tuple(page)))
    seen: set[int] = set()
    asker = Asker(labels)
    for n, (chapter, slot, group) in enumerate(drafts):
        opens = id(chapter) not in seen and len(agenda) >= 2 and bool(names[id(chapter)]) and n > 0
        seen.add(id(chapter))
        after = drafts[n + 1][1] if n + 1 < len(drafts) else closing[0]
        next_title = after.title or next(
            iter(korean.sentences(" ".join(after.text))), ""
        )  # a statement: its first sentence
        group = [i for i in group if i.id in slot.insights] or group  # a premise's slide and its continuation
        lead = next((i for i in group if i.named), None) or next((i for i in group if not _line(i)), group[0])
        question = asker.ask(lead, slot.title, shown=(*slot.text, *slot.points))
        notes = _talk(group, slot, names[id(chapter)] if opens else "", next_title, question, labels)
        slots.append(replace(slot, notes=notes, figures=()))
        slots += figure_slots(slot, slot.title, labels)
    return [Plan("workshop", "deck", (*slots, *closing))]


def _trimmed(
    drafts: list[tuple[Chapter, Slot, list[Idea]]], room: int, labels: dict[str, Any]
) -> list[tuple[Chapter, Slot, list[Idea]]]:
    """At most `room` slides: while there are too many, the weakest slide (its strongest idea's score;
    of equals, the later) of the fullest chapter goes, with the slides after it that lean on it (a
    premise never goes without its continuation). A heap per chapter and one over the chapters, so a
    note of thousands of ideas is trimmed in n log n, not n² (a 2 MB note)."""
    if len(drafts) <= room:
        return drafts
    alive = [True] * len(drafts)
    strength = [max(i.score for i in group) for _, _, group in drafts]
    weakest: dict[int, list[tuple[float, int]]] = {}
    for n, (chapter, _, _) in enumerate(drafts):
        weakest.setdefault(id(chapter), []).append((strength[n], -n))
    count = {key: len(heap) for key, heap in weakest.items()}
    for heap in weakest.values():
        heapq.heapify(heap)

    def first(key: int) -> tuple[float, int]:
        heap = weakest[key]
        while not alive[-heap[0][1]]:  # gone with the slide it continued
            heapq.heappop(heap)
        return heap[0]

    fullest = [(-count[key], *first(key), key) for key in weakest]
    heapq.heapify(fullest)
    left = len(drafts)
    while left > room:
        size, score, at, key = heapq.heappop(fullest)
        if -size != count[key] or (score, at) != first(key):
            continue  # an entry from before this chapter lost a slide
        heapq.heappop(weakest[key])
        n = -at
        alive[n], count[key], left = False, count[key] - 1, left - 1
        m = n + 1
        while m < len(drafts):
            if alive[m]:
                if drafts[m][2] is not drafts[n][2] or not _continues(drafts[m][1], labels):
                    break
                alive[m], count[key], left = False, count[key] - 1, left - 1
            m += 1
        if count[key]:
            heapq.heappush(fullest, (-count[key], *first(key), key))
    return [d for n, d in enumerate(drafts) if alive[n]]


def _closing_slots(outline: Outline, labels: dict[str, Any], lines_max: int, shown: Sequence[Slot]) -> list[Slot]:
    """The exercise slide and the debrief slide. The exercise: the note's own task (with its
    minutes), else what to do (the intro) and the items no slide shows yet, whole lines; the
    debrief: its prompts."""
    intro, items, minutes = exercise(outline, labels)
    own = next((i for i in outline.ideas if own_exercise(i)), None)
    seen = {bare(polite(t)) for s in shown for t in (*s.text, *s.points)}
    if own is not None:
        text = (labels["exercise_line"].format(task=items[0], minutes=minutes) if minutes else items[0],)
        points: tuple[str, ...] = ()
    else:
        text = (intro,)
        points = tuple(i for i in items if bare(i) not in seen and len(i) <= LINE_CHARS * 2)
        if (
            len(points) < len(items) or len(points) > lines_max - 1
        ):  # never half a list, nor one shown: the worksheet has it
            points = ()
    ids = (own.id,) if own is not None else ()
    talk = labels["talk_exercise"] if own is None else f"{intro} {labels['talk_exercise']}"
    exercise_notes = (
        note_comment(talk),
        note_comment(labels["talk_next"].format(title=_quoted(labels["debrief_title"]))),
    )
    prompts = tuple(labels["debrief_prompts"])[:lines_max]
    return [
        Slot("exercise", labels["exercise_title"], text, points, ids, notes=exercise_notes),
        Slot("debrief", labels["debrief_title"], (), prompts, notes=(note_comment(labels["talk_debrief"]),)),
    ]


def _group_slots(
    group: Sequence[Idea],
    chapter: Chapter,
    lines_max: int,
    budget: int,
    labels: dict[str, Any],
    titles: set[str],
    statement: bool = False,
) -> list[Slot]:
    """The slide (or slides) of one idea group; none when nothing whole fits. An idea with no short
    name of its own (a long claim, a question with its answer, a quotation) is a statement slide:
    no title, its sentences whole (`statement`: so made, when its title would be its whole text)."""
    lean = [i for i in group[1:] if _leaning(i) and not _illustrated(group[:1])]
    if lean and not statement:
        return _with_premise([i for i in group if i not in lean], lean, chapter, lines_max, budget, labels, titles)
    ids = tuple(i.id for i in group)
    first = group[0]
    exercise_ = own_exercise(first) if len(group) == 1 else None
    if exercise_:
        task, minutes = exercise_
        line = labels["exercise_line"].format(task=task, minutes=minutes) if minutes else task
        return [Slot("idea", labels["exercise_title"], (line,), (), ids)]
    title = "" if statement else _group_title(group, chapter, lines_max)
    if _labelled(first) and len(group) == 1:  # lead-ins with their lists: whole, or one slide per lead-in
        lines = sum(1 + len(p.children) for p in first.points)
        if lines <= lines_max:
            heads = tuple(p.text for p in first.points)
            return [
                Slot("idea", title or labels["in_words"], (), heads, ids, sub=tuple(p.children for p in first.points))
            ]
        out = []
        for point in first.points:
            head = f"{title}: {point.text}" if title and not point.text.startswith(title) else point.text
            out.append(Slot("idea", head, (), tuple(point.children[:lines_max]), ids))
        return out
    if title and title in titles:
        said = next((bare(s) for i in group for s in i.sentences), "")
        title = said if said and said not in titles and len(said) <= TITLE_CHARS and not _leans(said) else ""
    text: list[str] = []
    points: list[str] = []
    numbered = False
    figures: list[Figure] = []
    lead = next((i for i in group if i.named), None) or next((i for i in group if not _line(i)), group[0])
    before = [i for i in group if _line(i) and not i.quote and i.lines[0] < lead.lines[0]]
    after = [i for i in group if i is not lead and i not in before]
    for idea in [*before, lead, *sorted(after, key=lambda i: i.quote)]:
        slot = idea_slot(idea, "idea", title, budget, max_points=lines_max, point_chars=LINE_CHARS * 2, shows=on_slide)
        if slot is None:
            continue
        figures += slot.figures
        if idea.quote:  # a quotation stays whole, on one line
            slot = replace(slot, text=(" ".join(slot.text),) if slot.text else ())
        body = [t for t in slot.text if bare(t.rstrip(":：")) != bare(title)]
        if slot.points and not points:
            text += body
            points += list(slot.points)
            numbered = slot.numbered
        else:
            (points if points else text).extend(body)
    if any(i.type == "checklist" for i in group):  # a self-check said to the reader: `~했나요?`
        points = [polite(p) for p in points]
    sub: tuple[tuple[str, ...], ...] = ()
    kids = {p.text: p.children for i in group for p in i.points}
    nested = len(text) + len(points) + sum(len(kids.get(p, ())) for p in points)
    if not numbered and points and any(kids.get(p) for p in points) and nested <= lines_max:
        sub = tuple(kids.get(p, ()) for p in points)
    while len(text) + len(points) > lines_max:  # whole lines only: the last ones go
        if points and (len(points) > 1 or not text):
            points.pop()
        else:
            text.pop()
    if not points and text and text[-1].endswith((":", "：")):  # a lead-in needs its list
        text.pop()
    if not text and not points:  # the title was the whole text: the text is the slide
        return [] if statement or not title else _group_slots(group, chapter, lines_max, budget, labels, titles, True)
    return [
        Slot(
            "idea",
            title,
            tuple(text),
            tuple(points),
            ids,
            numbered=numbered,
            sub=sub if len(sub) == len(points) else (),
            figures=tuple(figures),
        )
    ]


def _with_premise(
    base: list[Idea],
    lean: list[Idea],
    chapter: Chapter,
    lines_max: int,
    budget: int,
    labels: dict[str, Any],
    titles: set[str],
) -> list[Slot]:
    """The slides of ideas that lean on the one before (`나머지는 …`, `세 개 다 결국 …`): their lines on
    the premise's slide when they fit under its text (never numbered into its list), else a slide of
    their own under the premise's title, right after it. Never without the premise: none when it has none."""
    head = _group_slots(base, chapter, lines_max, budget, labels, titles)
    if not head:
        return []
    last = head[-1]
    lines = [t for i in lean for t in (*i.sentences, *(p.text for p in i.points), *i.coda)]
    whole = not any(i.figures or i.quote or any(p.children for p in i.points) for i in lean)
    if whole and not last.points and not last.figures and len(last.text) + len(lines) <= lines_max:
        head[-1] = replace(last, text=(*last.text, *lines), insights=(*last.insights, *(i.id for i in lean)))
        return head
    name = last.title or next((bare(t) for t in last.text if len(bare(t)) <= TITLE_CHARS), "")
    if not name:
        return head
    for idea in lean:
        for slot in _group_slots([idea], chapter, lines_max, budget, labels, titles, True):
            head.append(replace(slot, title=labels.get("continued_title", "{title}").format(title=name)))
    return head


def _continues(slot: Slot, labels: dict[str, Any]) -> bool:
    """A slide that goes on from the one before it (`… (이어서)`)."""
    head, _, tail = labels.get("continued_title", "{title}").partition("{title}")
    return bool(tail or head) and slot.title.startswith(head) and slot.title.endswith(tail)


def exercise(outline: Outline, labels: dict[str, Any]) -> tuple[str, list[str], int]:
    """The participant exercise and its minutes (0: sized by the run of show): the note's own
    exercise when it sets one, else its checklist as a yes/no self-check, else its best
    framework's steps done now, else its chapters as questions."""
    for idea in outline.ideas:
        own = own_exercise(idea)
        if own:
            task, minutes = own
            return labels["exercise_intro"].format(minutes=minutes or 10), [task], minutes
    checklist = [polite(plain(p.text)) for i in outline.ideas if i.type == "checklist" for p in i.points]
    if checklist:
        return labels["checklist_intro"], checklist, 0
    frameworks = sorted(
        (
            i
            for i in outline.ideas
            if ((i.named and i.name) or i.intro) and len(i.points) >= 2 and i.type in ("framework", "case", "contrast")
        ),
        key=lambda i: (-sum(bool(p.number) for p in i.points), -i.score, i.lines[0]),
    )
    if frameworks:
        best = frameworks[0]
        steps = [plain(p.text) for p in best.points][:6]
        title = korean.as_title(best.name if best.named and best.name else best.intro)
        if STEPS.search(title) and all(korean.ending(s) == "sentence" for s in steps):
            return labels["steps_intro"].format(title=korean.quote_title(title)), steps, 0
        states = sum(_states(step) for step in steps) * 2 > len(steps)  # the question is asked once, in the intro
        return (
            labels["framework_claim_intro" if states else "framework_intro"].format(title=korean.quote_title(title)),
            steps,
            0,
        )
    topics = [t for t in (_chapter_name(c) for c in outline.chapters[:3]) if t]
    topics = topics or [korean.as_title(i.name) for i in outline.ideas if i.named and i.name][:3]
    return (labels["apply_intro"], topics, 0) if topics else (labels["apply_any"], [labels["apply_any_item"]], 0)


IMPERATIVE = re.compile(r"(하라|세요|시오|자|라)[.!]?$")


def _states(step: str) -> bool:
    """A step that says what is true (`People trust what they watched grow.`), not what to do
    (`매일 오는 손님의 이름을 기억하기`, `우연을 활용하라`): one asks where it holds, not how one does it."""
    return korean.ending(step) == "sentence" and not IMPERATIVE.search(step.strip())


def questions(
    outline: Outline, deck: Plan, labels: dict[str, Any], most: int = 3, shown: Sequence[str] = ()
) -> list[str]:
    """Discussion questions: the note's own question, then questions about its strongest slides,
    each quoting the claim it is about; never a template or a question the slides' notes or the
    activity (`shown`) already use."""
    ideas = {i.id: i for i in outline.ideas}
    said = "\n".join([*(n for s in deck.slots for n in s.notes), *shown])
    asker = Asker(labels)
    asker.used |= {t for kind in labels["questions"].values() for t in kind if t in said}
    own = polite(plain(outline.question)) if _own_question(outline) else ""
    found = [own] if own and own not in said else []
    asker.used |= {own} if own else set()
    ranked = sorted(
        (s for s in deck.slots if s.role == "idea" and s.insights), key=lambda s: -ideas[s.insights[0]].score
    )
    heard: set[str] = set()
    for slot in ranked:
        idea = ideas[slot.insights[0]]
        if idea.id in heard or len(found) >= most:  # an idea over two slides is asked about once
            continue
        heard.add(idea.id)
        if own_question(idea) and own_question(idea) in said:
            continue
        question = asker.ask(idea, slot.title, here=False)
        if question:
            found.append(question)
    return found or [str(labels["question_fallback"])]


def _own_question(outline: Outline) -> bool:
    """Whether the outline's question is one the note asks its readers: not a template about its
    title, nor an item of the author's own checklist."""
    question = plain(outline.question)
    if (
        not question
        or f"'{outline.title}'" in question
        or korean.quote_title(outline.title) in question
        or question in PLAIN_QUESTIONS.values()
    ):
        return False
    return not any(plain(p.text) == question for i in outline.ideas if i.type == "checklist" for p in i.points)


def run_of_show(
    total: int, deck: Plan, outline: Outline, labels: dict[str, Any], deck_limits: dict[str, Any], own_minutes: int = 0
) -> list[dict[str, Any]]:
    """Blocks sized by the content and the total: the opening, one block per chapter (by the number
    and length of its slides), a break in a session of `break_from_minutes` or more, the exercise
    (the note's own minutes when it sets them), the discussion, the wrap-up. Their minutes add up
    exactly to `total`."""
    pause = 10 if total >= int(deck_limits["break_from_minutes"]) else 0
    where = {i.id: c for c in outline.chapters for i in c.ideas}
    chapters: list[tuple[str, list[int]]] = []  # a block per named chapter; per titled slide when unnamed
    keys: list[int] = []
    for n, slot in enumerate(deck.slots, 1):
        if slot.role in ("idea", "figure") and slot.insights:
            found = where.get(slot.insights[0])
            named = _chapter_name(found) if found else ""
            key = id(found) if named else n
            if not keys or (keys[-1] != key and (named or (slot.title and chapters[-1][0]))):
                chapters.append((named or slot.title, []))
                keys.append(key)
            elif (
                not named and slot.title and not chapters[-1][0]
            ):  # a block opened by a statement: named by its first title
                chapters[-1] = (slot.title, chapters[-1][1])
                keys[-1] = key
            chapters[-1][1].append(n)
    chapters = [(name or labels["block_statements"], numbers) for name, numbers in chapters]

    def weight(n: int) -> float:
        slot = deck.slots[n - 1]
        return 3.0 + len(" ".join((*slot.text, *slot.points, *(c for s in slot.sub for c in s)))) / 60

    wants = {"opening": 5.0, "exercise": float(own_minutes or 15), "discussion": 12.0, "wrap_up": 5.0}
    content = [sum(weight(n) for n in ns) for _, ns in chapters]
    fixed = pause + own_minutes
    flexible = [
        wants["opening"],
        *content,
        *([] if own_minutes else [wants["exercise"]]),
        wants["discussion"],
        wants["wrap_up"],
    ]
    room = max(len(flexible), total - fixed)
    shares = [room * w / sum(flexible) for w in flexible]
    sized = [max(1, int(x)) for x in shares]
    for i in sorted(range(len(sized)), key=lambda i: shares[i] - int(shares[i]), reverse=True):
        if sum(sized) >= room:
            break
        sized[i] += 1
    opening, *rest = sized
    chapter_minutes, rest = rest[: len(chapters)], rest[len(chapters) :]
    exercise_minutes = own_minutes if own_minutes else rest.pop(0)
    discussion, wrap_up = rest

    def block(key: str, minutes_: int, **fields: str) -> tuple[str, int, str, str, str]:
        say = labels[f"say_{key}"].format(**fields)
        key = key.removesuffix("_plain")
        return (labels[f"block_{key}"], minutes_, say, labels[f"do_{key}"], labels[f"materials_{key}"])

    asked = polite(plain(outline.question)) if _own_question(outline) else ""
    rows = [block("opening", opening, question=asked) if asked else block("opening_plain", opening)]
    half = sum(chapter_minutes) / 2
    done = 0
    for (chapter, numbers), m in zip(chapters, chapter_minutes, strict=True):
        one = len(numbers) == 1
        slides = f"{numbers[0] + 1}" if one else f"{numbers[0] + 1}–{numbers[-1] + 1}"
        say = labels["say_chapter_one" if one else "say_chapter"].format(slides=slides)
        materials = labels["materials_chapter_one" if one else "materials_chapter"].format(slides=slides)
        rows.append((chapter, m, say, labels["do_chapter"], materials))
        done += m
        if pause and done >= half:
            rows.append(block("break", pause))
            pause = 0
    if pause:  # a deck of no chapter still breaks before the exercise
        rows.append(block("break", pause))
    rows += [block("exercise", exercise_minutes), block("discussion", discussion), block("wrap_up", wrap_up)]
    drift = total - sum(r[1] for r in rows)
    if drift:
        biggest = max(range(len(rows)), key=lambda i: rows[i][1])
        rows[biggest] = (rows[biggest][0], rows[biggest][1] + drift, *rows[biggest][2:])
    blocks, start = [], 0
    for name, m, say, do, materials in rows:
        blocks.append(
            {"name": name, "minutes": m, "start": start, "say": say.replace("|", "/"), "do": do, "materials": materials}
        )
        start += m
    return blocks


def prepare(ctx: dict[str, Any], spec: ChannelSpec) -> dict[str, Any]:
    """Add `slides`, `blocks`, `exercise`, `questions` and `total_minutes` from the deck's plan."""
    if ctx["note"]["kind"] == "process-log":
        return prepare_story(ctx, spec)
    outline: Outline = ctx["outline"]
    placed, images = place_images(ctx["plans"][:1], ctx.get("image_files", {}))
    deck: Plan = placed[0]
    labels = ctx["labels"]
    total = int(ctx["options"]["total_minutes"])
    slides = []
    for slot in deck.slots:
        lines = [*slot.text, *((f"{n}. {p}" if slot.numbered else p) for n, p in enumerate(slot.points, 1))]
        notes = "\n".join(slot.notes) or note_comment(labels["agenda_note"])
        marked = [ln if re.match(r"\d+\. ", ln) or ln.endswith((":", "：")) else f"- {ln}" for ln in lines]
        if slot.sub:  # lead-ins with their own lists: the items nested under each
            lines, marked = list(slot.text), [f"- {t}" for t in slot.text]
            for point, sub in zip(slot.points, slot.sub, strict=True):
                lines += [point, *(f"– {c}" for c in sub)]
                marked += [f"- {point}", *(f"  - {c}" for c in sub)]
        if (not slot.title and not slot.points) or slot.role == "agenda":  # a statement, or topic names: lines
            marked = [f"{ln}\n" for ln in lines]
        figure = slot.figures[0].block if slot.figures else None
        slide: dict[str, Any] = {"title": slot.title, "lines": marked, "bullets": lines, "notes": notes}
        slides.append({**slide, "figure": figure})
    intro, items, own_minutes = exercise(outline, labels)
    used = set(deck.insights)
    shown = {bare(line) for s in slides for line in s["bullets"]}
    byline = _byline(outline)
    shown |= {bare(s["title"]) for s in slides}
    asked = outline.question if _own_question(outline) else ""
    scores = {i.id: i.score for i in outline.ideas}
    hooks = [t for t, i in zip(outline.hook_lines, outline.hooks, strict=False) if scores.get(i.id, 0) >= MIN_SCORE]
    candidates = [t for t in (byline, asked, *hooks) if t and bare(t) not in shown and _balanced(t) and stands_alone(t)]
    subtitle = next(iter(candidates), "") or labels["deck_subtitle"].format(minutes=total)
    return {
        **ctx,
        "plan": deck,
        "insights": [i for i in ctx["insights"] if i.id in used],
        "deck_title": outline.title,
        "deck_subtitle": subtitle,
        "slides": slides,
        "images": images,
        "blocks": run_of_show(total, deck, outline, labels, spec.limits, own_minutes),
        "exercise_intro": intro,
        "exercise": items,
        "questions": questions(outline, deck, labels, shown=items),
        "total_minutes": total,
        "opening_note": note_comment(_opening(deck, labels)),
    }


def _balanced(text: str) -> bool:
    """Whether every quotation mark a line opens it also closes (a quotation is never shown in half)."""
    return text.count('"') % 2 == 0 and text.count("“") == text.count("”") and text.count("「") == text.count("」")


def _byline(outline: Outline) -> str:
    """The book a note is about and its author, under the deck's title: `『Book』 · Author`, the author
    alone when the title names the book already (never after a question: `…모습인가요? · 강민호`)."""
    work, author = outline.attribution.work, outline.attribution.author
    if not outline.book:
        return ""
    by = author if author and author not in outline.title else ""
    if bare(work) in bare(outline.title):
        return by
    return f"『{work}』" + (f" · {by}" if by else "")


def _opening(deck: Plan, labels: dict[str, Any]) -> str:
    """The title slide's note: how many topics the deck walks through, counted from its agenda
    (the exercise, its last line, left out); never the note's title in a sentence."""
    topics = sum(len(s.points) for s in deck.slots if s.role == "agenda") - 1
    if topics < 2:
        return str(labels["opening_note_one"])
    return str(labels["opening_note"]).format(count=topics)


def case_run_of_show(total: int, labels: dict[str, Any] | None = None, break_from: int = 90) -> list[dict[str, Any]]:
    """Case-study blocks whose minutes add up exactly to `total`, with a 10-minute break after the
    case in a session of `break_from` minutes or more."""
    rows = list(CASE_BLOCKS)
    pause = 10 if labels is not None and total >= break_from else 0
    minutes = [int((total - pause) * share) for _, share, *_ in rows]
    minutes[3] += total - pause - sum(minutes)  # the exercise absorbs rounding
    timed = [(*row, m) for row, m in zip(rows, minutes, strict=True)]
    if pause and labels is not None:
        rest = (labels["block_break"], 0.0, labels["say_break"], labels["do_break"], labels["materials_break"], pause)
        timed.insert(3, rest)
    blocks, start = [], 0
    for name, _, say, do, materials, m in timed:
        blocks.append({"name": name, "minutes": m, "start": start, "say": say, "do": do, "materials": materials})
        start += m
    return blocks


def _lines(texts: Sequence[str], max_lines: int) -> list[str]:
    return [f"- {whole(t, LINE_CHARS)}" for t in texts[: max_lines - 1]]


def case_slides(out: dict[str, Any], timeline: list[str], exercise: list[str], max_lines: int) -> list[dict[str, Any]]:
    """Hook, timeline, one slide per part, the exercise: `{title, lines, notes}` like note slides."""
    story: Story = out["story"]
    slides = []
    if story.hook is not None:
        head = hook_head(story.hook)
        body = story.hook.text.split("\n")[1:] if head else [hook_body(story.hook)]
        notes = f"part=hook entries={story.hook.date} insights={story.hook.id}\n{story.hook.text}"
        slides.append({"title": out["hook_line"], "lines": _lines([b for b in body if b], max_lines), "notes": notes})
    slides.append(
        {"title": "타임라인", "lines": _lines(timeline, max_lines), "notes": "기록을 날짜순으로 짚어 줍니다."}
    )
    for part in out["parts"]:
        if not part["insights"]:
            continue
        items = [f"{KIND_LABELS[i.type]} ({i.date[5:]}): {whole(says(i), LINE_CHARS)}" for i in part["insights"]]
        told = "\n".join(f"{i.date} {KIND_LABELS[i.type]}: {says(i)}" for i in part["insights"])
        title = f"{part['label']} — {whole(part['heading'], 40)}"
        slides.append(
            {"title": title, "lines": _lines(items, max_lines), "notes": f"part={part['key']} {part['trace']}\n{told}"}
        )
    notes = "개인 작업 후 짝에게 3분씩 말하게 합니다. 실패를 먼저 말하는 사람이 이깁니다."
    slides.append(
        {"title": "실습: 나의 제작기 (Self → Us → Now)", "lines": _lines(exercise, max_lines), "notes": notes}
    )
    return slides


def prepare_story(ctx: dict[str, Any], spec: ChannelSpec) -> dict[str, Any]:
    """A case-study slide set (timeline, Self, Us, Now) and a guide with a Self/Us/Now exercise."""
    max_lines = int(spec.limits["max_lines_per_slide"])
    out = story_context(ctx, {"self": max_lines - 1, "us": max_lines - 1, "now": max_lines - 1})
    story = out["story"]
    timeline = [f"{t.date} {t.title}".strip() for t in story.timeline]
    if len(timeline) > max_lines - 1:
        timeline = [*timeline[: max_lines - 2], f"… 외 {len(timeline) - (max_lines - 2)}개 기록"]
    learned = [i for p in out["parts"] for i in p["insights"] if i.type == "learned"]
    failures = [i for p in out["parts"] for i in p["insights"] if i.type in ("failure", "pivot")]
    questions = [
        f"{korean.quote_title(i.title.removesuffix('…'))} — 여러분이라면 여기서 무엇을 바꾸겠어요?"
        for i in failures[:3]
    ]
    questions += [f"{korean.quote_title(i.title.removesuffix('…'))} — 내 일에도 해당되나요?" for i in learned[:2]]
    exercise = [
        "Self: 최근 내 프로젝트에서 넘어진 순간 하나를 날짜와 함께 적는다",
        "Self: 그 일을 왜 시작했는지 한 문장으로 적는다",
        "Us: 그 실패에서 배운 점을, 같은 고민을 가진 사람에게 말하듯 적는다",
        "Now: 방향을 바꾼 지점(피벗)이나 다음 한 걸음을 적고, 함께할 사람을 초대하는 문장으로 끝낸다",
    ]
    return {
        **out,
        "images": [],
        "slides": case_slides(out, timeline, exercise, max_lines),
        "opening_note": "만드는 과정을 실패와 피벗까지 그대로 보여주는 사례입니다. 결과보다 과정에 집중해 주세요.",
        "blocks": case_run_of_show(
            int(ctx["options"]["total_minutes"]), ctx["labels"], int(spec.limits["break_from_minutes"])
        ),
        "total_minutes": int(ctx["options"]["total_minutes"]),
        "exercise": exercise,
        "questions": questions,
    }


def _bullets(slide: dict[str, Any]) -> tuple[str, ...]:
    """A slide's lines without the markdown `- ` marker (story slides carry only `lines`)."""
    if "bullets" in slide:
        return tuple(spoken(line) for line in slide["bullets"])
    return tuple(spoken(line.removeprefix("- ")) for line in slide["lines"])


def _deck_slide(slide: dict[str, Any], files: dict[str, Any]) -> DeckSlide:
    """A slide of the PPTX; a statement slide (no title) sets its first sentence in the title box."""
    lines = _bullets(slide)
    title, lines = (slide["title"], lines) if slide["title"] or not lines else (lines[0], lines[1:])
    return DeckSlide(title, lines, slide["notes"] or title, slide.get("figure"), files)


def deck_pptx(ctx: dict[str, Any]) -> bytes:
    """Builder: the same slides as the Marp deck, as an editable PPTX."""
    title = ctx.get("deck_title") or ctx["note"]["title"]
    outline = ctx.get("outline")
    byline = _byline(outline) if outline is not None else ""
    opening = ctx.get("opening_note") or title
    cover = DeckSlide(title, (byline,) if byline else (), opening)
    files = {f"images/{i['name']}": i["file"] for i in ctx.get("images", ())}
    body = tuple(_deck_slide(s, files) for s in ctx["slides"])
    modified = datetime.fromisoformat(ctx["note"]["lastmod"])
    return build_deck((cover, *body), ctx["options"]["pptx_font"], title, modified)
