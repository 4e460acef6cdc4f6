"""Attribution, particles, hashtags and quotes learned from six blind notes (review 3, items 9 and 10):
the author of a work read from the note's title, no front-matter category printed as a source, a
book credited only under what the note marks as a quotation, particles chosen from the word (never
`을(를)`), no note-type hashtags, and quotation marks that never nest."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tasks.channels.newsletter import fit_preheader
from tasks.compose.outline import attribution, question_of
from tasks.model import RenderResult
from tasks.nlp.korean import final_consonant, particle, quote_title
from tests.conftest import EXAMPLE_VAULT, ROOT
from tests.helpers import output_text, pipeline, render

NOTES = ROOT / "tests" / "fixtures" / "insights"
FANS = str(NOTES / "1000-true-fans.md")
BOOK = str(NOTES / "브랜드가-되어-간다는-것.md")
ESSAY = str(NOTES / "굳이-하는-일들에-대하여.md")
FORUM = str(NOTES / "로컬브랜드-포럼-후기.md")
GUNSAN = str(NOTES / "군산-책방-느린오후-리브랜딩.md")
MEMO = str(NOTES / "12월-첫주-메모.md")
HEDGE = re.compile(r"[을은이]\([를는가]\)|[를는가]\([을은이]\)")


def _sources(text: str, heading: str) -> list[str]:
    """The lines under the sources heading (`## 출처` or `출처`) up to the next blank line after them."""
    lines = text.split("\n")
    start = next(n for n, line in enumerate(lines) if line.lstrip("# ").strip() == heading) + 1
    out: list[str] = []
    for line in lines[start:]:
        if not line.strip():
            if out:
                break
            continue
        out.append(line)
    return out


def _vault(tmp_path: Path, name: str, text: str) -> tuple[Path, str]:
    vault = tmp_path / "vault"
    (vault / ".obsidian").mkdir(parents=True, exist_ok=True)
    note = vault / name
    note.write_text(text, encoding="utf-8")
    return vault, str(note)


# --- attribution -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fans() -> RenderResult:
    return render(EXAMPLE_VAULT, FANS, ("blog", "newsletter"))


def test_an_article_note_credits_the_author_from_its_title_never_its_category(fans: RenderResult) -> None:
    """`title: 1,000 True Fans (Kevin Kelly)`, `source: article`, opening `Kevin Kelly's 2008 essay.`:
    the sources said `- article` (the front-matter kind) and never named Kevin Kelly."""
    blog = output_text(fans, ".md", "blog")
    letter = output_text(fans, ".txt", "newsletter")
    for lines in (_sources(blog.split("\n---\n", 1)[1], "Sources"), _sources(letter, "Sources")):
        assert lines == ["- Kevin Kelly, “1,000 True Fans” (2008)"]
    assert "- article" not in blog.split("\n---\n", 1)[1] and "- article" not in letter


def test_a_book_note_takes_its_author_from_the_h1() -> None:
    """`title: 브랜드가 되어 간다는 것`, `# 브랜드가 되어 간다는 것 - 강민호`: the author was dropped."""
    result = render(EXAMPLE_VAULT, BOOK, ("blog", "newsletter"))
    blog = output_text(result, ".md", "blog").split("\n---\n", 1)[1]
    assert _sources(blog, "출처") == ["- 『브랜드가 되어 간다는 것』, 강민호"]
    assert _sources(output_text(result, ".txt", "newsletter"), "출처") == ["- 『브랜드가 되어 간다는 것』, 강민호"]


def test_the_book_is_credited_only_under_what_the_note_marks_as_a_quotation(tmp_path: Path) -> None:
    """In a book note, a `>` quotation and a `####` highlight are the book's words (spec/vault.md:
    `#### …` lines are highlighted quotations from the book) and carry its credit; the author's own
    bullets never do, and a note that is no book credits no book."""
    vault, note = _vault(
        tmp_path,
        "책.md",
        "---\ntitle: 작은 가게의 말투 - 한정우\ntags: [books]\n---\n\n# 작은 가게의 말투 - 한정우\n\n"
        "## 핵심\n\n- 말투는 가게의 얼굴이다. 메뉴판과 영수증이 같은 사람처럼 말해야 한다.\n\n"
        "> 손님은 말투로 가게를 기억한다.\n\n#### 간판보다 먼저 닿는 건 말 한마디다.\n\n"
        "- 말투를 정하면 직원이 바뀌어도 가게는 그대로 말한다. 그래서 말투는 문서로 남긴다.\n",
    )
    text = output_text(render(vault, note, ("blog",)), ".md", "blog")
    assert "> 손님은 말투로 가게를 기억한다.\n>\n> — 『작은 가게의 말투』" in text
    highlight = "> 간판보다 먼저 닿는 건 말 한마디다."  # unless it is the lead (the title says it)
    assert highlight not in text or f"{highlight}\n>\n> — 『작은 가게의 말투』" in text
    assert text.count("> — 『") == len(re.findall(r"(?m)^> (?!— )\S", text))  # each quotation once, no bullet
    vault, note = _vault(
        tmp_path / "own",
        "메모.md",
        "---\ntitle: 말투 메모\ntags: [메모]\n---\n\n# 말투 메모\n\n"
        "## 핵심\n\n- 말투는 가게의 얼굴이다. 메뉴판과 영수증이 같은 사람처럼 말해야 한다.\n\n"
        "#### 나는 영수증부터 고쳐 보기로 했다.\n\n"
        "- 말투를 정하면 직원이 바뀌어도 가게는 그대로 말한다. 그래서 말투는 문서로 남긴다.\n",
    )
    own = output_text(render(vault, note, ("blog",)), ".md", "blog")
    assert "나는 영수증부터 고쳐 보기로 했다" in own and "> — " not in own


def test_a_category_source_and_an_unclear_bracket_are_never_credited(tmp_path: Path) -> None:
    """`source: essay` is a kind, and `(성수)` / `(김민수)` in the title of the author's own note is no
    author: nothing is credited."""
    vault, note = _vault(
        tmp_path,
        "회고.md",
        "---\ntitle: 카페 회고 (김민수)\nsource: essay\ntags: [카페]\n---\n\n# 카페 회고 (성수)\n\n"
        "- 단골은 이유를 기억한다. 가격은 그다음이다.\n",
    )
    parsed = pipeline(vault, note)[0]
    credit = attribution(parsed)
    assert (credit.work, credit.author, credit.piece, credit.credit) == ("", "", "", ())
    blog = output_text(render(vault, note, ("blog",)), ".md", "blog")
    assert "## 출처" not in blog and "- essay" not in blog


# --- particles ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "object_", "topic", "subject"),
    [
        ("책방", "을", "은", "이"),
        ("'느린오후'", "를", "는", "가"),  # through the closing quote
        ("「굳이」", "를", "는", "가"),
        ("브랜드(Brand)", "를", "는", "가"),  # the bracket is read after the word
        ("3", "을", "은", "이"),  # 삼
        ("2", "를", "는", "가"),  # 이
        ("100", "을", "은", "이"),  # 백
    ],
)
def test_a_particle_is_chosen_from_the_last_syllable(word: str, object_: str, topic: str, subject: str) -> None:
    assert (particle(word, "을"), particle(word, "은"), particle(word, "이")) == (object_, topic, subject)


def test_a_latin_ending_gets_no_particle_and_the_question_is_rephrased() -> None:
    """`당신의 'fans'은(는) 무엇인가요?`: a hedge the author would never write."""
    assert final_consonant("true fans") is None and particle("fans", "는") is None
    question = question_of([], "진짜 'fans'가 답이다", "ko")
    assert not HEDGE.search(question) and "fans" in question
    assert question_of([], "진짜 '단골'이 답이다", "ko") == "당신의 '단골'은 무엇인가요?"


def test_no_template_or_code_can_print_a_particle_hedge() -> None:
    """Every place that once wrote `을(를)`, `은(는)`, `이(가)` picks the form instead."""
    for path in [*(ROOT / "tasks").rglob("*.py"), *(ROOT / "channel_templates").rglob("*.*")]:
        if path.suffix in (".py", ".j2", ".yaml", ".md", ".txt", ".html"):
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"\"[을은이]\([를는가]\)\"|[을은이]\([를는가]\)[ '\"]", text), path


@pytest.mark.parametrize("note", [FANS, BOOK, ESSAY, FORUM, GUNSAN, MEMO])
def test_no_output_of_the_blind_notes_has_a_particle_hedge(note: str) -> None:
    result = render(EXAMPLE_VAULT, note)
    for out in result.outputs:
        if out.path.endswith((".md", ".txt", ".html", ".eml")):
            assert not HEDGE.search(out.content.decode("utf-8", "replace")), out.path


# --- quotation marks ---------------------------------------------------------------------------------


def test_a_title_with_a_quote_in_it_is_quoted_with_other_marks() -> None:
    """`'군산 책방 '느린오후' 리브랜딩'` nested one pair of `'` inside another."""
    assert quote_title("군산 책방 '느린오후' 리브랜딩") == "“군산 책방 '느린오후' 리브랜딩”"
    assert quote_title("굳이 하는 일들에 대하여") == "'굳이 하는 일들에 대하여'"
    assert quote_title("'a' and \"b\"") == "「'a' and \"b\"」"
    text = fit_preheader([], 85, 100, "11.04 군산 책방 '느린오후' 리브랜딩")
    assert "''" not in text and not re.search(r"'[^'“”]*'[^'“”]*'[^'“”]*'", text)


def test_labels_never_put_a_title_inside_single_quotes() -> None:
    """The labels format a title already quoted by `quote_title` (`'{title}'의` nested its quotes)."""
    labels = (ROOT / "channel_templates" / "_base" / "labels.yaml").read_text(encoding="utf-8")
    assert "'{title}'" not in labels


# --- hashtags ----------------------------------------------------------------------------------------

KINDS = {"article", "essay", "memo", "seminar", "consulting", "project", "insights", "books", "메모", "할일"}


@pytest.mark.parametrize("note", [FANS, BOOK, ESSAY, FORUM, GUNSAN, MEMO])
def test_hashtags_never_name_the_kind_of_note(note: str) -> None:
    """`#article`, `#essay`, `#seminar`, `#consulting`, `#memo #할일`: the vault's note types."""
    caption = output_text(render(EXAMPLE_VAULT, note, ("instagram",)), "caption.txt", "instagram")
    tags = {t.lower() for t in re.findall(r"#(\S+)", caption.strip().split("\n")[-1])}
    assert tags and not tags & KINDS, tags


def test_the_deck_names_the_books_author_under_its_title_never_after_a_question() -> None:
    """The author read from the H1 went after the subtitle question: `…모습인가요? · 강민호`."""
    slides = output_text(render(EXAMPLE_VAULT, BOOK, ("workshop",)), "-slides.md", "workshop")
    cover = slides.split("\n---\n", 1)[1].split("<!--", 1)[0]
    assert "# 브랜드가 되어 간다는 것\n\n강민호\n" in cover
    assert "? · " not in slides


def test_a_name_in_brackets_is_no_author_in_the_authors_own_note(tmp_path: Path) -> None:
    """`# 프로세스 공유 (Process Sharing)` with a `process-sharing` tag: an English gloss, not an author
    (it came out as `- Process Sharing, “프로세스 공유”`)."""
    vault, note = _vault(
        tmp_path,
        "root.md",
        "---\ntags: [root, process-sharing]\n---\n\n# 프로세스 공유 (Process Sharing)\n\n"
        "- 과정을 보여주면 손님이 먼저 말을 건다. 그래서 과정은 숨기지 않는다.\n",
    )
    credit = attribution(pipeline(vault, note)[0])
    assert (credit.author, credit.piece) == ("", "")
