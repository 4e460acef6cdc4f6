"""Carousel and caption rules learned from notes osmu had never seen (tests/fixtures/insights): each
idea fills one place per output, a title names its own body, a lead-in keeps its list, a caption
paragraph is a whole idea."""

from __future__ import annotations

import re
from functools import cache

from tasks.compose.ideas import bare
from tests.conftest import EXAMPLE_VAULT, ROOT
from tests.helpers import render

NOTES = ROOT / "tests" / "fixtures" / "insights"


@cache
def _post(name: str) -> tuple[str, list[str]]:
    """The carousel.md body and the caption's paragraphs of one fixture note."""
    result = render(EXAMPLE_VAULT, str(NOTES / f"{name}.md"), ("instagram",))
    files = {
        o.path.rsplit("/", 1)[-1]: o.content.decode()
        for o in result.outputs
        if o.channel == "instagram" and o.path.endswith((".md", ".txt"))
    }
    caption = files["caption.txt"].strip().split("\n·\n")
    return files["carousel.md"].split("\n---\n", 1)[1], caption


def _slides(carousel: str) -> list[tuple[str, str, list[str]]]:
    """(role, title, body lines) of each slide."""
    out = []
    for part in re.split(r"^## Slide \d+ ", carousel, flags=re.M)[1:]:
        head, *body = part.split("\n")
        role, _, title = head.partition(": ")
        lines = [b.strip().lstrip("- ").strip() for b in body if b.strip() and not b.startswith("alt:")]
        out.append((role.strip("()"), title, lines))
    return out


ALL = (  # 강의-준비-메모 is mostly the author's logistics: it has no carousel (tests/test_logistics.py)
    "building-in-public",
    "slow-marketing",
    "뉴스레터-운영-메모",
    "브랜드-보이스-책노트",
    "워크숍-회고",
    "카페-브랜딩-메모",
    "팝업스토어-프로젝트",
)


def test_the_cover_hook_never_comes_back_on_a_later_slide() -> None:
    """`답장 한 통이 …` on the cover and again on slide 6; `Every post is also an archive entry.` under
    `The Seth Godin test`: the slide now says only the rest of its idea (or is left out)."""
    for name in ALL:
        slides = _slides(_post(name)[0])
        hook = bare(slides[0][1])
        later = [bare(line) for _, title, body in slides[1:] for line in (title, *body)]
        assert hook not in later, name


def test_a_question_hook_keeps_its_answer_on_its_slide() -> None:
    """The answer stands under the question on the cover (never four slides later, alone)."""
    slides = _slides(_post("building-in-public")[0])
    assert "Record it anyway: the archive turns into stories later." in slides[0][2]


def test_the_closing_slide_never_repeats_an_idea_slide() -> None:
    """The CTA asked `작업 로그 템플릿을 미리 배포했는가?` under the checklist that says it, or the
    question of the slide before it: no line of the closing title is said by an idea slide."""
    for name in ("카페-브랜딩-메모", "워크숍-회고", "팝업스토어-프로젝트"):
        slides = _slides(_post(name)[0])
        role, title, _ = slides[-1]
        assert role == "cta" and title, name
        said = {bare(line) for _, t, body in slides[1:-1] for line in (t, *body)}
        assert bare(title) not in said, name


def test_a_slide_title_names_its_own_body() -> None:
    """`Slow marketing rests on three habits` sat over `Fast marketing buys attention…`, `The Seth Godin
    test` over the archive line: a title from a neighbour is never used."""
    slides = _slides(_post("slow-marketing")[0])
    titled = {title: body for role, title, body in slides if role == "idea" and title}
    assert "Slow marketing rests on three habits" not in titled or any(
        line.startswith("1.") for line in titled["Slow marketing rests on three habits"]
    )
    assert titled.get("The Seth Godin test", [""])[0].startswith("He calls it the smallest viable audience")


def test_a_lead_in_is_shown_with_its_list_and_a_label_with_its_payoff() -> None:
    """`❌ 하지 말 것 / ✅ 할 것` without their items; `현장 기록` without the dessert result."""
    popup = _post("팝업스토어-프로젝트")[0]
    assert "- ❌ 팝업에서 하지 말 것\n  - 완성된 제품만 진열하고 설명 패널 붙이기" in popup
    assert "  - 방문자 수보다 다시 온 사람 수 세기" in popup
    workshop = _post("워크숍-회고")[0]
    assert "  - 질문을 마지막에 몰아서 받기" in workshop and "  - 질문은 과정 중간중간에" in workshop
    cafe = _post("카페-브랜딩-메모")[0]
    assert "그날 만든 디저트 페어링 실험이 다음 주 시그니처가 되었다." in cafe


def test_a_slide_that_makes_no_sense_alone_is_left_out() -> None:
    """The meta-intro `Notes on …`, and a slide opening on `그래서` or `He` away from the line it leans
    on. (`실습: …` over `5분.` and the schedule line `다음 주 … 강의, 90분.` came from 강의-준비-메모, which
    has no carousel now that its logistics are left out: tests/test_logistics.py.)"""
    slow, caption = _post("slow-marketing")
    assert "Notes on building" not in slow and not any(p.startswith("Notes on") for p in caption)
    for name in ALL:
        for _role, title, body in _slides(_post(name)[0])[1:]:
            first = title or (body[0] if body else "")
            assert not re.match(r"(그래서|즉|이게|He|It|This)\b", first), (name, first)
    cafe = _slides(_post("카페-브랜딩-메모")[0])
    joined = ["가격으로는 프랜차이즈를 이길 수 없다.", "그래서 우리는 의미로 선택받아야 한다."]
    assert any(body[:2] == joined for *_, body in cafe)  # `그래서 …` joins the line it follows


def test_caption_paragraphs_are_whole_ideas() -> None:
    """A quote cut in half, `In a year, …`, `끝까지 함께 가는 사람이 생긴다.` and `냄새가 퍼지면 …` torn from
    their first sentence, `He calls it …` with no referent, `…배포했는가?, …`."""
    slow = _post("slow-marketing")[1]
    assert '"Nobody remembers the campaign. They remember the person who kept showing up."' in slow
    assert slow[0] == "Every post is also an archive entry. In a year, the back catalogue does the selling."
    assert not any(p.startswith(("In a year", "He ")) for p in slow)
    letters = _post("뉴스레터-운영-메모")[1]
    assert letters[0] == "답장 한 통이 구독자 백 명보다 힘이 세다. 끝까지 함께 가는 사람이 생긴다."
    popup = _post("팝업스토어-프로젝트")[1]
    assert popup[0].endswith("냄새가 퍼지면 지나가던 사람들이 멈춰 선다.")
    assert "같은 주에 대형 화장품 브랜드 팝업이 열렸다." not in popup
    building = _post("building-in-public")[1]
    assert building[0].startswith("What do you do when the process is boring? Record it anyway")
    for name in ALL:
        caption = _post(name)[1]
        for paragraph in caption[1:]:
            assert not re.match(r"(그래서|즉|이게|He|It|This)\b", paragraph), (name, paragraph)
            assert paragraph.count('"') % 2 == 0, (name, paragraph)
            assert "?," not in paragraph and "?." not in paragraph, (name, paragraph)
        texts = [bare(p) for p in caption]
        assert len(texts) == len(set(texts)), name


def test_a_group_label_is_drawn_over_its_nested_items() -> None:
    """On the PNG, `❌ 하지 말 것` once showed as a bullet with nothing under it: nested lines (a tab)
    hang under their label with a dash."""
    from tasks.builders.carousel import _items, find_font

    face = find_font()
    assert _items(("하지 말 것:", "\t질문을 마지막에 몰아서 받기", "할 것:"), face) == [
        ("", "하지 말 것:"),
        ("–", "질문을 마지막에 몰아서 받기"),
        ("", "할 것:"),
    ]


def test_a_quotation_joins_the_claim_right_before_it() -> None:
    """`Sharing is not the same as promoting.` and its quote were two thin slides: one slide now."""
    slides = _slides(_post("building-in-public")[0])
    assert any(
        body == ["Sharing is not the same as promoting.", '"Show the kitchen, not only the plate."']
        for *_, body in slides
    )
