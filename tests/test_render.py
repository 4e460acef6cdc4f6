"""Stage render: four channels, headers, template overrides, autoescape, strict undefined."""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import UndefinedError

from tasks.model import NoteError
from tasks.render.channel import load_channel
from tasks.settings import ConfigError
from tests.conftest import BOOK, EXAMPLE_VAULT, ROOT_NOTE
from tests.helpers import pipeline, render


def test_four_channels_render_their_main_outputs() -> None:
    result = render(EXAMPLE_VAULT, BOOK)
    paths = {o.path for o in result.outputs}
    assert "blog/프로세스-이코노미.md" in paths
    assert {"newsletter/프로세스-이코노미.html", "newsletter/프로세스-이코노미.txt"} <= paths
    assert "instagram/post-01/caption.txt" in paths and "instagram/post-01/carousel.md" in paths
    assert {"workshop/프로세스-이코노미-slides.md", "workshop/프로세스-이코노미-guide.md"} <= paths


def test_every_output_names_insights_and_the_book_roots() -> None:
    result = render(EXAMPLE_VAULT, BOOK)
    by_id = {i.id: i for i in pipeline(EXAMPLE_VAULT, BOOK)[3]}
    for output in result.outputs:
        assert output.insights, output.path
        # an output carries the roots of the insights it uses (insight roots are not stamped from the note)
        used = {s for i in output.insights for s in by_id[i].root_slugs}
        assert set(output.root_concepts) == used, output.path
    assert {"프로세스-공유", "의미가치", "응원-경제"} <= {s for o in result.outputs for s in o.root_concepts}
    blog = next(o for o in result.outputs if o.channel == "blog").content.decode()
    assert blog.startswith("---\ntitle: '『프로세스 이코노미』: ")  # the book, and what the post gives
    for key in ("source:", "source_hash:", "root_concepts:", "insights:", "generated_at:", "osmu_version:"):
        assert key in blog


def test_no_obsidian_syntax_leaks_and_lint_passes() -> None:
    for note in (BOOK, ROOT_NOTE):
        for output in render(EXAMPLE_VAULT, note).outputs:
            if output.path.endswith((".png", ".pptx")):
                assert output.lint and all(r.ok for r in output.lint), output.path
                continue
            text = output.content.decode()
            # atoms are notes for the vault itself: their wikilinks are the point
            assert ("[[" not in text or output.channel == "atoms") and "%%" not in text, output.path
            assert all(r.ok for r in output.lint), (output.path, [r for r in output.lint if not r.ok])


def test_workshop_guide_blocks_add_up_to_the_total() -> None:
    guide = next(o for o in render(EXAMPLE_VAULT, BOOK).outputs if o.path.endswith("-guide.md")).content.decode()
    minutes = [
        int(row.split("|")[2].strip().removesuffix("분"))
        for row in guide.splitlines()
        if row.startswith("| ") and "분 |" in row
    ]
    assert sum(minutes) == 90


def test_html_outputs_escape_note_text(vault: Path) -> None:
    note = vault / "hostile.md"
    note.write_text(
        '---\ntitle: "<script>alert(1)</script> & 제목"\n---\n\n'
        "- <img src=x onerror=alert(1)> 본문 한 줄을 길게 써 둔다.\n"
        "- 두 번째 문장도 <b>굵게</b> 쓰고 & 기호를 넣어 둔다.\n"
        "- 세 번째 문장은 <script>alert(2)</script> 를 품고 있다.\n"
        "- 네 번째 문장은 평범하게 끝을 맺는다.\n",
        encoding="utf-8",
    )
    outputs = {o.path: o.content.decode() for o in render(vault, "hostile.md", ("newsletter",)).outputs}
    html, txt = outputs["newsletter/hostile.html"], outputs["newsletter/hostile.txt"]
    assert "<script>" not in html and "<img src=x" not in html and "<b>" not in html
    assert "&amp; 기호" in html  # the note's `&` escaped (the preheader never names the note's title)
    assert "& 기호" in txt and "&amp;" not in txt and "&lt;" not in txt  # plain text is not HTML-escaped


def test_user_override_replaces_one_block(vault: Path) -> None:
    override = vault / ".osmu" / "templates" / "blog"
    override.mkdir(parents=True)
    (override / "post.md.j2").write_text(
        '{% extends "builtin/post.md.j2" %}\n{% block lead %}OVERRIDDEN LEAD{% endblock %}\n', encoding="utf-8"
    )
    blog = render(vault, BOOK, ("blog",)).outputs[0].content.decode()
    assert "OVERRIDDEN LEAD" in blog and "## Self Us Now" in blog


def test_strict_undefined_in_templates(vault: Path) -> None:
    override = vault / ".osmu" / "templates" / "blog"
    override.mkdir(parents=True)
    (override / "post.md.j2").write_text("{{ no_such_variable }}", encoding="utf-8")
    with pytest.raises(
        NoteError, match=r"post\.md\.j2:1: template UndefinedError: 'no_such_variable' is undefined"
    ) as err:
        render(vault, BOOK, ("blog",))
    assert isinstance(err.value.__cause__, UndefinedError)


def test_unknown_channel_lists_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"known: .*blog"):
        load_channel("podcast")
    with pytest.raises(ConfigError):
        load_channel("../etc")


def test_atoms_are_obsidian_notes_linked_to_source_and_roots() -> None:
    insights = pipeline(EXAMPLE_VAULT, BOOK)[3]
    atoms = [o for o in render(EXAMPLE_VAULT, BOOK).outputs if o.channel == "atoms"]
    assert len(atoms) == len(insights) and len({o.path for o in atoms}) == len(atoms)
    for output, insight in zip(atoms, insights, strict=True):
        text = output.content.decode()
        assert text.startswith(f"---\nosmu-id: {insight.id}\ntype: {insight.type}\n")
        assert "[[34-learning/34.01-books/books/프로세스-이코노미|프로세스 이코노미]]" in text
        for slug in insight.root_slugs:
            assert "[[00-roots/root-" in text and slug in text
    shared = next(o for o, i in zip(atoms, insights, strict=True) if "프로세스를 공유해서" in i.text)
    assert "[[00-roots/root-04-프로세스-공유|프로세스 공유]]" in shared.content.decode()
