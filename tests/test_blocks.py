"""Structure is content (issue #17): code, tables, images, math, footnotes and sources survive into every channel.

Fixtures: a Korean tech note (`구조체-패딩과-메모리-정렬.md`: code, table, image, math, footnotes,
cited links, a backspace, a footnote reference after a space, a CSS colour, an info callout) and an
English note (`note-formats-compared.md`: callouts, a table) from `tests/fixtures/editorial-notes/`,
and a note whose letter carries a table, code and an image (`tests/fixtures/blocks/`). Each is run
through the production pipeline (read → … → lint) in a copy of the example vault.
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from PIL import Image
from pptx import Presentation
from pptx.util import Emu

from bench.editorial_eval import FIXTURE_FOLDER, FIXTURE_NOTES, build_vault
from tasks.lint.editorial import keeps_blocks
from tasks.model import RenderResult
from tasks.render.blocks import display_width
from tests.chromium import chromium, screenshot
from tests.helpers import output_text, pipeline, render

TECH = f"{FIXTURE_FOLDER}/구조체-패딩과-메모리-정렬.md"
ENGLISH = f"{FIXTURE_FOLDER}/note-formats-compared.md"
LETTER = "41-blocks/편지에-표-코드-그림이-있는-노트.md"
BLOCK_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "blocks"
CHANNELS = ("blog", "newsletter", "instagram", "workshop", "atoms")


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    made = build_vault(tmp_path_factory.mktemp("blocks"))
    shutil.copytree(BLOCK_FIXTURES, made / "41-blocks")
    return made


@pytest.fixture(scope="module")
def results(vault: Path) -> dict[str, RenderResult]:
    return {note: render(vault, note, CHANNELS) for note in (TECH, ENGLISH, LETTER)}


def _files(result: RenderResult) -> dict[str, bytes]:
    return {o.path: o.content for o in result.outputs}


def test_parse_keeps_code_tables_images_math_footnotes_and_heading_levels(vault: Path) -> None:
    parsed, _, _, insights, _ = pipeline(vault, TECH)
    blocks = [b for s in parsed.sections for b in s.blocks]
    code = next(b for b in blocks if b.kind == "code")
    assert code.get("lang") == "cpp" and "static_assert(sizeof(Loose) == 24);" in code.text
    table = next(b for b in blocks if b.kind == "table")
    assert table.rows[0] == ("구조체", "필드 순서", "크기") and table.rows[2] == ("Tight", "double, char, char", "16")
    assert table.align == ("left", "left", "right")
    image = next(b for b in blocks if b.kind == "image")
    assert (image.get("src"), image.text) == ("메모리-배치도.png", "구조체 두 개의 메모리 배치")
    assert next(b for b in blocks if b.kind == "math").text == r"S_{array} = n \times sizeof(T)"
    assert any(r"$8 \times 8 = 64bit$" in b.text for b in blocks)  # inline math kept as written
    assert [(f.get("label"), f.text) for f in parsed.footnotes] == [
        ("1", "패딩 바이트의 값은 정해져 있지 않다."),
        ("2", "x86은 정렬되지 않은 읽기도 허용하지만 느리다."),
    ]
    assert [(s.level, s.title) for s in parsed.sections][:2] == [
        (1, "구조체 패딩과 메모리 정렬"),
        (2, "패딩이 생기는 이유"),
    ]
    carried = [b.kind for i in insights for b in i.blocks]
    assert sorted(carried) == ["code", "image", "math", "table"]  # every block goes with one insight
    assert all("|" not in i.text for i in insights)  # a table is never cut into pipe text


def test_text_is_cleaned_control_characters_footnote_spaces_css_tags_and_aside_leads(
    vault: Path, results: dict[str, RenderResult]
) -> None:
    parsed, _, _, insights, _ = pipeline(vault, TECH)
    assert "\b" in (vault / TECH).read_text(encoding="utf-8")
    for output in results[TECH].outputs:
        if not output.path.endswith((".png", ".pptx")):
            text = output.content.decode()
            assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text), output.path
            assert "놓인다 ." not in text and "넣는다 ." not in text, output.path
    said = " ".join(i.text for i in insights)
    assert "넣는다." in said and "놓인다." in said and "놓인다 ." not in said
    assert not any("000000" in t for t in parsed.tags)
    assert not any("000000" in w for i in insights for w in (*i.keywords, *i.hashtags))
    caption = output_text(results[TECH], "caption.txt", "instagram")
    assert "#000000" not in caption
    post = output_text(results[TECH], ".md", "blog")
    lead = post.split("---\n", 2)[2].strip().split("\n\n")[0]
    assert "정리한 글" not in lead  # the info callout is never the lead
    english = output_text(results[ENGLISH], ".md", "blog").split("---\n", 2)[2].strip().split("\n\n")[0]
    # not the note callout; an idea of two sentences is the lead whole (never half of it left behind)
    assert (
        english
        == "Every note app I used before this one is gone. The notes survived only where they were plain text files."
    )


def test_blog_markdown_keeps_every_block_and_copies_the_image(vault: Path, results: dict[str, RenderResult]) -> None:
    files = _files(results[TECH])
    post = output_text(results[TECH], ".md", "blog")
    assert "```cpp\nstruct Loose {\n    char flag;    // 1 byte, then 7 bytes of padding" in post
    assert "| 구조체 | 필드 순서 | 크기 |\n| :--- | :--- | ---: |\n| Loose | char, double, char | 24 |" in post
    assert "![구조체 두 개의 메모리 배치](<images/메모리-배치도.png>)" in post
    assert files["blog/images/메모리-배치도.png"] == (vault / FIXTURE_FOLDER / "메모리-배치도.png").read_bytes()
    assert r"$8 \times 8 = 64bit$" in post and "$$\nS_{array} = n \\times sizeof(T)\n$$" in post
    assert "1. 패딩 바이트의 값은 정해져 있지 않다." in post  # footnotes kept
    code_at, after = post.index("```cpp"), post.index("필드 순서만 바꿔도 크기가 줄어든다.")
    assert post.index("다음의 C++ 예시를 참고하시라.") < code_at < after  # the code stays where the note has it
    sources = post.split("## 출처", 1)[1]
    for line in (
        "Drepper, What Every Programmer Should Know About Memory, Ulrich Drepper",
        "https://people.freebsd.org/~lstewart/articles/cpumemory.pdf",
        "Data structure alignment — https://en.wikipedia.org/wiki/Data_structure_alignment",
    ):
        assert f"- {line}" in sources
    credit = "본 글은 Drepper의 메모리 논문을 읽고 정리한 글입니다."
    assert post.count(credit) == 1 and credit not in sources  # the post says its credit line once, up front
    english = output_text(results[ENGLISH], ".md", "blog")
    assert (
        "| Format | Opens in 20 years | Links between notes | Export effort |\n| --- | :---: | :---: | --- |" in english
    )


def test_naver_html_has_tables_code_and_images_with_inline_styles(results: dict[str, RenderResult]) -> None:
    html = output_text(results[TECH], ".naver.html", "blog")
    body = html.split("<body", 1)[1]
    assert '<code class="language-cpp">struct Loose {' in body and "<pre style=" in body
    assert re.search(r'<th style="[^"]*text-align: right;[^"]*">크기</th>', body)
    assert '<img src="images/메모리-배치도.png" alt="구조체 두 개의 메모리 배치"' in body
    assert "8 × 8 = 64bit" in body and "$" not in body  # math as readable text
    assert "<style" not in body and not re.search(r"<(table|pre|img|td|th)\b(?![^>]*style=)", body)
    assert "패딩 바이트의 값은 정해져 있지 않다." in body and "cpumemory.pdf" in body


def test_newsletter_shows_tables_code_and_linked_images_within_budget(results: dict[str, RenderResult]) -> None:
    html = output_text(results[LETTER], ".html", "newsletter")
    assert len(html.encode()) < 102_000
    assert re.search(r"<table style=\"border-collapse[^>]*>\s*<tbody><tr><th", html)
    assert "<pre style=" in html and 'for note in sorted(Path("50-daily").glob("*.md")):' in html
    image = re.search(
        r'<img src="(https://example\.com/blog/[^"]+/images/[^"]+\.png)" alt="([^"]+)" width="(\d+)"', html
    )
    assert image and image.group(2) == "주별 기록 줄 수 막대그래프" and int(image.group(3)) <= 600
    assert "base64" not in html and "cid:" not in html  # linked, never embedded
    text = output_text(results[LETTER], ".txt", "newsletter")
    rows = [ln for ln in text.splitlines() if ln.startswith(("주 ", "1주", "2주", "3주"))]
    assert len(rows) == 4
    ends = {display_width(row) for row in rows}  # right-aligned last column: every row ends at one column
    assert len(ends) == 1, rows
    assert "```\nfrom pathlib import Path" in text
    mail = output_text(results[TECH], ".txt", "newsletter")
    assert "출처" in mail and "https://people.freebsd.org/~lstewart/articles/cpumemory.pdf" in mail
    assert "출처" in output_text(results[TECH], ".html", "newsletter")


def test_workshop_deck_has_a_native_table_code_box_and_picture(results: dict[str, RenderResult]) -> None:
    files = _files(results[TECH])
    deck = Presentation(io.BytesIO(next(c for p, c in files.items() if p.endswith(".pptx"))))
    shapes = [shape for slide in deck.slides for shape in slide.shapes]
    table = next(s for s in shapes if s.has_table).table  # type: ignore[attr-defined]
    assert [table.cell(0, c).text for c in range(3)] == ["구조체", "필드 순서", "크기"]
    assert any(s.shape_type == 13 for s in shapes)  # a picture
    code = next(s for s in shapes if s.has_text_frame and s.text_frame.text.startswith("struct Loose {"))
    assert code.text_frame.paragraphs[0].runs[0].font.name == "Consolas"
    assert all(Emu(s.left + s.width) <= deck.slide_width for s in shapes)
    slides = output_text(results[TECH], "-slides.md", "workshop")
    assert "```cpp\nstruct Loose {" in slides and "| :--- | :--- | ---: |" in slides
    assert "![구조체 두 개의 메모리 배치](<images/메모리-배치도.png>)" in slides
    assert "workshop/images/메모리-배치도.png" in files


def test_carousel_leaves_blocks_out_and_lint_notes_it(results: dict[str, RenderResult]) -> None:
    carousel = next(o for o in results[TECH].outputs if o.path.endswith("carousel.md"))
    note = next(r for r in carousel.lint if r.rule == "carousel-left-out")
    assert note.ok and "left out (shown in the post)" in note.message and "table" in note.message
    assert "$" not in carousel.content.decode().split("---", 2)[2]


def test_every_fixture_renders_in_every_channel_with_no_violation(results: dict[str, RenderResult]) -> None:
    for note, result in results.items():
        assert {o.channel for o in result.outputs} == set(CHANNELS), note
        failed = [(o.path, r.rule, r.message) for o in result.outputs for r in o.lint if not r.ok]
        assert failed == [], note
        assert any(r.rule == "keeps-blocks" and r.ok for o in result.outputs for r in o.lint) or note == LETTER


def test_a_post_that_lost_a_block_fails_keeps_blocks(results: dict[str, RenderResult]) -> None:
    post = output_text(results[TECH], ".md", "blog")
    assert keeps_blocks(post, rule="keeps-blocks").ok
    without = re.sub(r"```cpp\n.*?\n```\n", "", post, flags=re.DOTALL)
    failed = keeps_blocks(without, rule="keeps-blocks")
    assert not failed.ok and "0 of 1 code" in failed.message
    html = output_text(results[TECH], ".naver.html", "blog")
    assert not keeps_blocks(re.sub(r"<img [^>]*>", "", html), rule="keeps-blocks").ok


def test_a_missing_image_is_a_warning_and_its_alt_text_never_a_file_name(tmp_path: Path) -> None:
    folder = tmp_path / "vault" / "30-knowledge"
    folder.mkdir(parents=True)
    (folder / "없는-그림이-있는-노트.md").write_text(
        "---\ntitle: 그림이 빠진 노트\n---\n\n# 그림이 빠진 노트\n\n"
        "## 실험\n\n온도를 매일 기록했다. 기록이 쌓이자 패턴이 보였다.\n\n![[발효-온도-그래프.png]]\n\n"
        "## 배운 것\n\n숫자는 기억보다 정직하다. 그래서 기록은 계속된다.\n\n기록이 없으면 배울 것도 없다.\n",
        encoding="utf-8",
    )
    result = render(tmp_path / "vault", "30-knowledge/없는-그림이-있는-노트.md", ("blog",))
    warning = next(d for d in result.diagnostics if d.code == "missing-image")
    assert (warning.file, warning.line) == ("30-knowledge/없는-그림이-있는-노트.md", 11)
    assert "발효-온도-그래프.png" in warning.message
    files = _files(result)
    post = next(c.decode() for p, c in files.items() if p.endswith(".md"))
    assert "*(발효 온도 그래프)*" in post and "발효-온도-그래프.png" not in post
    assert not any(p.endswith(".png") for p in files)
    assert all(r.ok for o in result.outputs for r in o.lint), [r for o in result.outputs for r in o.lint if not r.ok]


def test_fixture_notes_are_copied_with_their_images() -> None:
    assert (FIXTURE_NOTES / "메모리-배치도.png").is_file() and (BLOCK_FIXTURES / "기록-막대그래프.png").is_file()


def _colour_share(shot: Image.Image, colour: tuple[int, int, int]) -> int:
    return sum(1 for px in shot.get_flattened_data() if px == colour)


def test_chromium_shows_the_naver_table_code_and_image(results: dict[str, RenderResult], tmp_path: Path) -> None:
    files = _files(results[LETTER])
    for path, content in files.items():
        if path.startswith("blog/"):
            (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / path).write_bytes(content)
    page = next(tmp_path.glob("blog/*.naver.html"))
    dom = chromium(page, tmp_path, "--dump-dom")
    assert "<table" in dom and "<pre" in dom and 'alt="주별 기록 줄 수 막대그래프"' in dom
    shot = Image.open(screenshot(page, tmp_path, 900, 2600)).convert("RGB")
    assert _colour_share(shot, (0xF6, 0xF8, 0xFA)) > 2000  # the code panel is drawn
    assert _colour_share(shot, (0xF3, 0xF1, 0xED)) > 500  # the table's header row is drawn
    assert _colour_share(shot, (0xC0, 0x85, 0x52)) > 1000  # the copied bar chart is loaded and drawn


def test_chromium_shows_the_letter_table_and_code(results: dict[str, RenderResult], tmp_path: Path) -> None:
    page = tmp_path / "letter.html"
    page.write_bytes(
        _files(results[LETTER])[
            next(p for p in _files(results[LETTER]) if p.endswith(".html") and p.startswith("newsletter/"))
        ]
    )
    dom = chromium(page, tmp_path, "--dump-dom")
    assert '<table style="border-collapse' in dom and "<pre" in dom
    shot = Image.open(screenshot(page, tmp_path, 1000, 2400)).convert("RGB")
    assert _colour_share(shot, (0xF6, 0xF8, 0xFA)) > 2000
    assert _colour_share(shot, (0xF3, 0xF1, 0xED)) > 500
    row = [shot.getpixel((x, 300)) for x in range(shot.width)]
    white = [x for x, px in enumerate(row) if px == (255, 255, 255)]
    assert white[-1] - white[0] + 1 <= 600  # the table and the code stay inside the 600 px column


def test_atoms_carry_their_insights_blocks(results: dict[str, RenderResult]) -> None:
    atoms = [o.content.decode() for o in results[TECH].outputs if o.channel == "atoms"]
    assert any("```cpp\nstruct Loose {" in a for a in atoms)
    table = next(a for a in atoms if "| :--- | :--- | ---: |" in a)
    assert "![[메모리-배치도.png|구조체 두 개의 메모리 배치]]" in table  # an Obsidian embed: the vault shows it


def test_an_image_in_a_private_folder_is_never_copied(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    (vault / "60-private").mkdir(parents=True)
    (vault / "30-knowledge").mkdir()
    secret = Image.new("RGB", (40, 20), "#123456")
    secret.save(vault / "60-private" / "가계부-화면.png")
    (vault / "30-knowledge" / "공개-노트.md").write_text(
        "---\ntitle: 공개 노트\n---\n\n# 공개 노트\n\n## 정리\n\n"
        "지출을 매주 적으니 새는 돈이 보였다. 기록이 습관을 바꾼다.\n\n"
        "![[가계부-화면.png|지출 기록 화면]]\n\n## 다음\n\n"
        "다음 달에는 식비만 따로 적어 본다. 작게 시작해야 오래 간다.\n",
        encoding="utf-8",
    )
    result = render(vault, "30-knowledge/공개-노트.md", ("blog",), private_folders=("60-private/",))
    assert any(d.code == "private-image" for d in result.diagnostics)
    assert not any(o.path.endswith(".png") for o in result.outputs)
    post = next(o.content.decode() for o in result.outputs if o.path.endswith(".md"))
    assert "*(지출 기록 화면)*" in post and "가계부-화면" not in post


def test_an_image_inside_a_sentence_or_an_item_never_leaves_its_file_name(tmp_path: Path) -> None:
    folder = tmp_path / "vault" / "30-knowledge"
    folder.mkdir(parents=True)
    (folder / "문장-속-그림.md").write_text(
        "# 문장 속 그림\n\n변화량은 ![[DELTA.png]] 처럼 그린다. 선이 길수록 차이가 크다.\n\n- ![[발효-탱크-기록.png]]\n"
        "- 기록은 매일 남긴다.\n",
        encoding="utf-8",
    )
    parsed, *_ = pipeline(tmp_path / "vault", "30-knowledge/문장-속-그림.md")
    texts = [b.text for s in parsed.sections for b in s.blocks]
    assert texts and not any(".png" in t for t in texts), texts


def test_an_image_elsewhere_in_the_vault_is_found_by_its_name_as_obsidian_does(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    (vault / "90-attachments" / "2025").mkdir(parents=True)
    (vault / "30-knowledge").mkdir()
    Image.new("RGB", (30, 20), "#7bb661").save(vault / "90-attachments" / "2025" / "온도-기록표.png")
    (vault / "_osmu" / "old").mkdir(parents=True)
    (vault / "_osmu" / "old" / "온도-기록표.png").write_bytes(b"an old output, never a source")
    (vault / "30-knowledge" / "온도-노트.md").write_text(
        "# 온도 노트\n\n## 기록\n\n밤마다 온도를 적었다. 적어 두니 떨어지는 시간이 보였다.\n\n![[온도-기록표.png]]\n\n"
        "## 다음\n\n다음 달에는 습도도 함께 적는다. 숫자가 쌓이면 이유가 보인다.\n",
        encoding="utf-8",
    )
    result = render(vault, "30-knowledge/온도-노트.md", ("blog",))
    copied = _files(result)["blog/images/온도-기록표.png"]
    assert copied == (vault / "90-attachments" / "2025" / "온도-기록표.png").read_bytes()
    assert not [d for d in result.diagnostics if d.code.endswith("-image")]
    assert "![온도 기록표](<images/온도-기록표.png>)" in next(
        c.decode() for p, c in _files(result).items() if p.endswith(".md")
    )
