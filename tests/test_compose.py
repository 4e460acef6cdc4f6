"""The compose stage: one plan per output, the channel shapes of shared/spec/editorial.md.

The seed book note (`프로세스-이코노미`) must come out in the shape of the spec's example: one
carousel of 5–10 slides with a cover and a call to action, a post whose lead is said once and
whose sections are the note's frameworks, a letter that links to the post, and a deck that
reaches the note's last section. A note with nothing to say writes nothing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml

from tasks.compose.ideas import ideas_of
from tasks.compose.outline import outline
from tasks.compose.stage import compose_note
from tasks.model import RenderResult
from tasks.pipeline import NOTHING_TO_SAY, open_vault, run_note
from tests.conftest import BOOK, EXAMPLE_VAULT, ROOT_NOTE
from tests.helpers import pipeline, render, settings_for


@pytest.fixture(scope="module")
def book() -> RenderResult:
    return render(EXAMPLE_VAULT, BOOK)


def _text(result: RenderResult, suffix: str, channel: str = "") -> str:
    return next(o.content.decode() for o in result.outputs if o.path.endswith(suffix) and o.channel.startswith(channel))


def _body(markdown: str) -> str:
    return markdown.split("\n---\n", 1)[1] if markdown.startswith("---\n") else markdown


def test_lead_ins_go_with_their_lists_and_labels_name_their_points() -> None:
    parsed, _, _, insights, _ = pipeline(EXAMPLE_VAULT, BOOK)
    ideas = {i.lines[0]: i for i in ideas_of(parsed, insights)}
    output = ideas[48]  # `아웃풋 이코노미에서 중요한건` and the two items that complete it
    assert output.named and output.name == "아웃풋 이코노미에서 중요한건" and len(output.points) == 2
    gap = ideas[54]  # `점점 … 사라진다.` / `이유는` / `1. …` `2. …` with their examples nested
    assert gap.intro == "이유는" and [p.number for p in gap.points] == [1, 2]
    assert gap.points[0].children and not any(p.text == "이유는" for p in gap.points)
    rakuten = ideas[202]
    assert rakuten.name == "라쿠텐 인기가게의 3가지 법칙" and [p.number for p in rakuten.points] == [1, 2, 3]


def test_the_outline_follows_the_notes_argument() -> None:
    parsed, _, _, insights, _ = pipeline(EXAMPLE_VAULT, BOOK)
    read = outline(parsed, insights, "ko")
    titles = [c.title for c in read.chapters]
    for framework in ("Self Us Now", "불확실한 상황에 대처하며 성과를 내는 원리", "라쿠텐 인기가게의 3가지 법칙"):
        assert framework in titles
    assert titles.index("Self Us Now") < titles.index("라쿠텐 인기가게의 3가지 법칙")  # the note's order
    assert sum(len(c.ideas) for c in read.chapters) == len(read.ideas)  # every idea in exactly one chapter
    assert read.hook == "사람들은 '무엇'이 아니라 '왜'에 지갑을 연다."  # scored, not the first line
    assert read.question == "당신의 '왜'는 무엇인가요?"
    assert read.closing is not None and "떠돌이 개미" in " ".join(read.closing.sentences)
    assert read.attribution.work == "프로세스 이코노미"


def test_the_seed_becomes_one_carousel_with_a_cover_ideas_and_a_call_to_action(book: RenderResult) -> None:
    carousels = [o for o in book.outputs if o.path.endswith("carousel.md")]
    assert [o.path for o in carousels] == ["instagram/post-01/carousel.md"]
    slides = re.findall(r"^## Slide \d+ \((\w+)\)(?:: (.*))?$", carousels[0].content.decode(), re.M)
    assert 5 <= len(slides) <= 10
    roles = [role for role, _ in slides]
    assert roles[0] == "cover" and roles[-1] == "cta" and set(roles[1:-1]) == {"idea"}
    titles = [t for _, t in slides if t]
    assert len(titles) == len(set(titles)) and "핵심 인사이트" not in titles
    assert slides[0][1] == "사람들은 '무엇'이 아니라 '왜'에 지갑을 연다."
    pngs = [o for o in book.outputs if o.path.startswith("instagram/post-01/slide-")]
    assert len(pngs) == len(slides)


def test_no_output_cuts_a_sentence_or_leaks_internal_names(book: RenderResult) -> None:
    for output in book.outputs:
        if output.path.endswith((".png", ".pptx", ".eml")) or output.channel == "atoms":
            continue
        text = _body(output.content.decode())
        text = re.sub(r"<!-- osmu .*?-->", "", text)
        assert "…" not in text, output.path
        assert not re.search(r"root-\d\d-|\.md\b|\[\[|Root \d+ -", text), output.path


def test_the_post_says_its_lead_once_in_sections_named_by_the_note(book: RenderResult) -> None:
    post = _text(book, ".md", "blog")
    front = yaml.safe_load(post.split("---\n", 2)[1])
    body = _body(post)
    lead = body.strip().split("\n\n", 1)[0]
    assert lead == "사람들은 '무엇'이 아니라 '왜'에 지갑을 연다."
    assert body.count(lead) == 1 and front["description"] != lead
    assert front["title"] == "『프로세스 이코노미』: 사람들은 '무엇'이 아니라 '왜'에 지갑을 연다"
    headings = re.findall(r"^## (.+)$", body, re.M)
    assert {"Self Us Now", "라쿠텐 인기가게의 3가지 법칙"} <= set(headings)
    assert headings[-2:] == ["마치며", "출처"] and "- 『프로세스 이코노미』" in body
    assert "> 100퍼센트 확실한 미래를 예측하는 지도는 어디에도 없다." in body.split("## 마치며")[1]
    paragraphs = [p.strip() for p in body.split("\n\n") if len(p.strip()) >= 20]
    assert len(paragraphs) == len(set(paragraphs))  # no paragraph twice


def test_the_letter_links_to_the_post_with_a_hook_subject(book: RenderResult) -> None:
    html, text = _text(book, ".html", "newsletter"), _text(book, ".txt", "newsletter")
    post = yaml.safe_load(_text(book, ".md", "blog").split("---\n", 2)[1])
    subject = text.split("\n", 1)[0]
    assert subject != "프로세스 이코노미" and 0 < len(subject) <= 40
    assert len(re.findall(r'class="takeaway"', html)) == 3 and html.count("<blockquote") == 1
    url = f"https://example.com/blog/{quote(post['slug'])}/"
    assert f"전문 읽기: {url}" in text
    link = re.search(r'<a class="button" href="([^"]+)"[^>]*>전문 읽기</a>', html)
    assert link is not None and link.group(1).startswith("https://example.com/blog/%")
    assert 'class="greeting"' in html and "안녕하세요." in text and 'class="signoff"' in html


def test_the_deck_covers_every_chapter_and_talks_beyond_the_slide(book: RenderResult) -> None:
    parsed, _, _, insights, settings = pipeline(EXAMPLE_VAULT, BOOK)
    composition = compose_note(parsed, insights, settings, ("workshop",))
    assert composition.outline is not None
    deck = composition.of("workshop")[0]
    covered = {i for s in deck.slots for i in s.insights}
    for chapter in composition.outline.chapters:
        assert covered & {i.id for i in chapter.ideas}, chapter.title  # the last section included
    slides = _text(book, "-slides.md", "workshop")
    titles = re.findall(r"^##(.*)$", slides, re.M)
    assert all(t.strip() for t in titles) and len(titles) == len(set(titles))  # every slide named, once
    for slide in slides.split("\n---\n")[2:]:
        shown = re.sub(r"<!--.*?-->", "", slide, flags=re.S)
        notes = re.search(r"<!--\n(.*?)\n-->", slide, re.S)
        assert notes is not None and notes.group(1).strip() not in shown
        assert "…" not in shown


@pytest.mark.parametrize(("total", "pause"), [(60, False), (90, True), (120, True)])
def test_guide_blocks_are_sized_by_content_with_a_break_from_90_minutes(total: int, pause: bool) -> None:
    result = render(EXAMPLE_VAULT, BOOK, ("workshop",), options={"workshop": {"total_minutes": total}})
    guide = _text(result, "-guide.md")
    rows = re.findall(r"^\| (\d+)분 \| (\d+)분 \| ([^|]+) \|", guide, re.M)
    assert sum(int(m) for _, m, _ in rows) == total
    assert any(name.strip() == "휴식" for *_, name in rows) is pause
    assert len({m for _, m, _ in rows}) >= 4  # not one fixed split


def test_the_manifest_records_which_insight_fills_which_slot(tmp_path: Path) -> None:
    settings = settings_for(EXAMPLE_VAULT, out=tmp_path)
    outcome = run_note(settings, open_vault(settings), Path(BOOK))
    manifest = json.loads((Path(outcome.result.out_dir) / "manifest.json").read_text(encoding="utf-8"))
    plans = {p["output"]: p for p in manifest["plans"]}
    assert {"post", "letter", "post-01", "deck"} <= set(plans)
    ids = {i["id"] for i in manifest["insights"]}
    carousel = plans["post-01"]
    assert next(s["role"] for s in carousel["slots"]) == "cover"
    assert all(set(s["insights"]) <= ids for p in plans.values() for s in p["slots"])
    assert len(plans["letter"]["alternatives"]["subject"]) >= 2  # the author can pick another subject
    assert [c["title"] for c in manifest["outline"]["chapters"]][:1] and manifest["outline"]["hook"] in ids


def test_a_root_note_shows_no_internal_label(tmp_path: Path) -> None:
    result = render(EXAMPLE_VAULT, ROOT_NOTE)
    for output in result.outputs:
        if output.path.endswith((".png", ".pptx")) or output.channel == "atoms":
            continue
        text = re.sub(r"<!-- osmu .*?-->", "", _body(output.content.decode()))
        assert "Root 04" not in text, output.path


@pytest.mark.parametrize(
    "text",
    ["", "---\ntitle: 빈 노트\n---\n", "---\ntitle: 링크만\n---\n\n## Related Notes\n\n- [[다른-노트]]\n"],
    ids=["empty", "front-matter-only", "links-only"],
)
def test_a_note_with_nothing_to_say_writes_nothing(text: str, tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / "note.md").write_text(text, encoding="utf-8")
    settings = settings_for(vault, out=tmp_path / "out")
    result = run_note(settings, open_vault(settings), Path("note.md")).result
    assert result.ok and result.skipped == NOTHING_TO_SAY and result.files == ()
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.md"))


def test_an_embedded_image_never_becomes_a_slide_or_a_hashtag(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    (vault / "notes").mkdir(parents=True)
    (vault / "notes" / "cafe.md").write_text(
        "---\ntitle: 발효 커피 실험\ntags: [카페, 000000, exported]\n---\n\n## 실험 기록\n\n"
        "발효 탱크의 온도를 18도로 낮췄더니 산미가 부드러워졌다.\n\n![[발효-탱크-기록.png]]\n\n"
        "- 온도를 사용해서 맛을 조절하는 게 핵심이다.\n- 손님 세 명이 더 달다고 말했다.\n\n"
        "## 다음 실험\n\n원두를 바꾸기 전에 발효 시간을 먼저 늘려 볼 생각이다.\n\n"
        "실패한 배치도 버리지 않고 기록해 두면 다음 실험의 지도가 된다.\n",
        encoding="utf-8",
    )
    result = render(vault, "notes/cafe.md", ("instagram",))
    carousel, caption = _text(result, "carousel.md"), _text(result, "caption.txt")
    assert ".png" not in re.sub(r"^alt: .*$", "", carousel, flags=re.M) and ".png" not in caption
    hashtags = caption.strip().split("\n")[-1].split()
    assert "#카페" in hashtags and not {"#000000", "#exported"} & set(hashtags)
    assert caption.strip().split("\n")[-3].endswith("?")  # the caption asks the reader


def test_bullets_without_full_stops_stay_a_list_never_one_run_on_sentence(tmp_path: Path) -> None:
    """`- 바쁜 아침에는 그 3분이 없다` / `- 빈 노트가 … 쓰게 된다` read "그 3분이 없다 빈 노트가…" when
    their sentences were joined as prose; bullets of whole sentences still read as prose, and a
    heading-like first bullet (`열정적으로 공감하게 하라`) still names its idea."""
    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / "habit.md").write_text(
        "# 데일리 노트 자동화\n\n## 왜 자동화했나\n\n"
        "기록이 끊기는 날은 대부분 노트를 만드는 단계에서 막힌 날이었다.\n\n"
        "- 날짜 파일 이름을 치고, 템플릿을 붙이고, 어제 할 일을 옮기는 데 3분\n- 바쁜 아침에는 그 3분이 없다\n"
        "- 빈 노트가 미리 열려 있으면 한 줄은 쓰게 된다\n\n## 써 보니\n\n"
        "- 한 달 동안 빠진 날이 열흘에서 하루로 줄었다\n- 사흘 넘게 남은 할 일은 안 할 일이다. 지운다.\n\n"
        "## 공감\n\n- 열정적으로 공감하게 하라\n- 진심으로 몰두하는 사람을 보면 주변 사람들은 그를 응원하고 싶어진다.\n"
        "- 이것이 과정을 공개하는 일의 묘미다.\n",
        encoding="utf-8",
    )
    parsed, _, _, insights, _ = pipeline(vault, "habit.md")
    named = next(i for i in ideas_of(parsed, insights) if "응원하고 싶어진다" in i.text)
    assert named.name == "열정적으로 공감하게 하라" and named.named and not named.points
    post = _body(_text(render(vault, "habit.md", ("blog",)), ".md", "blog"))
    assert "- 바쁜 아침에는 그 3분이 없다\n- 빈 노트가 미리 열려 있으면 한 줄은 쓰게 된다" in post
    assert "옮기는 데 3분\n- 바쁜 아침에는" in post  # one list, not two
    assert "**열정적으로 공감하게 하라**\n\n진심으로 몰두하는" in post
    assert "- 한 달 동안 빠진 날이 열흘에서 하루로 줄었다\n- 사흘 넘게" in post
    assert not re.search(r"(없다|줄었다) [가-힣]", post)  # no bullet runs into the next one
