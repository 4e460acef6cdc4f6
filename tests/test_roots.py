"""Stage roots: identity by slug, aliases, number drift, missing links."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tasks.model import NoteRoots, RootIndex
from tasks.roots.index import build_root_index, match_text, normalize_slug
from tasks.roots.tags import link_context, tag_insight
from tasks.settings import load_settings
from tasks.vault.read import read_roots
from tests.conftest import BOOK, EXAMPLE_VAULT
from tests.helpers import pipeline


def test_slugs_ignore_numbers_and_path_forms() -> None:
    for raw in ("[[../../00-roots/root-08-프로세스-공유]]", "root-04-프로세스-공유", "프로세스 공유", "프로세스-공유"):
        assert normalize_slug(raw) == "프로세스-공유"


def test_root_index_has_the_vault_ontology() -> None:
    _, _, index, _, _ = pipeline(EXAMPLE_VAULT, BOOK)
    slugs = {r.slug for r in index.roots}
    assert {"프로세스-공유", "의미가치", "응원-경제", "인사이드-아웃", "아카이브-사고", "과도함", "현장감"} <= slugs
    root = index.get("프로세스-공유")
    assert root is not None and root.number == 4 and "Process Sharing" in root.aliases


def test_book_note_roots_from_front_matter_and_links_with_number_warnings() -> None:
    _, note_roots, _, _, _ = pipeline(EXAMPLE_VAULT, BOOK)
    reasons = {(t.slug, t.reason) for t in note_roots.tags}
    for slug in ("프로세스-공유", "의미가치", "응원-경제"):
        assert (slug, "frontmatter") in reasons and (slug, "link") in reasons
    drift = [d for d in note_roots.diagnostics if d.code == "root-number"]
    assert {d.line for d in drift} == {15, 16, 17}
    assert "root-08" in drift[0].message and "root-04" in drift[0].message
    missing = [d for d in note_roots.diagnostics if d.code == "missing-link"]
    assert len(missing) >= 15 and all(d.file == BOOK for d in missing)


def test_text_match_names_the_evidence() -> None:
    _, _, index, _, _ = pipeline(EXAMPLE_VAULT, BOOK)
    tags = match_text("결국 의미가치에 눈을 돌려야 한다", index, line=7)
    assert [(t.slug, t.reason, t.line) for t in tags] == [("의미가치", "text", 7)]


def test_text_match_works_on_morphemes_not_substrings() -> None:
    _, _, index, _, _ = pipeline(EXAMPLE_VAULT, BOOK)
    assert [t.slug for t in match_text("프로세스를 공유해서 팬을 확보한다", index)] == ["프로세스-공유"]
    assert [t.slug for t in match_text("Think about process sharing first.", index)] == ["프로세스-공유"]
    assert match_text("프로세스를 만들고 나서 공유했다", index) == ()  # a verb in between breaks the name


def test_root_profiles_hold_distinctive_words() -> None:
    _, _, index, _, _ = pipeline(EXAMPLE_VAULT, BOOK)
    cheering = dict(index.get("응원-경제").profile)  # type: ignore[union-attr]
    assert "세컨드 크리에이터" in cheering and "프로세스" not in cheering  # other roots' names are not its evidence


def test_user_aliases_from_settings() -> None:
    notes, diagnostics = read_roots(EXAMPLE_VAULT, "00-roots")
    index = build_root_index(notes, diagnostics, {"프로세스-공유": ["빌드 인 퍼블릭"], "없는-루트": ["x"]})
    assert "빌드 인 퍼블릭" in index.get("프로세스-공유").aliases  # type: ignore[union-attr]
    assert [t.slug for t in match_text("요즘은 빌드 인 퍼블릭이 대세", index)] == ["프로세스-공유"]
    assert any(d.code == "unknown-root" and "없는-루트" in d.message for d in index.diagnostics)
    settings = load_settings(None, {"root_aliases": {"의미가치": ["meaning first"]}})
    assert settings.root_aliases == {"의미가치": ("meaning first",)}


def test_the_notes_own_words_for_a_linked_root_count_as_evidence() -> None:
    parsed, note_roots, index, insights, _ = pipeline(EXAMPLE_VAULT, BOOK)
    context = link_context(parsed.note.text, note_roots, index)
    assert {"충성도", "팬", "확보", "파타고니아"} <= context["응원-경제"]  # line 17: "충성도 높은 팬 확보, …"
    fans = next(i for i in insights if i.text.startswith("사람도 물건도 쉽게 잊히는 세상이다."))
    cheering = next(t for t in fans.roots if t.slug == "응원-경제")
    assert cheering.reason in ("frontmatter", "link") and "팬" in cheering.evidence


def test_front_matter_tags_point_at_the_root_concepts_line() -> None:
    _, note_roots, _, _, _ = pipeline(EXAMPLE_VAULT, BOOK)
    assert {t.line for t in note_roots.tags if t.reason == "frontmatter"} == {6}


def test_root_index_is_built_once_and_again_when_a_root_note_changes(vault: Path, tmp_path: Path) -> None:
    from tasks.roots.cache import cached_root_index

    builds: list[int] = []

    def build(*args: Any) -> RootIndex:
        builds.append(1)
        return build_root_index(*args)

    cache = tmp_path / "cache"  # its entries are in cache / "roots"
    first = cached_root_index(*read_roots(vault, "00-roots"), {}, build, cache)
    again = cached_root_index(*read_roots(vault, "00-roots"), {}, build, cache)
    assert len(builds) == 1 and again == first
    note = next((vault / "00-roots").glob("root-04-*.md"))
    note.write_text(note.read_text(encoding="utf-8") + "\n새 문단: 과정 공유의 기록.\n", encoding="utf-8")
    changed = cached_root_index(*read_roots(vault, "00-roots"), {}, build, cache)
    aliased = cached_root_index(*read_roots(vault, "00-roots"), {"프로세스-공유": ("과정 공유",)}, build, cache)
    assert len(builds) == 3 and changed != first and aliased != changed
    assert [p.stat().st_mode & 0o777 for p in (cache / "roots").iterdir()] == [0o600] * 3
    secret = vault / "00-roots" / "root-99-비밀-뿌리.md"
    secret.write_text("---\npublish: false\n---\n\n# 비밀 뿌리\n", encoding="utf-8")
    notes, problems = read_roots(vault, "00-roots")
    assert any("비밀" in d.file for d in problems)
    index = cached_root_index(notes, problems, {}, build, cache)
    assert cached_root_index(notes, problems, {}, build, cache) == index and len(builds) == 4
    assert all("비밀".encode() not in p.read_bytes() for p in (cache / "roots").iterdir())


def test_a_passage_a_root_note_quotes_carries_that_root_by_the_quote_itself() -> None:
    """Issue #16 follow-up: root-07 quotes line 158 of the book note (`정답을 도출해내는 데 골몰하기
    보다는 …`), so the insight holding it carries 아카이브-사고, and its evidence is that passage
    as the book writes it: a long run the root note holds, never a list of common words
    (`다음, 정답, 골몰`). A sentence sharing only those words with root-07 is not tagged."""
    from tasks.nlp import korean
    from tasks.roots.index import squash
    from tasks.roots.tags import QUOTE_RUN

    parsed, _, index, insights, _ = pipeline(EXAMPLE_VAULT, BOOK)
    revision = next(i for i in insights if i.text.startswith("우리는 정답주의에서 수정주의로"))
    assert revision.lines[0] == 152
    archive = next(t for t in revision.roots if t.slug == "아카이브-사고")
    assert archive.reason == "text" and "," not in archive.evidence
    assert len(korean.content_morphemes(archive.evidence)) >= QUOTE_RUN
    assert archive.evidence.startswith("정답을 도출해내는 데 골몰하기 보다는 미완의 작품을")
    assert archive.evidence in parsed.note.text  # as the book writes it
    root_note = (EXAMPLE_VAULT / "00-roots" / "root-07-아카이브-사고.md").read_text(encoding="utf-8")
    assert squash(archive.evidence) in squash(root_note)  # the root note's quotation
    alone = NoteRoots(())
    common = tag_insight("정답을 찾는 데 골몰한 다음 대중 앞에 선보인다.", 1, "x.md", alone, index)
    assert common == ()


def test_a_short_sentence_quoted_whole_is_matched_on_its_letters() -> None:
    """`사람들은 '무엇'이 아니라 '왜'에 지갑을 연다` has four content morphemes (too few for a run)
    but is root-04's and root-05's quotation letter for letter."""
    _, _, index, _, _ = pipeline(EXAMPLE_VAULT, BOOK)
    tags = tag_insight("사람들은 '무엇'이 아니라 '왜'에 지갑을 연다.", 1, "x.md", NoteRoots(()), index)
    assert {t.slug for t in tags} == {"프로세스-공유", "인사이드-아웃"}
    assert all(t.reason == "text" and t.evidence == "사람들은 '무엇'이 아니라 '왜'에 지갑을 연다" for t in tags)
    # half of it is everyday phrasing
    assert tag_insight("사람들은 왜 지갑을 열까?", 1, "x.md", NoteRoots(()), index) == ()


def test_named_cases_tag_the_roots_that_name_them() -> None:
    """A proper noun a root note names as its case (a heading under `… 사례`, a list item's
    head, a quotation's source), mentioned by at most two root notes, tags those roots."""
    _, _, index, _, _ = pipeline(EXAMPLE_VAULT, BOOK)
    alone = NoteRoots(())

    def tags(text: str) -> dict[str, str]:
        return {t.slug: t.evidence for t in tag_insight(text, 1, "x.md", alone, index) if t.reason == "text"}

    assert "파타고니아" in index.get("응원-경제").cases  # type: ignore[union-attr]
    assert tags("파타고니아는 옷을 덜 사라고 광고했다.") == {"응원-경제": "파타고니아", "프로세스-공유": "파타고니아"}
    # root-05 names Y Combinator, root-06 quotes it as `와이 콤비네이터`; spacing and particles do not matter
    assert tags("와이콤비네이터에서는 면접이 짧다.") == {
        "인사이드-아웃": "와이 콤비네이터",
        "현장감": "와이 콤비네이터",
    }
    assert set(tags("Y Combinator interviews ask why.")) == {"인사이드-아웃", "프로세스-공유"}
    assert set(tags("Zappos sells shoes.")) == {"과도함", "프로세스-공유"}
    # three root notes name 라쿠텐: it tells none apart; a Latin name inside a word is no name
    assert tags("라쿠텐에서 물건을 샀다.") == {}
    assert tags("A colorful Zapposian sketch.") == {}
    # the author's own brand and passing mentions are no cases
    cases = {c for r in index.roots for c in r.cases}
    assert not cases & {"IMI WORK", "IMI WORK 카페", "프로세스 이코노미", "Instagram", "데일리", "라쿠텐"}


def test_english_names_and_phrases_match_english_text() -> None:
    _, _, index, _, _ = pipeline(EXAMPLE_VAULT, BOOK)
    alone = NoteRoots(())
    structure = tag_insight("We tell it with the SELF-US-NOW structure.", 1, "x.md", alone, index)
    assert [(t.slug, t.evidence) for t in structure] == [("프로세스-공유", "SELF-US-NOW")]  # as written
    thinking = tag_insight("Our Archive-Thinking habit.", 1, "x.md", alone, index)
    assert [(t.slug, t.evidence) for t in thinking] == [("아카이브-사고", "Archive Thinking")]


def test_a_word_of_a_linked_roots_english_name_carries_it() -> None:
    """building-in-public links root-07 as `archive thinking`; its `the archive turns into
    stories later` says a word of that name: it inherits the link (one English word of the
    root's name, said by the note's own link line, is evidence; a Korean one such as `가치` is not)."""
    from tests.conftest import ROOT

    note = ROOT / "tests" / "fixtures" / "insights" / "building-in-public.md"
    _, _, _, insights, _ = pipeline(EXAMPLE_VAULT, str(note))
    archive = next(i for i in insights if "archive turns" in i.text)
    tag = next(t for t in archive.roots if t.slug == "아카이브-사고")
    assert tag.reason == "link" and "archiv" in tag.evidence
    promoting = next(i for i in insights if i.text.startswith("Sharing is not"))
    assert "아카이브-사고" not in promoting.root_slugs


def test_text_alone_needs_a_name_or_a_distinctive_phrase() -> None:
    _, _, index, _, _ = pipeline(EXAMPLE_VAULT, BOOK)
    alone = NoteRoots(())

    def slugs(text: str) -> list[str]:
        return [t.slug for t in tag_insight(text, 1, "x.md", alone, index)]

    # a root named in a sentence, by its title or an alias, with particles attached
    assert slugs("요즘 나는 아카이브 사고로 하루를 정리한다.") == ["아카이브-사고"]
    assert slugs("결국 팬 경제가 답이었다.") == ["응원-경제"]  # an alias (`aliases:` of root-01)
    named = tag_insight("인사이드 아웃으로 시작하면 흔들리지 않는다.", 7, "x.md", alone, index)
    assert [(t.slug, t.reason, t.evidence, t.line) for t in named] == [("인사이드-아웃", "text", "인사이드 아웃", 7)]
    # a phrase only root-05 names (`### 4. 필터 버블 경계`)
    bubble = tag_insight("필터 버블에 갇히면 내 취향만 보인다.", 3, "x.md", alone, index)
    assert [(t.slug, t.reason) for t in bubble] == [("인사이드-아웃", "text")] and "필터 버블" in bubble[0].evidence
    # root-07's quotation shares `정답`, `다음`, `골몰` with this sentence: no evidence
    assert slugs("정답을 찾는 데 골몰한 다음 대중 앞에 선보인다.") == []


def _declared(index: RootIndex, *slugs: str) -> NoteRoots:
    """Roots a note declares in front matter, the first being its main root."""
    from tasks.model import RootTag

    return NoteRoots(tuple(RootTag(s, "frontmatter", "root-concepts", 2, 1.0) for s in slugs))


def test_an_english_insight_under_korean_root_notes_inherits_the_main_root() -> None:
    """The Korean root notes cannot share a word with an English sentence: no shared word is then
    no evidence against the main root the note declares (show-your-work: `Tell good stories …
    keep the failures in the story`). A root named outright still outweighs it, and a Korean
    sentence still needs the main root's words."""
    _, _, index, _, _ = pipeline(EXAMPLE_VAULT, BOOK)
    note = _declared(index, "프로세스-공유", "응원-경제")

    def slugs(text: str) -> list[str]:
        return [t.slug for t in tag_insight(text, 9, "x.md", note, index)]

    assert slugs("Tell good stories. A story needs a struggle, so keep the failures in it.") == ["프로세스-공유"]
    assert slugs("Start from the inside out, with what you care about.") == ["인사이드-아웃"]
    assert slugs("오늘 점심은 김치찌개였다.") == []


def test_the_main_roots_link_line_lends_it_one_word() -> None:
    """A note links its main root with its own reason (`커피 맛보다 이유`): one word of that
    reason in an insight carries the main root; another root needs two."""
    from tests.conftest import ROOT

    note = ROOT / "tests" / "fixtures" / "insights" / "카페-브랜딩-메모.md"
    _, _, _, insights, _ = pipeline(EXAMPLE_VAULT, str(note))
    coffee = next(i for i in insights if i.text.startswith("손님은 커피를"))
    tag = next(t for t in coffee.roots if t.slug == "의미가치")
    assert "커피" in tag.evidence
    assert "현장감" not in coffee.root_slugs
