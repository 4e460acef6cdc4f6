"""A real HTTP server on localhost speaking three LLM wire formats, for tests.

Routes: `POST /v1/chat/completions` (OpenAI-compatible), `POST /v1/messages` (Anthropic),
`POST /api/chat` (Ollama native). By default it answers a channel's polish request (its
`<slot id="…">` blocks, prompts/batch.j2) with a JSON object giving every slot its text between
`<current>` and `</current>`, first character replaced by `✦` (so the answer has the
original's length and is visibly the model's); a prompt without slots gets that text alone.
Tests steer it with:
- `script`: a queue of `(status, headers)` answered first, e.g. `[(429, {"Retry-After": "1"})]`;
- `delay`: seconds to wait before answering (slow model);
- `reply`: a function `prompt -> text` replacing the default answer (too-long text, …).
It records every request (path, headers, JSON body, arrival time) and the most requests
it ever had in flight at once.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CURRENT = re.compile(r"<current>\n(.*?)\n</current>", re.DOTALL)
SLOT = re.compile(r'<slot id="([^"]+)"[^>]*>\n(.*?)\n</slot>', re.DOTALL)
MARK = "✦"


def slots(prompt: str) -> dict[str, str]:
    """Slot id → its current text, for every slot of a channel's request (in order)."""
    found = {}
    for slot_id, body in SLOT.findall(prompt):
        match = CURRENT.search(body)
        found[slot_id] = match.group(1) if match else ""
    return found


def marked(current: str) -> str:
    """`current` with its first character replaced by the mark."""
    return MARK + current[1:]


def answer_slots(prompt: str, text: Callable[[str, str], str] = lambda _id, current: marked(current)) -> str:
    """A JSON answer giving each slot `text(id, current)`."""
    return json.dumps(
        {slot_id: text(slot_id, current) for slot_id, current in slots(prompt).items()}, ensure_ascii=False
    )


def default_reply(prompt: str) -> str:
    """Every slot marked (a JSON object), or the marked `<current>` text of a prompt without slots."""
    if SLOT.search(prompt):
        return answer_slots(prompt)
    match = CURRENT.search(prompt)
    return marked(match.group(1) if match else "polished")


@dataclass
class Seen:
    """One request as received."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float


@dataclass
class LlmServer:
    """State shared between the test and the handler threads."""

    port: int = 0
    script: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    delay: float = 0.0
    reply: Callable[[str], str] = default_reply
    requests: list[Seen] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "") -> str:
        """`http://127.0.0.1:<port><path>`."""
        return f"http://127.0.0.1:{self.port}{path}"

    def prompts(self) -> list[str]:
        """The user prompt of every request, in arrival order."""
        return [_prompt(r.path, r.body) for r in self.requests]


def _prompt(path: str, body: dict[str, Any]) -> str:
    return str(body["messages"][-1]["content"])


def _answer(path: str, body: dict[str, Any], text: str) -> dict[str, Any]:
    tokens_in, tokens_out = len(json.dumps(body, ensure_ascii=False)) // 3, max(1, len(text) // 2)
    if path == "/v1/messages":
        return {
            "id": "msg_test",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": [{"type": "text", "text": text}],
            "stop_reason": "end_turn",
            "usage": {"input_tokens": tokens_in, "output_tokens": tokens_out},
        }
    if path == "/api/chat":
        return {
            "model": body["model"],
            "message": {"role": "assistant", "content": text},
            "done": True,
            "prompt_eval_count": tokens_in,
            "eval_count": tokens_out,
        }
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "model": body["model"],
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": tokens_in, "completion_tokens": tokens_out, "total_tokens": tokens_in + tokens_out},
    }


def _handler(state: LlmServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("content-length", "0"))) or b"{}")
            with state.lock:
                state.requests.append(Seen(self.path, dict(self.headers.items()), body, time.monotonic()))
                state.in_flight += 1
                state.max_in_flight = max(state.max_in_flight, state.in_flight)
                scripted = state.script.pop(0) if state.script else None
            try:
                if state.delay:
                    time.sleep(state.delay)
                if self.path not in ("/v1/chat/completions", "/v1/messages", "/api/chat"):
                    self._send(404, {"error": {"message": f"no route {self.path}"}})
                elif scripted is not None:
                    status, headers = scripted
                    self._send(status, {"error": {"type": "scripted", "message": f"HTTP {status}"}}, headers)
                else:
                    self._send(200, _answer(self.path, body, state.reply(_prompt(self.path, body))))
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)
            finally:
                with state.lock:
                    state.in_flight -= 1

    return Handler


@contextmanager
def running() -> Iterator[LlmServer]:
    """Start the server on a free port in a background thread; stop it afterwards."""
    state = LlmServer()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, name="llm-test-server", daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def main() -> None:
    """`python -m tests.llm_server [PORT]`: serve until Ctrl-C (to try `osmu run` with an LLM offline)."""
    import sys

    state = LlmServer()
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 8765), _handler(state))
    print(f"fake LLM on http://127.0.0.1:{server.server_address[1]} (openai: /v1, anthropic: /, ollama: /)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
