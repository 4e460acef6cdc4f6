"""LLM polish end to end against a real HTTP server on localhost (tests/llm_server.py)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tasks.llm.polish import Polished, carries_quote, guard, leaves, parse_answers, set_at
from tasks.model import ChannelOutput, RenderResult
from tasks.write.outputs import write_outputs
from tests.conftest import BOOK
from tests.helpers import pipeline, rendered, settings_for
from tests.llm_server import MARK, LlmServer, answer_slots, marked, running, slots

KEY = "sk-osmu-TEST-SECRET-4242"
ENV = ("OSMU_LLM_PROVIDER", "OSMU_LLM_BASE_URL", "OSMU_LLM_MODEL", "OSMU_LLM_API_KEY")
BASE = {"openai": "/v1", "anthropic": "", "ollama": ""}


@pytest.fixture
def server() -> Iterator[LlmServer]:
    with running() as state:
        yield state


@pytest.fixture(autouse=True)
def no_llm_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


def use(monkeypatch: pytest.MonkeyPatch, server: LlmServer, provider: str = "openai", key: str = "") -> None:
    monkeypatch.setenv("OSMU_LLM_PROVIDER", provider)
    monkeypatch.setenv("OSMU_LLM_BASE_URL", server.url(BASE[provider]))
    monkeypatch.setenv("OSMU_LLM_MODEL", "test-model")
    if key:
        monkeypatch.setenv("OSMU_LLM_API_KEY", key)


def render(vault: Path, channels: tuple[str, ...] | None = None, note: str = BOOK, **llm: Any) -> RenderResult:
    parsed, note_roots, index, insights, _ = pipeline(vault, note)
    settings = settings_for(vault, llm={"backoff_seconds": 0, **llm})
    return rendered(parsed, insights, note_roots, index, settings, channels)


def contents(result: RenderResult) -> dict[str, bytes]:
    return {o.path: o.content for o in result.outputs}


def subject(result: RenderResult) -> str:
    return contents(result)["newsletter/프로세스-이코노미.txt"].decode().split("\n")[0]


def channel_of(prompt: str) -> str:
    """The channel a polish request is for (prompts/batch.j2 names it)."""
    match = re.search(r"texts of the (\S+) version of", prompt)
    assert match is not None, prompt[:200]
    return match[1]


def quote_lines(vault: Path) -> list[str]:
    insights = pipeline(vault, BOOK)[3]
    return [ln.strip() for i in insights if i.type == "quote" for ln in i.text.split("\n") if len(ln.strip()) >= 6]


NO_NETWORK = """
import json, socket, sys
from pathlib import Path

attempts = []

def refuse(self, address):
    attempts.append(repr(address))
    raise OSError("network disabled in this test")

socket.socket.connect = refuse
socket.socket.connect_ex = refuse
from tests.helpers import render

result = render(Path(sys.argv[1]), sys.argv[2])
print(json.dumps({
    "attempts": attempts,
    "llm": result.llm is not None or any(o.llm for o in result.outputs),
    "llm_diagnostics": [d.code for d in result.diagnostics if d.code.startswith("llm")],
}))
"""


def test_without_llm_nothing_touches_the_network(vault: Path) -> None:
    """In a process of its own: no thread another test left (a Prefect client, a server) can connect meanwhile."""
    import json
    import subprocess
    import sys

    from tests.conftest import ROOT

    done = subprocess.run(
        [sys.executable, "-c", NO_NETWORK, str(vault), BOOK], cwd=ROOT, capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {"attempts": [], "llm": False, "llm_diagnostics": []}
    assert not (vault / ".osmu" / "cache").exists()


def test_polished_parts_carry_provenance_keep_quotes_and_rerun_free(
    vault: Path, server: LlmServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = render(vault)
    plain = contents(before)
    use(monkeypatch, server)
    first = render(vault)
    made = len(server.requests)
    # the model rewords slots; the plan (which insight fills which slot of which output) stays
    assert first.composition.to_json() == before.composition.to_json()
    assert made > 0 and first.llm is not None and first.llm.calls == made and first.llm.cache_hits == 0
    # one request per channel draft at most: every polishable text of a channel travels together
    channels = {o.channel for o in first.outputs}
    asked = [channel_of(p) for p in server.prompts()]
    assert made <= len(channels) and len(set(asked)) == len(asked) and set(asked) <= channels
    assert sum(len(slots(p)) for p in server.prompts()) > made  # several slots per request
    polished = contents(first)
    assert list(polished) == list(plain)  # the plan never changes: same files, same order
    slug = "프로세스-이코노미"
    assert polished[f"newsletter/{slug}.txt"].decode().startswith(f"(광고) {MARK}")  # subject keeps its prefix
    assert polished["instagram/post-01/caption.txt"].decode().startswith(MARK)  # hook
    assert MARK in polished[f"blog/{slug}.md"].decode() and MARK in polished[f"workshop/{slug}-slides.md"].decode()
    by_path = {o.path: o for o in first.outputs}
    assert {p.part for p in by_path[f"blog/{slug}.md"].llm} == {"lead", "description"}
    assert {(p.provider, p.model) for o in first.outputs for p in o.llm} == {("openai", "test-model")}
    assert all(o.llm == () for o in first.outputs if o.content == plain[o.path])
    # quotes: never in a prompt, and every quoted line of the plain outputs is still there verbatim
    quotes = quote_lines(vault)
    assert quotes, "the seed note has quotes"
    sent = "\n".join(str(r.body) for r in server.requests)
    assert not [q for q in quotes if q in sent]
    for path, text in plain.items():
        for line in quotes:
            if line.encode() in text:
                assert line.encode() in polished[path], (path, line)
    # a second run costs nothing: zero HTTP requests, same bytes
    second = render(vault)
    assert len(server.requests) == made
    assert contents(second) == polished
    assert second.llm is not None and (second.llm.calls, second.llm.cache_hits) == (0, made)


@pytest.mark.parametrize(("provider", "path"), [("anthropic", "/v1/messages"), ("ollama", "/api/chat")])
def test_other_wire_formats(
    vault: Path, server: LlmServer, monkeypatch: pytest.MonkeyPatch, provider: str, path: str
) -> None:
    use(monkeypatch, server, provider, key=KEY if provider == "anthropic" else "")
    result = render(vault, ("newsletter",))
    assert {r.path for r in server.requests} == {path}
    if provider == "anthropic":
        assert all(r.headers["x-api-key"] == KEY for r in server.requests)
    assert MARK in subject(result)


def test_429_then_200_succeeds_after_retry_after(
    vault: Path, server: LlmServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    use(monkeypatch, server)
    server.script = [(429, {"Retry-After": "1"})]
    result = render(vault, ("newsletter",), concurrency=1, skip=["newsletter.preheader"])
    first, second = server.requests
    assert second.at - first.at >= 0.9
    assert result.llm is not None and (result.llm.calls, result.llm.failures) == (2, 0)
    assert MARK in subject(result)
    assert not [d for d in result.diagnostics if d.code == "llm-fallback"]


def test_too_long_answers_are_rejected_for_the_deterministic_text(
    vault: Path, server: LlmServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = contents(render(vault, ("instagram",)))
    use(monkeypatch, server)
    server.reply = lambda prompt: answer_slots(prompt, lambda _id, _current: "아주 긴 캡션 " * 400)
    result = render(vault, ("instagram",))
    assert server.requests and contents(result) == plain
    assert all(o.llm == () for o in result.outputs)
    reasons = " ".join(d.message for d in result.diagnostics if d.code == "llm-fallback")
    assert "hook-max-chars" in reasons and "more than 1.2×" in reasons


def test_a_malformed_slot_keeps_its_text_and_the_others_apply(
    vault: Path, server: LlmServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = render(vault, ("workshop",))
    use(monkeypatch, server)
    asked: dict[str, str] = {}

    def reply(prompt: str) -> str:
        asked.update(slots(prompt))
        texts = {i: marked(current) for i, current in asked.items()}
        texts["t2"] = {"text": "not a string"}  # type: ignore[assignment]
        body = json.dumps(texts, ensure_ascii=False, indent=1)
        return f"Sure! Here are the slide titles:\n```json\n{body}\n```\nLet me know if you need more."

    server.reply = reply
    result = render(vault, ("workshop",))
    assert len(server.requests) == 1 and len(asked) > 2
    fallbacks = [d.message for d in result.diagnostics if d.code == "llm-fallback"]
    assert len(fallbacks) == 1
    match = re.fullmatch(
        r"llm: workshop\.slide_title (\S+): kept the deterministic text \(answer is a dict, not a text\)", fallbacks[0]
    )
    assert match is not None, fallbacks
    fields = [p.field for o in result.outputs for p in o.llm]
    assert match[1] not in fields and len(set(fields)) == len(asked) - 1  # every other slot applied
    deck = contents(result)["workshop/프로세스-이코노미-slides.md"].decode()
    assert asked["t2"] in deck and marked(asked["t2"]) not in deck
    assert all(marked(text) in deck for i, text in asked.items() if i != "t2")
    assert [o.path for o in result.outputs] == [o.path for o in plain.outputs]


def test_answers_are_parsed_tolerantly() -> None:
    assert parse_answers('{"t1": "a", "t2": "b"}') == {"t1": "a", "t2": "b"}
    assert parse_answers('Here:\n```json\n{"t1": "a {x}"}\n```\nDone {really}.') == {"t1": "a {x}"}
    assert parse_answers('{"t1": "line one\nline two"}') == {"t1": "line one\nline two"}  # raw line break
    assert parse_answers('{"t1": "a \\"quoted\\" b", "t2": "cut sh') == {"t1": 'a "quoted" b'}  # cut short
    assert parse_answers("I cannot help with that.") == {}


def test_slow_model_times_out_and_the_run_goes_on(
    vault: Path, server: LlmServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = contents(render(vault, ("newsletter",)))
    use(monkeypatch, server)
    server.delay = 1.5
    result = render(vault, ("newsletter",), timeout_seconds=0.3, max_retries=0)
    assert contents(result) == plain
    assert result.llm is not None and result.llm.failures == 1  # one request: subject and preheader
    assert [d.message for d in result.diagnostics if "ReadTimeout" in d.message] == [
        "llm: newsletter: kept the deterministic text of 2 slot(s) (ReadTimeout calling "
        f"{server.url('/v1/chat/completions')} (gave up after 1 attempts))"
    ]


def test_server_errors_fall_back_after_retries(vault: Path, server: LlmServer, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = contents(render(vault, ("blog",)))
    use(monkeypatch, server)
    server.script = [(500, {})] * 2
    result = render(vault, ("blog",), max_retries=1, concurrency=1)
    assert len(server.requests) == 2 and contents(result) == plain  # one request, retried once
    assert result.llm is not None and result.llm.failures == 1
    assert all("HTTP 500" in d.message for d in result.diagnostics if d.code == "llm-fallback")


def test_concurrency_limit_holds(vault: Path, server: LlmServer, monkeypatch: pytest.MonkeyPatch) -> None:
    use(monkeypatch, server)
    server.delay = 0.3
    render(vault, concurrency=2)
    assert len(server.requests) == 4 and server.max_in_flight == 2  # the channels' requests, two at a time


def test_budget_stops_further_calls(vault: Path, server: LlmServer, monkeypatch: pytest.MonkeyPatch) -> None:
    use(monkeypatch, server)
    result = render(vault, ("newsletter", "blog"), budget_tokens=1, concurrency=1)
    assert len(server.requests) == 1
    spent = [d.message for d in result.diagnostics if "budget spent" in d.message]
    assert len(spent) == 1 and "kept the deterministic text of 2 slot(s)" in spent[0]


def test_key_never_reaches_logs_outputs_or_cache(
    vault: Path, tmp_path: Path, server: LlmServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    use(monkeypatch, server, key=KEY)
    server.script = [(401, {}), (503, {"Retry-After": "0"})]
    caplog.set_level(logging.DEBUG)
    result = render(vault, ("newsletter", "blog"), concurrency=1)
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in server.requests)
    insights = pipeline(vault, BOOK)[3]
    write_outputs(result, "sha256:x", insights, result.diagnostics, tmp_path / "out")
    written = [p for p in [*(tmp_path / "out").rglob("*"), *(vault / ".osmu").rglob("*")] if p.is_file()]
    assert any(p.suffix == ".json" and "cache" in p.parts for p in written)
    assert not [p for p in written if KEY.encode() in p.read_bytes()]
    assert KEY not in caplog.text and KEY not in repr(result)
    assert any("401" in d.message for d in result.diagnostics)


def test_user_prompt_override_and_broken_prompt(
    vault: Path, server: LlmServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    use(monkeypatch, server)
    prompts = vault / ".osmu" / "templates" / "newsletter" / "prompts"
    prompts.mkdir(parents=True)
    (prompts / "subject.j2").write_text("MY HOUSE STYLE\n<current>\n{{ current }}\n</current>\n", encoding="utf-8")
    (prompts / "preheader.j2").write_text("{% if %}", encoding="utf-8")
    result = render(vault, ("newsletter",))
    (prompt,) = server.prompts()
    assert list(slots(prompt)) == ["t1"] and '<slot id="t1" part="subject">\nMY HOUSE STYLE\n' in prompt
    assert any("prompts/preheader.j2" in d.message for d in result.diagnostics)
    assert MARK in subject(result)


def test_guard_keeps_deterministic_output_on_new_lint_failure_or_changed_quote() -> None:
    from tasks.render.channel import ChannelSpec

    spec = ChannelSpec(
        name="c", outputs=(), checks=({"rule": "forbidden", "files": "a.txt", "patterns": ["(?-i:HOOK)"]},)
    )
    plain = [
        ChannelOutput("c", "c/a.txt", b"hook\n> quoted words here\n", (), ()),
        ChannelOutput("c", "c/b.txt", b"hook\n> quoted words here\n", (), ()),
        ChannelOutput("c", "c/c.txt", b"hook\n", (), ()),
    ]
    polished = [
        ChannelOutput("c", "c/a.txt", b"HOOK\n> quoted words here\n", (), ()),  # breaks the channel's rule
        ChannelOutput("c", "c/b.txt", b"HOOK\n> quoted wording here\n", (), ()),  # changes a quote
        ChannelOutput("c", "c/c.txt", b"HOOK\n", (), ()),
    ]
    from tasks.model import PolishedPart

    part = PolishedPart("hook", "hook", "openai", "m")
    result = Polished({"note": {"path": "n.md"}}, (part,), ((part, "HOOK"),))
    chosen = guard(polished, plain, result, ["quoted words here"], spec)
    assert [o.content for o in chosen] == [plain[0].content, plain[1].content, b"HOOK\n"]
    assert [o.llm for o in chosen] == [(), (), (part,)]


def test_paths_quotes_and_copy_on_write() -> None:
    ctx = {"posts": [{"hook": "a", "paragraphs": ["p1", "p2"]}, {"hook": "b", "paragraphs": []}], "lead": "x"}
    assert [(k, v) for k, v, _ in leaves(ctx, "posts[].hook")] == [
        (("posts", 0, "hook"), "a"),
        (("posts", 1, "hook"), "b"),
    ]
    assert [v for _, v, _ in leaves(ctx, "posts[].paragraphs[]")] == ["p1", "p2"]
    assert [v for _, v, _ in leaves(ctx, "missing[].x")] == []
    changed = set_at(ctx, ("posts", 0, "paragraphs", 1), "P2")
    assert changed["posts"][0]["paragraphs"] == ["p1", "P2"] and ctx["posts"][0]["paragraphs"] == ["p1", "p2"]
    quote = "사람들은 결과가 아니라 과정에 돈을 낸다. 그것이 프로세스 이코노미다."
    assert carries_quote("사람들은 결과가 아니라 과정에…", None, [quote])
    assert not carries_quote("완전히 다른 문장입니다", None, [quote])


def test_second_opinion_is_reported_never_applied(
    vault: Path, server: LlmServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    insights = [i for i in pipeline(vault, BOOK)[3] if i.type != "quote"]
    a, b = insights[0], insights[1]
    plain = render(vault, ("blog",))
    use(monkeypatch, server)

    def reply(prompt: str) -> str:
        if "MERGE <id> <id>" not in prompt:
            raise AssertionError("only the second opinion is asked")
        return "\n".join(
            [
                f"MERGE {a.id} {b.id}: 같은 생각을 두 번 말합니다",
                f"ROOT {b.id} +의미가치: 의미를 말합니다",
                f"ROOT {b.id} +no-such-root: ignored",
                "SPLIT ins-0000000000: unknown id, ignored",
                "Sure! Here are my thoughts:",
            ]
        )

    server.reply = reply
    result = render(vault, ("blog",), second_opinion=True, skip=["blog.lead", "blog.description"])
    assert len(server.requests) == 1
    suggestions = [d for d in result.diagnostics if d.code == "llm-suggestion"]
    assert [(d.line, d.message.split(": ", 1)[1]) for d in suggestions] == [
        (a.lines[0], f"merge {a.id} with {b.id}: 같은 생각을 두 번 말합니다"),
        (b.lines[0], f"add root 의미가치 on {b.id}: 의미를 말합니다"),
    ]
    assert contents(result) == contents(plain)  # suggestions only: nothing applied
    quotes = quote_lines(vault)
    assert not [q for q in quotes if any(q in p for p in server.prompts())]


def test_channel_llm_section_is_validated(tmp_path: Path) -> None:
    from tasks.render.channel import load_channel
    from tasks.settings import ConfigError

    spec = load_channel("instagram")
    assert spec.llm["hook"].field == "posts[].hook" and spec.llm["hook"].checks
    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / "channel.yaml").write_text(
        "name: demo\noutputs: [{template: a.j2, path: a.txt}]\nllm:\n  hook: {field: hook, promt: p.j2}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load_channel("demo", tmp_path)
    assert "llm.hook.promt" in str(info.value) and "llm.hook.prompt" in str(info.value)


def test_process_log_asks_only_for_fields_its_story_shows(
    vault: Path, server: LlmServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    use(monkeypatch, server)
    result = render(vault, note="10-projects/13-imi-work/13.01-osmu-system/osmu-제작기.md")
    fields = {p.field for o in result.outputs for p in o.llm}
    assert {"caption_hook", "subject", "preheader", "description"} <= fields
    assert "lead" not in fields and not any(f.startswith("posts[") for f in fields)
    # one request per channel, and every slot asked for is a field an output shows
    shown = {(o.channel, p.field) for o in result.outputs for p in o.llm}
    assert sorted(channel_of(p) for p in server.prompts()) == sorted({c for c, _ in shown})
    assert sum(len(slots(p)) for p in server.prompts()) == len(shown)
