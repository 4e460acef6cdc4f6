"""Logistics: the author's own production and errands, never a reader's content.

A note written to prepare something (a lecture memo, a cohort's retrospective) mixes what the author
thinks with what she must do: the date and length of her own event (`다음 주 … 강의, 90분`), her
equipment (`마이크 배터리 여분 챙기기`), the rules she sets for her own material (`슬라이드는 30장을
넘기지 않는다`, `강의 자료는 블로그 글 세 편을 다시 엮어서 만든다`) and to-do lists addressed to herself
(`다음 기수 시작 전에 확인:` and its items). Published, such a line means nothing to a reader, and a
relative date (`다음 주`) is wrong the day after. This module says which ideas are such lines, from
the analyser's morphemes (Korean) or the words (English):

- a **schedule**: a relative date (`다음 주`, `이번 기수`, `next week`) or a length in minutes or hours
  (`90분`, `30 minutes`) together with an event of hers (`강의`, `워크숍`, `talk`), not told in the
  past. Once a note schedules her event this way it is a plan, and any other time slot of that
  plan that is no finished statement (`첫 10분에 할 이야기는`) is logistics too;
- an **errand**: a to-do line (`…챙기기`, `…할 것`, `…전에 확인`, `Bring …`) about equipment, her
  material or her schedule; a list under such a lead-in goes with it;
- a **production rule**: her material or equipment as the subject of a present-tense line
  (`슬라이드는 …`, `The deck …`) in a note that schedules her event, or her event's material by name
  (`강의 자료는 …`) in any note;
- a list whose every item is an errand or a piece of equipment, or a list item that only names a
  piece of equipment (a packing list: `- 보조배터리`, `- 무선 마이크`).

Conservative by design: an exercise (`실습: … 5분`), a line addressed to the reader (`여러분`, `you`,
`…해 보세요`), a past event (`…3시에 뚜껑을 열었다`), a checklist of lessons a reader can apply (`…
정했는가?` under no to-do lead-in) and any finished statement about the world stay content.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING

from tasks.nlp import korean
from tasks.nlp.morph import Morpheme, analysis

if TYPE_CHECKING:
    from tasks.compose.ideas import Idea


def _set(words: str) -> frozenset[str]:
    """A set of words written as one string, space-separated."""
    return frozenset(words.split())


EVENTS_KO = _set(
    "강의 강연 특강 수업 워크숍 세미나 발표 기수 행사 미팅 회의 촬영 라이브 웨비나 설명회 모임 토크 스터디 "
    "북토크 클래스 팝업 원데이클래스"
)
"""Events a consultant runs herself (a lecture, a cohort, a shoot)."""
EVENTS_EN = _set(
    "talk talks lecture workshop class session webinar meetup cohort seminar keynote panel shoot livestream "
    "event course"
)
TIME_UNITS_KO = _set("주 달 주말 학기 기수 회차 분기 시즌 월 차시 회")
"""Nouns that, after `다음`/`이번`, name a slot of the author's calendar (`다음 주`, `이번 기수`)."""
SOON_KO = _set("내일 모레 당일 전날 오늘밤")
DEICTIC_KO = frozenset({"다음", "이번"})
LENGTH_UNITS_KO = frozenset({"분", "시간"})
GEAR_KO = _set(
    "마이크 배터리 충전기 노트북 프로젝터 리모컨 포인터 케이블 어댑터 젠더 삼각대 명찰 유인물 출력물 장비 "
    "보조배터리 건전지 클리커 이어폰 스피커 준비물"
)
"""Equipment the author carries to her own event."""
MATERIAL_KO = _set("슬라이드 자료 원고 대본 강의안 교안 큐카드 발표자료 장표 피피티 PPT ppt")
"""The material she makes for her own event."""
TODO_NOUNS_KO = _set("확인 준비 체크 점검 예약 발송 출력 챙김 구매 주문 연락 세팅 발주 확정 대관 결제 제출 신청 정리")
"""Nouns that end a note-style to-do (`…전에 확인`)."""
EXERCISE = re.compile(
    r"^\s*(실습|활동|과제|연습|숙제|미션|워크시트|exercise|activity|try this|homework|assignment|practice)\s*[:：]",
    re.I,
)
"""A labelled exercise for the participants: content, whatever its length in minutes."""
READER_KO = re.compile(r"여러분|당신|(세요|십시오|봅시다|해요|하자)[.!?]*$")
READER_EN = re.compile(r"\b(you|your|yours)\b", re.I)
GEAR_EN = _set(
    "mic mics microphone microphones battery batteries charger chargers laptop projector clicker remote cable "
    "cables adapter adapters dongle tripod handout handouts printout printouts badge badges gear"
)
MATERIAL_EN = _set("slides slide deck decks script handout handouts materials")
ERRANDS_EN = _set("bring pack charge print book buy order email send confirm check remember renew reserve test rent")
SCHEDULE_EN = re.compile(
    r"(?<![\d/])\d{1,2}/\d{1,2}(?![\d/])|\b(by|until)\s+(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b"
    r"|\b(next|this|coming)\s+(week|month|weekend|term|quarter|cohort|session|monday|tuesday|wednesday|thursday"
    r"|friday|saturday|sunday)\b|\btomorrow\b|\btonight\b|\bbefore the\s+\w*\s*(talk|session|workshop|event|cohort"
    r"|class|lecture|webinar|meetup)\b",
    re.I,
)
LENGTH_EN = re.compile(
    r"\b(\d+|ten|fifteen|twenty|thirty|forty|forty-five|fifty|sixty|ninety)[\s-]*(min|mins|minutes?|hours?|h)\b",
    re.I,
)
PAST_EN = re.compile(r"\b(was|were|had|did|went|came|\w{3,}ed)\b", re.I)
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def _words(text: str) -> list[str]:
    return [w.lower() for w in WORD.findall(text)]


def _handled(morphs: Sequence[Morpheme], words: frozenset[str]) -> bool:
    """One of `words` is what the line handles (`원고 보내기`, `충전기랑 젠더 챙길 것`), not where
    something goes (`강의 자료로 다시 쓰기`: a way of working, not an errand)."""
    for n, m in enumerate(morphs):
        if m.form in words and m.tag in ("NNG", "NNP", "SL"):
            after = next((x for x in morphs[n + 1 :] if x.tag not in ("NNG", "NNP", "SL")), None)
            if after is None or after.tag != "JKB":
                return True
    return False


def _nouns(morphs: Sequence[Morpheme]) -> set[str]:
    return {m.form for m in morphs if m.tag in ("NNG", "NNP", "SL")}


def _past(morphs: Sequence[Morpheme]) -> bool:
    """Told as something that happened (`…열었다`, `…했던`): a story, not a plan."""
    return any(m.tag == "EP" and m.form in ("었", "았", "였", "ᆻ") for m in morphs)


def _schedule_ko(morphs: Sequence[Morpheme]) -> bool:
    """A slot of her calendar: `다음 주`, `이번 기수`, `내일`, `다음 강의`."""
    for before, after in itertools.pairwise(morphs):
        if (
            before.form in DEICTIC_KO
            and after.tag.startswith("NN")
            and (after.form in TIME_UNITS_KO or after.form in EVENTS_KO)
        ):
            return True
    return any(m.form in SOON_KO and m.tag.startswith(("NN", "MAG")) for m in morphs) or _date_ko(morphs)


DATE = re.compile(r"^\d{1,2}/\d{1,2}$")
WEEKDAYS_KO = _set("월요일 화요일 수요일 목요일 금요일 토요일 일요일")


def _date_ko(morphs: Sequence[Morpheme]) -> bool:
    """A day of her calendar: `12/3` (the analyser's serial), `12월 3일`, a deadline `수요일까지`."""
    for n, m in enumerate(morphs):
        if m.tag == "W_SERIAL" and DATE.match(m.form):
            return True
        if m.tag == "SN" and n + 3 < len(morphs) and [x.form for x in morphs[n + 1 : n + 4 : 2]] == ["월", "일"]:
            return True
        if m.form in WEEKDAYS_KO and n + 1 < len(morphs) and morphs[n + 1].form == "까지":
            return True
    return False


def _length_ko(morphs: Sequence[Morpheme]) -> bool:
    """A length of time in minutes or hours (`90분`, `3시간`)."""
    return any(
        before.tag == "SN" and after.form in LENGTH_UNITS_KO and after.tag.startswith("NN")
        for before, after in itertools.pairwise(morphs)
    )


def _content(morphs: Sequence[Morpheme]) -> list[Morpheme]:
    return [m for m in morphs if not m.tag.startswith(("SF", "SP", "SS", "SE", "SO", "SW", "W_"))]


def _todo_ko(morphs: Sequence[Morpheme]) -> bool:
    """A to-do in note form: `…챙기기`, `…챙길 것`, `…전에 확인`."""
    words = _content(morphs)
    if not words:
        return False
    last = words[-1]
    if last.tag == "ETN" and last.form == "기" and len(words) > 1 and words[-2].tag.startswith("V"):
        return True
    if last.form == "것" and last.tag == "NNB" and len(words) > 1 and words[-2].tag == "ETM" and words[-2].form == "ᆯ":
        return True
    return _todo_noun(morphs)


def _todo_noun(morphs: Sequence[Morpheme]) -> bool:
    """A note-style to-do that ends in the action's noun (`…전에 확인`, `대관 확정`, `자료 정리 (12/3)`)."""
    words = _content(morphs)
    return bool(words) and words[-1].tag == "NNG" and words[-1].form in TODO_NOUNS_KO


def _subject_ko(morphs: Sequence[Morpheme]) -> tuple[str, ...]:
    """The noun phrase before the line's first topic or subject particle (`강의 자료는` → 강의, 자료)."""
    run: list[str] = []
    for m in morphs:
        if m.tag in ("JX", "JKS") and m.form in ("은", "는", "ᆫ", "이", "가"):
            return tuple(run)
        if m.tag in ("NNG", "NNP", "SL", "XSN"):
            run.append(m.form)
        elif m.tag in ("SN", "NNB", "MM"):
            continue
        else:
            run = []
    return ()


@dataclass(frozen=True, slots=True)
class Line:
    """The facts this module reads off one line of the note."""

    event: bool
    """Names an event of hers (`강의`, `기수`, `talk`)."""
    schedule: bool
    """Names a slot of her calendar (`다음 주`, `이번 기수`, `내일`, `next week`)."""
    length: bool
    """Names a length of time in minutes or hours (`90분`, `30 minutes`)."""
    gear: bool
    """Names equipment (`마이크`, `충전기`, `clicker`)."""
    material: bool
    """Names the material she makes for an event (`슬라이드`, `자료`, `deck`)."""
    past: bool
    """Told as something that happened: a story, not a plan."""
    reader: bool
    """Addressed to the reader (`여러분`, `…해 보세요`, `you`)."""
    errand: bool
    """Has the form of a to-do (`…챙기기`, `…할 것`, `…전에 확인`, `Bring …`)."""
    chore_noun: bool
    """Ends in the noun of an errand (`대관 확정`, `자료 정리`, `…전에 확인`)."""
    handles: bool
    """Its object is equipment or material (`원고 보내기`, `Bring a spare clicker battery`)."""
    subject: str
    """`event-material` when its subject is her event's material (`강의 자료는`), `material` when it is
    material or equipment (`슬라이드는`), else ""."""
    exercise: bool
    """A labelled exercise (`실습: …`)."""
    fragment: bool
    """A noun phrase, not a sentence (`마이크 배터리`)."""
    statement: bool
    """A finished sentence or question (`하루 10분이면 1년에 60시간이다.`), not a label or lead-in."""

    @property
    def content(self) -> bool:
        """Said for a reader whatever else it mentions: an exercise, or a line addressed to the reader."""
        return self.exercise or self.reader

    @property
    def dated(self) -> bool:
        """Names a slot of her calendar or a length of time, and is not a past story."""
        return (self.schedule or self.length) and not self.past and not self.content

    @property
    def to_do(self) -> bool:
        """A to-do about her equipment or material, or about a slot of her event's calendar (`다음 기수
        시작 전에 확인`); an imperative with only a date in it (`post it this week`) is said to a reader."""
        return self.errand and not self.content and (self.handles or (self.schedule and self.event))

    @property
    def chore(self) -> bool:
        """An item of her own to-do list: a to-do, a piece of equipment, an errand named by its noun
        (`1월 강의장 대관 확정`) or an item with a date or deadline (`원두 발주 - 수요일까지`); never a
        practice said with `-기` alone (`매일 오는 손님의 이름을 기억하기`) nor a question (`…정했는가?`)."""
        if self.content or self.past or self.statement:
            return self.to_do
        return self.to_do or self.kit or self.chore_noun or self.schedule

    @property
    def kit(self) -> bool:
        """A piece of equipment named on its own (an item of a packing list)."""
        return self.gear and self.fragment and not self.past and not self.content


@lru_cache(maxsize=4096)
def line_facts(text: str) -> Line:
    """What one line of the note says about the author's logistics."""
    line = text.strip()
    exercise = bool(EXERCISE.match(line))
    end = korean.ending(line)
    fragment, statement = end == "fragment", end in ("sentence", "question")
    if korean.has_hangul(line):
        morphs = analysis(line)
        nouns = _nouns(morphs)
        subject = _subject_ko(morphs)
        kind = ""
        if len(subject) >= 2 and subject[-1] in MATERIAL_KO and any(s in EVENTS_KO for s in subject):
            kind = "event-material"
        elif subject and subject[-1] in (MATERIAL_KO | GEAR_KO):
            kind = "material"
        return Line(
            event=bool(nouns & EVENTS_KO),
            schedule=_schedule_ko(morphs),
            length=_length_ko(morphs),
            gear=bool(nouns & GEAR_KO),
            material=bool(nouns & MATERIAL_KO),
            past=_past(morphs),
            reader=bool(READER_KO.search(line)),
            errand=_todo_ko(morphs),
            chore_noun=_todo_noun(morphs),
            handles=_handled(morphs, GEAR_KO | MATERIAL_KO),
            subject=kind,
            exercise=exercise,
            fragment=fragment,
            statement=statement,
        )
    words = _words(line)
    found = set(words)
    head = [w for w in words[:4] if w not in ("the", "my", "our", "a")]
    kind = ""
    if len(head) > 1 and head[0] in EVENTS_EN and head[1] in MATERIAL_EN:
        kind = "event-material"
    elif head and head[0] in (MATERIAL_EN | GEAR_EN):
        kind = "material"
    verb = words[2] if words[:2] == ["don't", "forget"] else words[0] if words else ""
    return Line(
        event=bool(found & EVENTS_EN),
        schedule=bool(SCHEDULE_EN.search(line)),
        length=bool(LENGTH_EN.search(line)),
        gear=bool(found & GEAR_EN),
        material=bool(found & MATERIAL_EN),
        past=bool(PAST_EN.search(line)),
        reader=bool(READER_EN.search(line)),
        errand=verb in ERRANDS_EN or words[:2] in (["don't", "forget"], ["remember", "to"]),
        chore_noun=False,
        handles=bool(found & (GEAR_EN | MATERIAL_EN)),
        subject=kind,
        exercise=exercise,
        fragment=fragment,
        statement=statement,
    )


def _head(idea: Idea) -> str:
    """The line that says what the idea is: its name, else its first sentence, else its lead-in."""
    if idea.named and idea.name:
        return idea.name
    if idea.sentences:
        return idea.sentences[0]
    return idea.intro or idea.name


def schedules(idea: Idea) -> bool:
    """The idea schedules the author's own event (`다음 주 소상공인 브랜딩 강의, 90분.`)."""
    line = line_facts(_head(idea))
    return line.dated and line.event


def is_logistics(idea: Idea, planned: bool = False) -> bool:
    """The idea is about the author's own production and errands, not for a reader; `planned` when the
    note schedules her event (see `schedules`), so that its other time slots and her rules for her
    material are read as the plan they are."""
    if idea.quote:
        return False
    head = line_facts(_head(idea))
    if head.content:
        return False
    if head.dated and (head.event or (planned and not head.statement)):
        return True  # a statement with a length in it (`하루 10분이면 …이다.`) is a claim, plan or not
    if head.to_do or (idea.intro and line_facts(idea.intro).to_do):
        return True
    if not head.past and not head.errand and (head.subject == "event-material" or (planned and head.subject)):
        return True
    if idea.points and not idea.sentences:  # her to-do or packing list: every item a chore
        return all(i.chore for i in (line_facts(p.text) for p in idea.points))
    return idea.item and head.kit  # one item of a packing list (`- 무선 마이크`)


def logistics(ideas: Sequence[Idea]) -> frozenset[str]:
    """Ids of the ideas that are the author's logistics (see the module's rules)."""
    planned = any(schedules(i) for i in ideas if not i.quote)
    return frozenset(i.id for i in ideas if is_logistics(i, planned))


def _heads_logistics(heading: str) -> bool:
    """A heading that names a slot of her calendar or a to-do (`다음 기수 체크리스트`, `Before the talk`)."""
    line = line_facts(heading)
    return line.dated or line.to_do


def set_aside(ideas: Sequence[Idea], levels: Mapping[str, int]) -> tuple[tuple[Idea, ...], tuple[Idea, ...]]:
    """(the ideas a reader could use, the logistics left out), each in the note's order. A section whose
    heading names her calendar or a to-do (`다음 기수 체크리스트`) and that opens with logistics loses its
    heading with them, as an editor deletes the heading with the lines under it: what is left of it (an open question
    after her checklist) reads on from the section before, so no channel shows the heading over lines
    it does not describe. `levels`: heading level by section title."""
    private = logistics(ideas)
    if not private:
        return tuple(ideas), ()
    firsts: dict[tuple[str, ...], Idea] = {}
    for idea in ideas:
        firsts.setdefault(idea.path, idea)
    orphaned = {path for path, first in firsts.items() if first.id in private and path and _heads_logistics(path[-1])}
    out: list[Idea] = []
    for idea in ideas:
        if idea.id in private:
            continue
        if idea.path in orphaned:
            before = next((i for i in reversed(out) if i.path not in orphaned), None)
            if before is not None:
                idea = replace(idea, path=before.path, section=before.section, level=before.level)
            else:
                parent = idea.path[:-1]
                section = parent[-1] if parent else ""
                idea = replace(idea, path=parent, section=section, level=levels.get(section, 0))
        out.append(idea)
    return tuple(out), tuple(i for i in ideas if i.id in private)
