"""Hostile input: paths that try to leave the output folder, hostile override templates,
HTML and script in notes, and a planted secret that must appear in no output, log or artifact.
"""

from __future__ import annotations

import os
import shutil
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tasks.builders.sanitize import sanitize_email
from tasks.model import NoteError
from tasks.slug import is_safe_component, safe_slug
from tasks.write.outputs import inside, write_outputs
from tests.conftest import BOOK, EXAMPLE_VAULT, FIXTURES, ROOT
from tests.helpers import pipeline, render, rendered
from tests.test_bad_input import run_in_own_group

HOSTILE_PATHS = ("../x", "a/../../b", "/etc/passwd", "..", ".", "a\\..\\b", "blog/../../../x", "", "a//b", "nul\x00")


@pytest.mark.parametrize("rel", HOSTILE_PATHS)
def test_output_paths_cannot_leave_the_output_folder(rel: str, tmp_path: Path) -> None:
    with pytest.raises(NoteError):
        inside(tmp_path, rel)


@pytest.mark.parametrize(
    "name", ["../../etc/passwd", "..", "a/b\\c", "CON", "nul", "   ", "#", "🚀", "....", "x" * 500, "\x00\x1f"]
)
def test_slugs_are_one_safe_component(name: str) -> None:
    slug = safe_slug(name)
    assert is_safe_component(slug) and "/" not in slug and ".." not in slug and len(slug) <= 80


def test_a_symlinked_note_folder_cannot_redirect_writes(vault: Path, tmp_path: Path) -> None:
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "프로세스-이코노미").symlink_to(elsewhere, target_is_directory=True)
    parsed, _, _, insights, _ = pipeline(vault, BOOK)
    with pytest.raises(NoteError, match="leaves the output folder"):
        write_outputs(render(vault, BOOK), parsed.note.source_hash, insights, (), out)
    assert not any(elsewhere.iterdir())


def test_a_note_linking_outside_the_vault_is_not_read(vault: Path, tmp_path: Path) -> None:
    from tasks.vault.read import read_note

    secret = tmp_path / "id_rsa"
    secret.write_text("-----BEGIN PRIVATE KEY-----\n", encoding="utf-8")
    (vault / "30-knowledge" / "innocent.md").symlink_to(secret)
    with pytest.raises(NoteError, match="outside the vault") as err:
        read_note(vault, Path("30-knowledge/innocent.md"))
    assert err.value.file == "30-knowledge/innocent.md"
    inner = vault / "30-knowledge" / "alias.md"  # a link that stays inside the vault is fine
    inner.symlink_to(vault / BOOK)
    assert read_note(vault, Path("30-knowledge/alias.md")).meta["title"] == "프로세스 이코노미"


HOSTILE_TEMPLATES = (
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ note.__class__.__init__.__globals__ }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ lipsum.__globals__['os'] }}",
    "{{ settings.__class__.__init__.__globals__ }}",
    "{{ insights.append(1) }}",
    "{{ note.update({'title': 'x'}) }}",
    "{{ settings.vault.joinpath('PWNED.txt').write_text('pwned') }}",
    "{{ settings.vault.joinpath('34-learning').iterdir() | list }}",
    "{{ settings.vault.cwd() }}",
    "{{ (settings.vault / '.osmu' / 'config.yaml').read_text() }}",
    "{% for c in ''.__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
)


@pytest.mark.parametrize("template", HOSTILE_TEMPLATES)
def test_hostile_override_template_cannot_reach_python_or_the_disk(template: str, vault: Path) -> None:
    override = vault / ".osmu" / "templates" / "blog"
    override.mkdir(parents=True)
    (override / "post.md.j2").write_text("첫 줄\n" + template + "\n", encoding="utf-8")
    (vault / ".osmu" / "config.yaml").write_text("strict: false\n", encoding="utf-8")
    with pytest.raises(NoteError) as err:
        render(vault, BOOK, ("blog",))
    assert "post.md.j2:2: template SecurityError" in str(err.value)
    assert not (vault / "PWNED.txt").exists()


class _Active(HTMLParser):
    """Collects what a browser would run: script/iframe elements, on* handlers, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "iframe", "object", "embed"):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith(("javascript:", "data:text/html")):
                self.found.append(f"{tag} {name}={value}")


def test_hostile_note_content_is_inert_in_every_output(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    vault.mkdir()
    hostile = (FIXTURES / "bad" / "mixed_hostile.md").read_text(encoding="utf-8")
    words = ("사과", "바다", "책상", "노래", "구름")
    more = "\n## 더 많은 생각\n" + "".join(  # enough whole ideas for every channel's shape (a letter, a carousel)
        f'\n{w}에 관한 문장은 <b onclick="alert(1)">굵게</b> 쓰였고 <script>alert(1)</script> 를 품고 있다.\n'
        for w in words
    )
    (vault / "mixed_hostile.md").write_text(hostile + more, encoding="utf-8")
    parsed, note_roots, index, insights, settings = pipeline(vault, "mixed_hostile.md")
    result = rendered(parsed, insights, note_roots, index, settings)
    texts = {o.path: o.content.decode("utf-8") for o in result.outputs if o.path.endswith((".html", ".md", ".txt"))}
    html = {p: t for p, t in texts.items() if p.endswith(".html")}
    assert {"newsletter/mixed-hostile.html", "blog/mixed-hostile.naver.html"} <= set(html), "no HTML output to check"
    for path, text in html.items():
        parser = _Active()
        parser.feed(text)
        assert parser.found == [], (path, parser.found)
        assert "alert(1)" in text or "alert('xss')" in text or path.endswith("index.html")  # kept as text, inert
    everything = "\n".join(texts.values())
    assert "SECRET-COMMENT" not in everything
    assert "{{ 7*7 }}" in everything and "{% raw %}" in everything  # note text is never a template


def test_sanitizer_keeps_email_layout_and_drops_everything_active() -> None:
    doc = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=https://x">'
        "<style>@media (max-width: 620px) { .c { padding: 0 } }</style><script>alert(1)</script></head>"
        '<body><table role="presentation" width="600" cellpadding="0" style="max-width:600px"><tr>'
        '<td class="c" style="padding:8px" onclick="alert(2)"><a href="javascript:alert(3)">x</a>'
        '<a href="https://example.com/u">수신거부</a><img src="https://e.x/a.png" alt="그림" onerror="alert(4)">'
        '<iframe src="https://evil"></iframe><p style="background:url(javascript:alert(5))">본문</p></td></tr></table>'
        "</body></html>"
    )
    clean = sanitize_email(doc)
    for kept in ("@media", 'width="600"', 'cellpadding="0"', 'style="padding:8px"', 'href="https://example.com/u"',
                 'alt="그림"', "<!DOCTYPE html>", '<meta charset="utf-8">', "본문"):  # fmt: skip
        assert kept in clean, kept
    for gone in ("<script", "alert(1)", "onclick", "javascript:", "onerror", "<iframe", "refresh"):
        assert gone not in clean, gone


SECRET = "sk-PLANTED-9f3e7c1d2b4a6e8f0011"


@pytest.mark.flow
def test_a_planted_secret_appears_in_no_output_log_or_artifact(vault: Path, tmp_path: Path) -> None:
    """A real `osmu run` with an LLM configured from env, debug logging on, one failing call."""
    from tests.llm_server import running

    out, home = tmp_path / "out", tmp_path / "prefect-home"
    with running() as server:
        server.script = [(500, {}), (401, {})]  # errors get logged: the key must not be in them
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "PREFECT_HOME": str(home),
            "PREFECT_LOGGING_LEVEL": "DEBUG",
            "PREFECT_LOGGING_LOGGERS_PREFECT_FLOW_RUNS_LEVEL": "DEBUG",
            "PREFECT_LOGGING_LOGGERS_PREFECT_TASK_RUNS_LEVEL": "DEBUG",
            "OSMU_LLM_PROVIDER": "openai",
            "OSMU_LLM_BASE_URL": server.url("/v1"),
            "OSMU_LLM_MODEL": "test-model",
            "OSMU_LLM_API_KEY": SECRET,
        }
        proc = run_in_own_group(
            [sys.executable, "-m", "flows.cli", "run", BOOK, "--vault", str(vault), "--out", str(out), "-v"],
            cwd=ROOT,
            env=env,
            timeout=600,
        )
        sent = [r.headers for r in server.requests]
    console = proc.stdout + proc.stderr
    assert proc.returncode == 0, console.decode()
    assert any(SECRET in " ".join(h.values()) for h in sent), "the key was never used: the test proves nothing"
    assert SECRET.encode() not in console
    assert any(home.rglob("*.db")), "no Prefect database to search (logs, artifacts, results live there)"
    searched: dict[Path, bytes] = {}
    for root in (out, vault, home):
        for path in (p for p in root.rglob("*") if p.is_file()):
            searched[path] = path.read_bytes()
            assert SECRET.encode() not in searched[path], path
    stored = b"".join(data for path, data in searched.items() if path.is_relative_to(home))
    assert "프로세스-이코노미.md: ".encode() in stored, "the flow's log lines are not in the searched database"
    assert len(searched) > 20
    shutil.rmtree(home, ignore_errors=True)


STEPS = "the template ran more than 2,000,000 steps"
UNBOUNDED_TEMPLATES = {  # #18 finding 13: override templates that never ended or asked for 10 GB
    "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}": "range() of 100,000 items",
    "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}": STEPS,
    "{% for i in insights %}{% for j in range(9000) %}{% for k in range(9000) %}{% endfor %}{% endfor %}{% endfor %}": (
        STEPS
    ),
    "{{ ('a'*100000)*100000 }}": "'*' would make more than 1,000,000 items",
    "{{ 'x' * 10000000 }}": "'*' would make more than 1,000,000 items",
    "{{ 2**100000000 }}": "'**' with an exponent over 64",
    "{{ 'x'.ljust(10**10) }}": "ljust(): an argument is over the size limit",
    "{{ 'x'|center(10000000000) }}": "filter 'center': an argument is over the size limit",
}


@pytest.mark.timeout(120)  # a hang guard only: the same templates used to run for ever
@pytest.mark.parametrize("template", sorted(UNBOUNDED_TEMPLATES))
def test_override_template_work_is_bounded(template: str, vault: Path) -> None:
    """Finding 13 of #18: a nested `range(100000)` loop never ended and `('a'*100000)*100000` tried
    to allocate 10 GB. Ranges, sizes and the steps of a render are bounded: one `file:line` error."""
    override = vault / ".osmu" / "templates" / "blog"
    override.mkdir(parents=True)
    (override / "post.md.j2").write_text("첫 줄\n" + template + "\n", encoding="utf-8")
    with pytest.raises(NoteError) as err:
        render(vault, BOOK, ("blog",))
    assert f"post.md.j2:2: template SecurityError: {UNBOUNDED_TEMPLATES[template]}" in str(err.value)


def test_an_ordinary_override_template_renders_within_the_bounds(vault: Path) -> None:
    """The bounds leave real override templates alone: one extending the built-in post renders
    the same post, a loop over every insight included."""
    override = vault / ".osmu" / "templates" / "blog"
    override.mkdir(parents=True)
    (override / "post.md.j2").write_text(
        '{% extends "builtin/post.md.j2" %}\n'
        "{% block body %}{{ super() }}{% for i in insights %}{{ i.text | truncate(20) }}\n{% endfor %}"
        "{% for n in range(1000) %}{% endfor %}{% endblock %}\n",
        encoding="utf-8",
    )
    post = next(o for o in render(vault, BOOK, ("blog",)).outputs if o.path.endswith(".md"))
    builtin = next(o for o in render(EXAMPLE_VAULT, BOOK, ("blog",)).outputs if o.path.endswith(".md"))
    assert post.content.decode().startswith(builtin.content.decode().split("\n## ")[0])
