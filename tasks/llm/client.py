"""One small LLM client over httpx: OpenAI-compatible chat, Anthropic messages, Ollama native.

The deterministic pipeline is the product; this client only polishes it, so it is built to
cost little and fail softly:
- nothing is built (and nothing touches the network) unless a provider is configured;
- every response is cached on disk, keyed by provider, model, prompt hash and parameters,
  so a re-run of an unchanged note makes no request at all;
- 429/5xx and transport errors are retried with exponential backoff, honouring
  `Retry-After`; a concurrency limit and a per-run token/cost budget bound the spend;
- the API key lives only in request headers: never in settings, the cache, logs or errors.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx

from tasks.model import LlmUsage
from tasks.settings import LlmSettings
from tasks.write.outputs import atomic_write

log = logging.getLogger("osmu.llm")

ENV_PREFIX = "OSMU_LLM_"
DEFAULT_BASE_URLS = {
    "openai": "https://api.openai.com/v1",
    "anthropic": "https://api.anthropic.com",
    "ollama": "http://localhost:11434",
}
NEEDS_KEY = {"openai": False, "anthropic": True, "ollama": False}
RETRY_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
ANTHROPIC_VERSION = "2023-06-01"


class LlmError(Exception):
    """A call that gave no usable text (after retries); the caller falls back."""


class BudgetSpent(LlmError):
    """The run's token or cost budget is used up: no further calls are made."""


@dataclass(frozen=True, slots=True)
class LlmConfig:
    """Effective settings of one provider (config merged with `OSMU_LLM_*` env)."""

    provider: str
    """`openai` (any OpenAI-compatible server), `anthropic` or `ollama`."""
    base_url: str
    """Server root, e.g. `https://api.openai.com/v1` or `http://localhost:11434`."""
    model: str
    """Model name sent with every request."""
    settings: LlmSettings
    """Timeouts, retries, limits, prices."""
    api_key: str = field(default="", repr=False, compare=False)
    """Secret; kept out of repr, comparisons, cache keys and files."""


@dataclass(frozen=True, slots=True)
class Completion:
    """One answer of the model."""

    text: str
    """The generated text."""
    provider: str
    """Provider that produced it."""
    model: str
    """Model that produced it."""
    cached: bool = False
    """True when served from the disk cache (no request made)."""


def _no_secrets(name: str) -> str:
    raise LlmError(f"llm.api_key_secret '{name}': secret blocks need Prefect (run through an osmu flow)")


_HOOKS: dict[str, Callable[..., str]] = {"secret": _no_secrets, "run_id": lambda: "local"}
"""What only the orchestrator knows: secret blocks and the current run (set by `use_prefect`)."""


def use_prefect(secret: Callable[[str], str], run_id: Callable[[], str]) -> None:
    """Read API keys from the orchestrator's secret blocks and keep budgets per flow run (flows/stages.py)."""
    _HOOKS.update(secret=lru_cache(maxsize=8)(secret), run_id=run_id)


def _secret_block(name: str) -> str:
    """The value of a secret block named in `llm.api_key_secret`."""
    return _HOOKS["secret"](name)


def resolve(settings: LlmSettings, environ: Mapping[str, str] | None = None) -> LlmConfig | None:
    """The effective provider config, or None when no LLM is configured (the default)."""
    env = os.environ if environ is None else environ
    provider = (env.get(f"{ENV_PREFIX}PROVIDER") or settings.provider or "none").strip().lower()
    if provider in ("", "none", "off"):
        return None
    if provider not in DEFAULT_BASE_URLS:
        from tasks.settings import ConfigError

        raise ConfigError([f"{ENV_PREFIX}PROVIDER / llm.provider: unknown provider '{provider}'"])
    model = env.get(f"{ENV_PREFIX}MODEL") or settings.model
    if not model:
        from tasks.settings import ConfigError

        raise ConfigError([f"llm.model (or {ENV_PREFIX}MODEL) is required when llm.provider is set"])
    base_url = (env.get(f"{ENV_PREFIX}BASE_URL") or settings.base_url or DEFAULT_BASE_URLS[provider]).rstrip("/")
    key = env.get(f"{ENV_PREFIX}API_KEY", "")
    if not key and settings.api_key_secret:
        key = _secret_block(settings.api_key_secret)
    if NEEDS_KEY[provider] and not key:
        from tasks.settings import ConfigError

        raise ConfigError([f"{provider} needs an API key: set {ENV_PREFIX}API_KEY or llm.api_key_secret"])
    return LlmConfig(provider, base_url, model, settings, key)


Wire = tuple[str, dict[str, str], dict[str, Any]]


def wire_request(cfg: LlmConfig, system: str, prompt: str, max_tokens: int) -> Wire:
    """(url, headers, JSON body) of one request in the provider's wire format."""
    temperature = cfg.settings.temperature
    headers = {"content-type": "application/json"}
    if cfg.provider == "anthropic":
        headers |= {"x-api-key": cfg.api_key, "anthropic-version": ANTHROPIC_VERSION}
        body: dict[str, Any] = {
            "model": cfg.model,
            "system": system,
            "messages": [{"role": "user", "content": prompt}],
            "max_tokens": max_tokens,
            "temperature": temperature,
        }
        return f"{cfg.base_url}/v1/messages", headers, body
    messages = [{"role": "system", "content": system}, {"role": "user", "content": prompt}]
    if cfg.provider == "ollama":
        options = {"temperature": temperature, "num_predict": max_tokens}
        body = {"model": cfg.model, "messages": messages, "stream": False, "options": options}
        return f"{cfg.base_url}/api/chat", headers, body
    if cfg.api_key:
        headers["authorization"] = f"Bearer {cfg.api_key}"
    body = {"model": cfg.model, "messages": messages, "max_tokens": max_tokens, "temperature": temperature}
    return f"{cfg.base_url}/chat/completions", headers, body


def wire_response(provider: str, data: Any) -> tuple[str, int, int]:
    """(text, input tokens, output tokens) from a provider's JSON answer."""
    try:
        if provider == "anthropic":
            text = "".join(b.get("text", "") for b in data["content"] if b.get("type") == "text")
            usage = data.get("usage") or {}
            return text, int(usage.get("input_tokens", 0)), int(usage.get("output_tokens", 0))
        if provider == "ollama":
            return data["message"]["content"], int(data.get("prompt_eval_count", 0)), int(data.get("eval_count", 0))
        usage = data.get("usage") or {}
        text = data["choices"][0]["message"]["content"]
        return text, int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0))
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise LlmError(f"{provider}: unexpected response shape ({type(exc).__name__}: {exc})") from exc


def retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or HTTP date)."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def cache_key(cfg: LlmConfig, system: str, prompt: str, max_tokens: int) -> str:
    """Hex key from provider, model, prompt hash and parameters (never the key or URL)."""
    prompt_hash = hashlib.sha256(f"{system}\x00{prompt}".encode()).hexdigest()
    params = {"max_tokens": max_tokens, "temperature": cfg.settings.temperature}
    material = json.dumps([cfg.provider, cfg.model, prompt_hash, params], sort_keys=True)
    return hashlib.sha256(material.encode()).hexdigest()


class Usage:
    """Thread-safe counters for one run; `snapshot()` gives the frozen `LlmUsage`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls = self.cache_hits = self.failures = self.tokens_in = self.tokens_out = 0
        self.cost_usd = 0.0

    def add(self, **counts: float) -> None:
        """Add to named counters (`calls=1`, `tokens_in=…`)."""
        with self._lock:
            for name, value in counts.items():
                setattr(self, name, getattr(self, name) + value)

    def snapshot(self) -> LlmUsage:
        """The counters as a frozen value."""
        with self._lock:
            return LlmUsage(
                self.calls, self.cache_hits, self.failures, self.tokens_in, self.tokens_out, round(self.cost_usd, 6)
            )


def _add(tallies: tuple[Usage, ...], **counts: float) -> None:
    for tally in tallies:
        tally.add(**counts)


class LlmClient:
    """Calls one configured provider with caching, retries, a concurrency limit and a budget."""

    def __init__(
        self,
        cfg: LlmConfig,
        cache_dir: Path | None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.cfg = cfg
        self.cache_dir = cache_dir
        self.usage = Usage()
        self._sleep = sleep
        self._gate = threading.BoundedSemaphore(cfg.settings.concurrency)
        timeout = httpx.Timeout(cfg.settings.timeout_seconds)
        self._http = httpx.Client(timeout=timeout, transport=transport, follow_redirects=False)

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()

    def _cache_path(self, key: str) -> Path | None:
        return None if self.cache_dir is None else self.cache_dir / key[:2] / f"{key}.json"

    def _cached(self, key: str) -> str | None:
        path = self._cache_path(key)
        if path is None or not path.is_file():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # a damaged entry is simply a miss
        text = data.get("text") if isinstance(data, dict) else None
        return text if isinstance(text, str) else None

    def _store(self, key: str, text: str, tokens: tuple[int, int]) -> None:
        path = self._cache_path(key)
        if path is None:
            return
        entry = {"provider": self.cfg.provider, "model": self.cfg.model, "text": text, "tokens": list(tokens)}
        atomic_write(path, (json.dumps(entry, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))

    def _check_budget(self) -> None:
        s, u = self.cfg.settings, self.usage
        if s.budget_tokens and u.tokens_in + u.tokens_out >= s.budget_tokens:
            raise BudgetSpent(f"token budget spent ({u.tokens_in + u.tokens_out} ≥ {s.budget_tokens})")
        if s.budget_usd and u.cost_usd >= s.budget_usd:
            raise BudgetSpent(f"cost budget spent (${u.cost_usd:.4f} ≥ ${s.budget_usd})")

    def complete(self, system: str, prompt: str, max_tokens: int, tally: Usage | None = None) -> Completion:
        """The model's answer to `prompt`, from the cache when possible.

        Counts go to the run's `usage` (the budget) and to `tally` (one render's report).
        """
        tallies = (self.usage,) if tally is None else (self.usage, tally)
        key = cache_key(self.cfg, system, prompt, max_tokens)
        hit = self._cached(key)
        if hit is not None:
            _add(tallies, cache_hits=1)
            return Completion(hit, self.cfg.provider, self.cfg.model, cached=True)
        with self._gate:
            self._check_budget()
            try:
                text, tokens_in, tokens_out = self._post(system, prompt, max_tokens, tallies)
            except LlmError:
                _add(tallies, failures=1)
                raise
        s = self.cfg.settings
        cost = (tokens_in * s.price_input_per_mtok + tokens_out * s.price_output_per_mtok) / 1_000_000
        _add(tallies, tokens_in=tokens_in, tokens_out=tokens_out, cost_usd=cost)
        self._store(key, text, (tokens_in, tokens_out))
        return Completion(text, self.cfg.provider, self.cfg.model)

    def _post(self, system: str, prompt: str, max_tokens: int, tallies: tuple[Usage, ...]) -> tuple[str, int, int]:
        url, headers, body = wire_request(self.cfg, system, prompt, max_tokens)
        s = self.cfg.settings
        for attempt in range(s.max_retries + 1):
            wait: float | None = None
            try:
                _add(tallies, calls=1)
                response = self._http.post(url, headers=headers, json=body)
            except httpx.TransportError as exc:  # timeouts included
                problem = f"{type(exc).__name__} calling {url}"
            else:
                if response.status_code < 300:
                    try:
                        return wire_response(self.cfg.provider, response.json())
                    except ValueError as exc:
                        raise LlmError(f"{url}: response is not JSON") from exc
                problem = f"HTTP {response.status_code} from {url}"
                if response.status_code not in RETRY_STATUS:
                    raise LlmError(problem)
                wait = retry_after(response)
            if attempt == s.max_retries:
                raise LlmError(f"{problem} (gave up after {attempt + 1} attempts)")
            delay = min(s.max_backoff_seconds, wait if wait is not None else s.backoff_seconds * 2**attempt)
            log.info("%s; retrying in %.1f s", problem, delay)
            self._sleep(delay)
        raise LlmError(f"{url}: no attempt made")  # max_retries < 0 is refused by settings


_clients: dict[tuple[str, str], LlmClient] = {}
_clients_lock = threading.Lock()
KEEP_CLIENTS = 4


def _run_id() -> str:
    """The current flow run: budgets and counters are per run ("local" outside one)."""
    return _HOOKS["run_id"]()


def client_for(cfg: LlmConfig, cache_dir: Path | None) -> LlmClient:
    """The run's client for `cfg` (one per flow run, so the budget spans the whole run)."""
    fingerprint = json.dumps([cfg.provider, cfg.base_url, cfg.model, str(cache_dir), cfg.settings.model_dump_json()])
    key = (_run_id(), hashlib.sha256(fingerprint.encode()).hexdigest())
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = LlmClient(cfg, cache_dir)
            while len(_clients) > KEEP_CLIENTS:  # old runs: close their pools
                _clients.pop(next(iter(_clients))).close()
        return client
