"""tasks/llm.py at the network edge: httpx MockTransport, no server, no key, no network."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest

from tasks.llm import client as llm
from tasks.settings import ConfigError, LlmSettings

KEY = "sk-unit-SECRET-7f3a"
ANSWERS = {
    "openai": {"choices": [{"message": {"content": "hello"}}], "usage": {"prompt_tokens": 7, "completion_tokens": 2}},
    "anthropic": {"content": [{"type": "text", "text": "hello"}], "usage": {"input_tokens": 7, "output_tokens": 2}},
    "ollama": {"message": {"content": "hello"}, "prompt_eval_count": 7, "eval_count": 2},
}


def config(provider: str = "openai", **settings: object) -> llm.LlmConfig:
    base = {"openai": "http://llm.test/v1", "anthropic": "http://llm.test", "ollama": "http://llm.test"}[provider]
    return llm.LlmConfig(provider, base, "m-1", LlmSettings(provider=provider, **settings), KEY)  # type: ignore[arg-type]


def client(cfg: llm.LlmConfig, handler, cache: Path | None = None, sleeps: list[float] | None = None) -> llm.LlmClient:
    record = sleeps if sleeps is not None else []
    return llm.LlmClient(cfg, cache, transport=httpx.MockTransport(handler), sleep=record.append)


@pytest.mark.parametrize(
    ("provider", "path", "auth"),
    [
        ("openai", "/v1/chat/completions", ("authorization", f"Bearer {KEY}")),
        ("anthropic", "/v1/messages", ("x-api-key", KEY)),
        ("ollama", "/api/chat", None),
    ],
)
def test_each_provider_speaks_its_wire_format(provider: str, path: str, auth: tuple[str, str] | None) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=ANSWERS[provider])

    c = client(config(provider), handler)
    answer = c.complete("be brief", "say hello", 50)
    assert answer.text == "hello" and (answer.provider, answer.model, answer.cached) == (provider, "m-1", False)
    request = seen[0]
    assert request.url.path == path
    body = json.loads(request.content)
    assert body["model"] == "m-1"
    if auth is not None:
        assert request.headers[auth[0]] == auth[1]
    if provider == "anthropic":
        assert body["system"] == "be brief" and body["messages"] == [{"role": "user", "content": "say hello"}]
        assert body["max_tokens"] == 50 and request.headers["anthropic-version"] == llm.ANTHROPIC_VERSION
    elif provider == "ollama":
        assert body["stream"] is False and body["options"]["num_predict"] == 50
        assert "authorization" not in request.headers
    else:
        assert body["messages"][0] == {"role": "system", "content": "be brief"} and body["max_tokens"] == 50
    usage = c.usage.snapshot()
    assert (usage.calls, usage.tokens_in, usage.tokens_out) == (1, 7, 2)


def test_429_then_200_waits_for_retry_after() -> None:
    replies = [httpx.Response(429, headers={"Retry-After": "2"}), httpx.Response(200, json=ANSWERS["openai"])]
    sleeps: list[float] = []
    c = client(config(), lambda r: replies.pop(0), sleeps=sleeps)
    assert c.complete("s", "p", 10).text == "hello"
    assert sleeps == [2.0] and c.usage.snapshot().calls == 2


def test_5xx_backs_off_exponentially_then_gives_up() -> None:
    sleeps: list[float] = []
    c = client(config(max_retries=3, backoff_seconds=0.5), lambda r: httpx.Response(503), sleeps=sleeps)
    with pytest.raises(llm.LlmError, match=r"HTTP 503 .*4 attempts"):
        c.complete("s", "p", 10)
    assert sleeps == [0.5, 1.0, 2.0]
    assert c.usage.snapshot().calls == 4 and c.usage.snapshot().failures == 1


def test_retry_after_is_capped_and_accepts_http_dates() -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    replies = [httpx.Response(429, headers={"Retry-After": later}), httpx.Response(200, json=ANSWERS["openai"])]
    sleeps: list[float] = []
    c = client(config(max_backoff_seconds=5), lambda r: replies.pop(0), sleeps=sleeps)
    c.complete("s", "p", 10)
    assert sleeps == [5.0]
    assert 80 < (llm.retry_after(httpx.Response(429, headers={"Retry-After": later})) or 0) <= 90


def test_client_errors_are_not_retried_and_never_show_the_key() -> None:
    sleeps: list[float] = []
    c = client(config(), lambda r: httpx.Response(401, json={"error": "bad key " + KEY}), sleeps=sleeps)
    with pytest.raises(llm.LlmError) as info:
        c.complete("s", "p", 10)
    assert sleeps == [] and "401" in str(info.value) and KEY not in str(info.value)
    assert KEY not in repr(c.cfg)


def test_timeouts_are_retried_then_reported() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    c = client(config(max_retries=1), handler)
    with pytest.raises(llm.LlmError, match="ReadTimeout"):
        c.complete("s", "p", 10)


def test_malformed_answers_are_errors_not_crashes() -> None:
    c = client(config("anthropic"), lambda r: httpx.Response(200, json={"unexpected": True}))
    with pytest.raises(llm.LlmError, match="unexpected response shape"):
        c.complete("s", "p", 10)
    c = client(config(), lambda r: httpx.Response(200, text="<html>"))
    with pytest.raises(llm.LlmError, match="not JSON"):
        c.complete("s", "p", 10)


def test_cache_answers_repeat_prompts_without_a_request(tmp_path: Path) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, json=ANSWERS["openai"])

    first = client(config(), handler, tmp_path)
    assert first.complete("s", "p", 10).cached is False
    second = client(config(), handler, tmp_path)  # a new process, same cache folder
    again = second.complete("s", "p", 10)
    assert again.text == "hello" and again.cached and len(calls) == 1
    assert second.usage.snapshot().cache_hits == 1 and second.usage.snapshot().calls == 0
    client(config(temperature=0.9), handler, tmp_path).complete("s", "p", 10)  # params are in the key
    client(config(), handler, tmp_path).complete("s", "p", 11)
    assert len(calls) == 3
    files = list(tmp_path.rglob("*.json"))
    assert len(files) == 3 and all(KEY not in f.read_text(encoding="utf-8") for f in files)


def test_budget_stops_further_calls() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, json=ANSWERS["openai"])

    c = client(config(budget_tokens=9), handler)
    c.complete("s", "first", 10)  # 7 + 2 tokens: the budget is now spent
    with pytest.raises(llm.BudgetSpent, match="token budget"):
        c.complete("s", "second", 10)
    assert len(calls) == 1
    priced = client(config(budget_tokens=0, budget_usd=0.01, price_input_per_mtok=1000.0), handler)
    priced.complete("s", "first", 10)
    assert priced.usage.snapshot().cost_usd == pytest.approx(0.007)
    priced.complete("s", "second", 10)
    with pytest.raises(llm.BudgetSpent, match="cost budget"):
        priced.complete("s", "third", 10)


def test_resolve_defaults_to_off_and_reads_env() -> None:
    assert llm.resolve(LlmSettings(), {}) is None
    env = {"OSMU_LLM_PROVIDER": "ollama", "OSMU_LLM_MODEL": "qwen", "OSMU_LLM_BASE_URL": "http://h:1/"}
    cfg = llm.resolve(LlmSettings(), env)
    assert cfg is not None
    assert (cfg.provider, cfg.model, cfg.base_url, cfg.api_key) == ("ollama", "qwen", "http://h:1", "")
    cfg = llm.resolve(LlmSettings(provider="openai", model="gpt"), {"OSMU_LLM_API_KEY": KEY})
    assert cfg is not None and cfg.base_url == llm.DEFAULT_BASE_URLS["openai"] and cfg.api_key == KEY
    assert KEY not in repr(cfg) and KEY not in cfg.settings.model_dump_json()
    with pytest.raises(ConfigError, match="needs an API key"):
        llm.resolve(LlmSettings(provider="anthropic", model="claude"), {})
    with pytest.raises(ConfigError, match="model"):
        llm.resolve(LlmSettings(provider="openai"), {})
    with pytest.raises(ConfigError, match="unknown provider"):
        llm.resolve(LlmSettings(), {"OSMU_LLM_PROVIDER": "bard", "OSMU_LLM_MODEL": "x"})
