"""Optional LLM polish of a channel's context: hooks, subjects, leads, slide titles.

A channel opts in with an `llm:` section in its `channel.yaml`, naming parts:

    llm:
      hook:
        field: "posts[].hook"          # where in the prepared context (`[]`: every element)
        prompt: prompts/hook.j2        # Jinja template in the channel folder: the slot's instructions
        checks: [{rule: max-chars, max: 125}]   # constraint-linter rules for the answer

`polish()` runs after the channel's preparer, only when an LLM is configured. Every text the
parts point at (one *slot* per match of a `field:` path) gets a short id; ONE request per
channel lists every slot with its part's rendered prompt (`prompts/batch.j2`) and asks for a
JSON object `{id: new text}`. The plan never changes: slots are only re-texted, never added,
removed or reordered. Each answer is cleaned and re-checked (the part's rules, single line
where the text was one line, `max_growth`, no vault markup); a slot with no valid answer, or
every slot on a timeout, error or spent budget, keeps its deterministic text and a diagnostic
says why. Quotes are never sent: a field whose text comes from a `quote` insight is not a
slot, and `guard()` re-checks every rendered output (channel lint and verbatim quotes)
against the deterministic rendering, keeping the latter on doubt.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from jinja2 import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from tasks.lint.checks import check_output, run_checks
from tasks.model import ChannelOutput, Diagnostic, Insight, LlmUsage, PolishedPart
from tasks.render.channel import ChannelSpec, PartSpec
from tasks.render.sandbox import render_template
from tasks.settings import Settings

SYSTEM_TEMPLATE = "prompts/system.j2"
BATCH_TEMPLATE = "prompts/batch.j2"
SLOT_OVERHEAD_TOKENS = 12
"""Tokens an answer spends per slot beyond its text (the id, quotes, separators)."""
MARKUP_CHECK = {"rule": "forbidden", "name": "no-vault-markup", "patterns": [r"\[\[", "%%", r"<\s*script"]}
WRAPPING_QUOTES = (('"', '"'), ("“", "”"), ("'", "'"), ("‘", "’"), ("「", "」"), ("『", "』"))
Keys = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Polished:
    """The outcome of polishing one channel's context."""

    ctx: dict[str, Any]
    """The context with accepted answers in place."""
    parts: tuple[PolishedPart, ...]
    """Fields now holding a model's text."""
    texts: tuple[tuple[PolishedPart, str], ...]
    """Each polished part with its text (to attribute outputs)."""
    diagnostics: tuple[Diagnostic, ...] = ()
    """Parts that kept their deterministic text, and why."""


@dataclass
class PolishLog:
    """Collects what polishing did during one render (diagnostics and spend)."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    """Fallbacks and suggestions, in order."""
    usage: Any = None
    """A `tasks.llm.client.Usage` tally, created on first use."""

    def snapshot(self) -> LlmUsage | None:
        """The spend, or None when no LLM was configured."""
        return None if self.usage is None else self.usage.snapshot()


@dataclass(frozen=True, slots=True)
class Slot:
    """One text of the channel's context a part lets the model rewrite."""

    id: str
    """Short id the request and the answer name it by (`t1`, `t2`, …)."""
    part: str
    """Part name from channel.yaml (`hook`)."""
    spec: PartSpec
    """The part's settings (prompt, checks, guards)."""
    keys: Keys
    """Concrete location in the context (`("posts", 0, "hook")`)."""
    path: str
    """The same location as text (`posts[0].hook`)."""
    current: str
    """The deterministic text (without the part's `keep_prefix`)."""
    prompt: str
    """The part's prompt rendered for this slot: its instructions and current text."""


def _parse_path(path: str) -> list[str | None]:
    """`posts[].hook` → ["posts", None, "hook"] (None: every element)."""
    segments: list[str | None] = []
    for piece in path.split("."):
        name, brackets = piece.split("[", 1) if "[" in piece else (piece, "")
        if name:
            segments.append(name)
        segments.extend([None] * brackets.count("]"))
    return segments


def leaves(obj: Any, path: str) -> Iterator[tuple[Keys, Any, Any]]:
    """(concrete keys, value, enclosing element of the first `[]`) for every match of `path`."""

    def walk(node: Any, segs: list[str | None], keys: Keys, item: Any) -> Iterator[tuple[Keys, Any, Any]]:
        if not segs:
            yield keys, node, item
            return
        head, rest = segs[0], segs[1:]
        if head is None:
            if isinstance(node, list | tuple):
                for i, element in enumerate(node):
                    yield from walk(element, rest, (*keys, i), element if item is None else item)
        elif isinstance(node, Mapping) and head in node:
            yield from walk(node[head], rest, (*keys, head), item)

    yield from walk(obj, _parse_path(path), (), None)


def set_at(obj: Any, keys: Keys, value: Any) -> Any:
    """A copy of `obj` with `value` at `keys`, copying only the containers on the way."""
    if not keys:
        return value
    head, rest = keys[0], keys[1:]
    if isinstance(obj, Mapping):
        return {**obj, head: set_at(obj[head], rest, value)}
    items = list(obj)
    items[int(head)] = set_at(items[int(head)], rest, value)
    return items


def show_path(keys: Keys) -> str:
    """("posts", 0, "hook") → `posts[0].hook`."""
    return "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in keys).lstrip(".")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().rstrip("…").strip()


def quotes_of(ctx: Mapping[str, Any]) -> list[str]:
    """Texts of the quote insights in the context (never sent, never changed)."""
    return [i.text for i in ctx.get("insights", ()) if isinstance(i, Insight) and i.type == "quote"]


def carries_quote(value: str, item: Any, quotes: Sequence[str]) -> bool:
    """True when the text comes from a quote (its own insight is a quote, or it is cut from one)."""
    if isinstance(item, Mapping) and isinstance(item.get("insight"), Insight) and item["insight"].type == "quote":
        return True
    text = _norm(value)
    return len(text) >= 4 and any(text in _norm(q) or _norm(q) in text for q in quotes)


def voice_guide(ctx: Mapping[str, Any], samples: int = 3) -> str:
    """A short voice guide: the author's roots (with their one-line definitions) and own sentences."""
    lines = [f"- {r.title}: {r.summary}" if r.summary else f"- {r.title}" for r in ctx.get("roots", ())]
    own = [i.text.split("\n")[0] for i in ctx.get("insights", ()) if isinstance(i, Insight) and i.type != "quote"]
    lines += [f'- 저자의 문장: "{s}"' for s in own[:samples]]
    return "\n".join(lines)


def _non_quotes(item: Any, ctx: Mapping[str, Any]) -> list[Insight]:
    used: Any = ctx.get("insights", ())
    if isinstance(item, Mapping):
        used = item.get("insights") or ([item["insight"]] if isinstance(item.get("insight"), Insight) else used)
    return [i for i in used if isinstance(i, Insight) and i.type != "quote"]


def clean(text: str) -> str:
    """The answer without surrounding space or wrapping quotation marks."""
    text = text.strip()
    for left, right in WRAPPING_QUOTES:
        if len(text) > 1 and text.startswith(left) and text.endswith(right):
            text = text[len(left) : -len(right)].strip()
    return text


def check_answer(answer: str, current: str, spec: PartSpec) -> str | None:
    """Why the answer cannot replace `current` (None: it can)."""
    if not answer:
        return "empty answer"
    if "\n" not in current and "\n" in answer:
        return "answer has several lines where one is expected"
    if spec.max_growth is not None and len(answer) > spec.max_growth * len(current):
        return f"answer is {len(answer)} chars, more than {spec.max_growth}× the {len(current)} of the original"
    failed = [r for r in run_checks("part", answer, (MARKUP_CHECK, *spec.checks)) if not r.ok]
    return "; ".join(f"{r.rule}: {r.message}" for r in failed) or None


def slots_of(
    ctx: dict[str, Any], channel: str, parts: Mapping[str, PartSpec], settings: Settings, env: Any
) -> tuple[list[Slot], list[str]]:
    """Every polishable text of the channel, in plan order, and the prompt problems met."""
    slots: list[Slot] = []
    problems: list[str] = []
    quotes = quotes_of(ctx)
    voice = voice_guide(ctx)
    for name, spec in parts.items():
        if not spec.enabled or f"{channel}.{name}" in settings.llm.skip:
            continue
        if spec.when and ctx["note"]["kind"] not in spec.when:
            continue
        for keys, value, item in leaves(ctx, spec.field):
            if not isinstance(value, str) or not value.strip() or carries_quote(value, item, quotes):
                continue
            current = value.removeprefix(spec.keep_prefix) if spec.keep_prefix else value
            local = {**ctx, "item": item, "current": current, "part": name, "voice": voice}
            local["insights"] = _non_quotes(item, ctx)
            try:
                prompt = render_template(env.get_template(spec.prompt), local).strip()
            except TemplateError as exc:
                problems.append(f"{channel}.{name}: prompt {spec.prompt}: {exc}")
                break
            slots.append(Slot(f"t{len(slots) + 1}", name, spec, keys, show_path(keys), current, prompt))
    return slots, problems


FENCE = re.compile(r"```[a-zA-Z]*\s*\n(.*?)```", re.DOTALL)
PAIR = re.compile(r'"([^"\\\n]{1,40})"\s*:\s*("(?:[^"\\]|\\.)*")', re.DOTALL)
_LENIENT = json.JSONDecoder(strict=False)


def parse_answers(text: str) -> dict[str, Any]:
    """Slot id → value from the model's JSON object.

    Tolerates code fences, prose around the object, raw line breaks inside strings and an
    answer cut short (every complete `"id": "text"` pair before the cut is kept).
    """
    for candidate in [*(m.group(1) for m in FENCE.finditer(text)), text]:
        start, end = candidate.find("{"), candidate.rfind("}")
        if start == -1 or end < start:
            continue
        try:
            data = _LENIENT.decode(candidate[start : end + 1])
        except ValueError:
            continue
        if isinstance(data, dict):
            return {str(k): v for k, v in data.items()}
    found: dict[str, Any] = {}
    for match in PAIR.finditer(text):
        try:
            found.setdefault(match[1], _LENIENT.decode(match[2]))
        except ValueError:
            continue
    return found


def request_tokens(slots: Sequence[Slot], cap: int) -> int:
    """`max_tokens` of a channel's request: its slots' bounds plus JSON overhead, at most `cap`."""
    return min(cap, sum(s.spec.max_tokens + SLOT_OVERHEAD_TOKENS for s in slots))


def polish(
    ctx: dict[str, Any],
    spec: ChannelSpec,
    settings: Settings,
    env: ImmutableSandboxedEnvironment,
    log: PolishLog | None = None,
) -> Polished | None:
    """Replace the channel's switched-on slots with checked model text (one request); None when nothing to do."""
    parts = spec.llm
    if not parts:
        return None
    from tasks.llm import client as llm

    cfg = llm.resolve(settings.llm)
    if cfg is None:
        return None
    log = log if log is not None else PolishLog()
    log.usage = log.usage or llm.Usage()
    source = ctx["note"]["path"]
    slots, problems = slots_of(ctx, spec.name, parts, settings, env)
    diagnostics = [Diagnostic(source, 0, f"llm: {p}", "llm-fallback") for p in problems]

    def done(made: Sequence[tuple[PolishedPart, str]] = (), polished: dict[str, Any] = ctx) -> Polished:
        log.diagnostics.extend(diagnostics)
        return Polished(polished, tuple(p for p, _ in made), tuple(made), tuple(diagnostics))

    def fallback(problem: str) -> Polished:
        message = f"llm: {spec.name}: kept the deterministic text of {len(slots)} slot(s) ({problem})"
        diagnostics.append(Diagnostic(source, 0, message, "llm-fallback"))
        return done()

    if not slots:
        return done()
    try:
        system = render_template(env.get_template(SYSTEM_TEMPLATE), {**ctx, "voice": voice_guide(ctx)})
        prompt = render_template(env.get_template(BATCH_TEMPLATE), {**ctx, "channel": spec.name, "slots": slots})
    except TemplateError as exc:
        return fallback(f"prompt {BATCH_TEMPLATE}: {exc}")
    client = llm.client_for(cfg, settings.llm_cache_dir)
    try:
        answer = client.complete(system, prompt, request_tokens(slots, settings.llm.max_tokens_per_request), log.usage)
    except llm.LlmError as exc:
        return fallback(str(exc))
    answers = parse_answers(answer.text)
    if not answers:
        return fallback("the answer holds no JSON object of slot texts")
    polished, made = ctx, []
    for slot in slots:
        value = answers.get(slot.id)
        text = clean(value) if isinstance(value, str) else ""
        if text == slot.current:
            continue  # the model kept it: nothing replaced
        if slot.id not in answers:
            problem: str | None = "no answer for it"
        elif not isinstance(value, str):
            problem = f"answer is a {type(value).__name__}, not a text"
        else:
            problem = check_answer(text, slot.current, slot.spec)
        if problem is not None:
            message = f"llm: {spec.name}.{slot.part} {slot.path}: kept the deterministic text ({problem})"
            diagnostics.append(Diagnostic(source, 0, message, "llm-fallback"))
            continue
        text = slot.spec.keep_prefix + text if slot.spec.keep_prefix else text
        polished = set_at(polished, slot.keys, text)
        for extra in slot.spec.also:
            for keys, _, _ in leaves(polished, extra):
                polished = set_at(polished, keys, text)
        made.append((PolishedPart(slot.part, slot.path, answer.provider, answer.model), text))
    return done(made, polished)


def _mentions(content: bytes, text: str) -> bool:
    try:
        decoded = content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return text in decoded or html.escape(text) in decoded or html.escape(text, quote=False) in decoded


def quotes_intact(plain: bytes, polished: bytes, quotes: Sequence[str]) -> bool:
    """Every quote line present in the deterministic output is present, unchanged, in the polished one."""
    try:
        before, after = plain.decode("utf-8"), polished.decode("utf-8")
    except UnicodeDecodeError:
        return True  # binary outputs carry no quotable text we can compare
    lines = {ln.strip() for q in quotes for ln in q.split("\n") if len(ln.strip()) >= 4}
    return all(ln in after for ln in lines if ln in before)


def guard(
    polished: Sequence[ChannelOutput],
    plain: Sequence[ChannelOutput],
    result: Polished,
    quotes: Sequence[str],
    spec: ChannelSpec,
    log: PolishLog | None = None,
) -> list[ChannelOutput]:
    """Per output: the polished version with its provenance, or the deterministic one on doubt.

    A polished output is kept only when it breaks no channel rule the deterministic one passes
    and every quote line it carried is still there, unchanged.
    """
    by_path = {o.path: o for o in plain}
    chosen: list[ChannelOutput] = []
    source = result.ctx["note"]["path"]
    for out in polished:
        base = by_path.get(out.path)
        if base is None or out.content == base.content:
            chosen.append(base or out)
            continue
        options = result.ctx.get("options")
        new_failures = _failed_rules(out, spec, options) - _failed_rules(base, spec, options)
        problem = f"fails {sorted(new_failures)}" if new_failures else None
        if problem is None and not quotes_intact(base.content, out.content, quotes):
            problem = "a quote would change"
        if problem is not None:
            message = f"llm: {out.path}: kept the deterministic output ({problem})"
            if log is not None:
                log.diagnostics.append(Diagnostic(source, 0, message, "llm-fallback"))
            chosen.append(base)
            continue
        used = tuple(part for part, text in result.texts if _mentions(out.content, text))
        chosen.append(replace(out, llm=used))
    return chosen


def _failed_rules(output: ChannelOutput, spec: ChannelSpec, options: Mapping[str, Any] | None) -> set[str]:
    """Names of the channel rules `output` breaks (`options`: the channel's resolved options)."""
    return {r.rule for r in check_output(output.path, output.content, spec, options) if not r.ok}
