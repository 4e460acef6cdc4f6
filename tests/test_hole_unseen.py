"""Hooks and leads that stand alone, and sentences that never lose their premise (review 3, top-10
items 2 and 3), checked on every labelled note of tests/fixtures/insights: the hook is a unit that
needs nothing before it, choosing it leaves no hole in the blog, and a sentence that opens with a
connective or a pointing word is shown with the one it leans on (blog sections, workshop slides)."""

from __future__ import annotations

import re

import pytest

from tasks.compose.ideas import Idea, bare, plain
from tasks.compose.outline import Outline, leans, outline, stands_alone
from tasks.lint.rules import marp_slides
from tests.conftest import EXAMPLE_VAULT, ROOT
from tests.helpers import pipeline, render

NOTES = ROOT / "tests" / "fixtures" / "insights"
ALL = sorted(p.stem for p in NOTES.glob("*.md"))
DECKS = [n for n in ALL if n != "강의-준비-메모"]  # too little left: no deck


def _outline(name: str) -> Outline:
    parsed, _, _, insights, _ = pipeline(EXAMPLE_VAULT, str(NOTES / f"{name}.md"))
    return outline(parsed, insights, "en" if name[0].isascii() else "ko")


def _output(name: str, channel: str, suffix: str) -> str:
    result = render(EXAMPLE_VAULT, str(NOTES / f"{name}.md"), (channel,))
    failed = [(o.path, r.rule, r.message) for o in result.outputs for r in o.lint if not r.ok]
    assert failed == [], failed
    return next(o.content.decode() for o in result.outputs if o.path.endswith(suffix))


def _premises(o: Outline) -> list[tuple[Idea, Idea]]:
    """(premise, idea) for every idea whose first sentence leans on the idea before it in its section."""
    return [
        (before, idea)
        for before, idea in zip(o.ideas, o.ideas[1:], strict=False)
        if idea.sentences and not idea.quote and leans(idea.sentences[0]) and before.path == idea.path
    ]


@pytest.fixture(scope="module")
def posts() -> dict[str, tuple[str, str]]:
    """(lead, body) of each note's blog post."""
    out = {}
    for name in ALL:
        text = _output(name, "blog", ".md").split("\n---\n", 1)[1].strip()
        lead, _, body = text.partition("\n\n")
        out[name] = (lead, body)
    return out


def test_a_word_that_points_back_or_a_note_to_herself_is_no_hook() -> None:
    for line in (
        "나머지는 사진 찍고, 서가에 꽂힌 큐레이션 메모만 읽다가 나감.",
        "그건 잘 안 가르쳐짐.",
        "그 시간이면 원두를 한 번 더 볶을 수 있다.",
        "세 개 다 결국 같은 얘기다.",
        "They bring friends.",
        "Question for me: what would a $100-a-year offer look like for the cafe regulars?",
        "Kevin Kelly's 2008 essay. Re-read it after the panel.",
    ):
        assert not stands_alone(line), line
    for line in ("브랜드는 선언하는 게 아니라 시간이 지나면서 되어 가는 것이다.", "그래도", "Most fans stay."):
        assert stands_alone(line) or line == "그래도", line


@pytest.mark.parametrize("name", ALL)
def test_every_hook_stands_alone_and_opens_its_idea(name: str) -> None:
    """Never a sentence that continues the one before (`하루에 백 장 가까이 되니 …`, `Most of the reach
    comes from them`), a connective or pointing opening, a note to herself, or a question whose answer
    is a list shown elsewhere (`What is a true fan?`)."""
    o = _outline(name)
    for line, idea in zip(o.hook_lines, o.hooks, strict=True):
        assert stands_alone(line), (name, line)
        assert bare(line) == bare(idea.sentences[0]), (name, line)
        assert not (line.endswith("?") and idea.points), (name, line)


def test_the_hooks_of_review_3() -> None:
    fans = _outline("1000-true-fans").hook_lines
    assert "What is a true fan?" not in fans
    assert not [h for h in fans if "Question for me" in h or "from them" in h or "Re-read" in h]
    assert fans[0] == "A creator does not need millions of buyers."
    essay = _outline("굳이-하는-일들에-대하여").hook_lines
    assert not [h for h in essay if h.startswith(("하루에 백 장", "작년 겨울", "그래서"))]
    assert not [h for h in _outline("군산-책방-느린오후-리브랜딩").hook_lines if h.startswith("세 개 다")]


@pytest.mark.parametrize("name", ALL)
def test_the_lead_is_a_whole_unit_and_leaves_no_hole(name: str, posts: dict[str, tuple[str, str]]) -> None:
    """The lead is a whole paragraph or bullet: every idea is said either all in the lead or all in
    the body, and an idea that leans on the one before it is never left in the body without it."""
    lead, body = posts[name]
    o = _outline(name)
    flat = plain(body)
    for idea in o.ideas:
        said = [plain(t) in lead for t in idea.sentences]
        assert all(said) or not any(said), (name, idea.sentences)
    for before, idea in _premises(o):
        if plain(idea.sentences[0]) in flat and before.sentences:
            premise = bare(before.sentences[0])  # or the heading that says it
            assert premise in flat, (name, idea.sentences[0])
            assert flat.index(premise) < flat.index(plain(idea.sentences[0])), (name, idea.sentences[0])


def test_the_leads_of_review_3(posts: dict[str, tuple[str, str]]) -> None:
    lead, body = posts["1000-true-fans"]
    assert (
        lead
        == "A creator does not need millions of buyers. Around a thousand true fans can be enough to make a living."
    )
    assert "What is a true fan?\n\n- Someone who buys whatever you make" in body  # the question with its answer
    lead, body = posts["군산-책방-느린오후-리브랜딩"]
    assert "나머지는" not in lead and not lead.startswith("토요일")
    assert re.search(r"책을 산 사람은 7명\.\s+나머지는 사진 찍고", body)
    lead, body = posts["로컬브랜드-포럼-후기"]
    assert "3만" not in lead
    assert re.search(r"단골 300명이 있는 가게가 불황을 더 오래 버틴다\.\n- 하지만", body)
    lead, body = posts["굳이-하는-일들에-대하여"]
    assert "작년 겨울" not in lead
    assert "물론 모든 굳이가 좋은 건 아니다. 작년 겨울 시즌 메뉴를" in body  # her paragraph, whole
    lead, body = posts["12월-첫주-메모"]
    assert "연말 굿즈로 드립백 세트 만들자는 얘기가 나옴. 근데 그냥 드립백이면" in body


def _slides(deck: str) -> list[tuple[str, str]]:
    """(title, body text) of each slide, speaker notes left out."""
    out = []
    for slide in marp_slides(deck):
        shown = re.sub(r"<!--.*?-->", "", slide, flags=re.DOTALL)
        title = next(iter(re.findall(r"^#+ (.+)$", shown, re.M)), "")
        lines = [re.sub(r"^(\s*[-–]|\d+\.)\s+", "", ln) for ln in shown.splitlines() if not ln.startswith("#")]
        out.append((title, plain(" ".join(ln for ln in lines if ln.strip()))))
    return out


@pytest.mark.parametrize("name", DECKS)
def test_no_slide_shows_a_leaning_sentence_without_its_premise(name: str) -> None:
    """`나머지는 …`, `그래서 …`, `세 개 다 결국 …`: on the slide of the idea they lean on, or on the next
    slide under its title (`… (이어서)`); and the title slide's subtitle stands alone."""
    deck = _output(name, "workshop", "-slides.md")
    slides = _slides(deck)
    o = _outline(name)
    for before, idea in _premises(o):
        first = plain(idea.sentences[0])
        at = next((n for n, (t, text) in enumerate(slides) if first in text or bare(first) == bare(t)), None)
        if at is None or not before.sentences:
            continue
        premise = bare(before.sentences[0])
        title, text = slides[at]
        here = premise in text or premise == bare(title)
        continued = title.endswith(("(이어서)", "(continued)")) and (
            premise in slides[at - 1][1] or premise == bare(slides[at - 1][0])
        )
        assert here or continued, (name, first, title)
    subtitle = deck.split("\n# ", 1)[1].split("\n\n", 2)[1].strip()
    assert stands_alone(subtitle), (name, subtitle)
