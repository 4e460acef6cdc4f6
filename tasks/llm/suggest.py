"""Optional second opinion: a model suggests insight boundaries and root tags, for the report only.

Suggestions are never applied: they become `llm-suggestion` diagnostics (listed by
`osmu run -v` and in the manifest's warnings) naming the insight and its source line.
Quote insights are not sent. The answer is one suggestion per line:

    MERGE <id> <id>: <reason>      SPLIT <id>: <reason>      ROOT <id> +<slug> | -<slug>: <reason>

Unknown ids or root slugs and any other line are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from jinja2 import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from tasks.llm.polish import SYSTEM_TEMPLATE, PolishLog, voice_guide
from tasks.model import Diagnostic, Insight, RootIndex
from tasks.render.sandbox import render_template
from tasks.settings import Settings

PROMPT = "prompts/second_opinion.j2"
MAX_SUGGESTIONS = 10
LINE = re.compile(r"^\W*(MERGE|SPLIT|ROOT)\s+([^:]+?)\s*:\s*(.+)$", re.IGNORECASE)


def parse(answer: str, insights: Mapping[str, Insight], index: RootIndex) -> list[tuple[Insight, str]]:
    """(insight, suggestion text) for every well-formed line naming known ids and roots."""
    found: list[tuple[Insight, str]] = []
    for raw in answer.splitlines():
        match = LINE.match(raw.strip())
        if not match:
            continue
        verb, args, reason = match[1].upper(), match[2].split(), " ".join(match[3].split())[:200]
        ids = [a for a in args if a in insights]
        if verb == "MERGE" and len(ids) == 2 == len(args):
            found.append((insights[ids[0]], f"merge {ids[0]} with {ids[1]}: {reason}"))
        elif verb == "SPLIT" and len(ids) == 1 == len(args):
            found.append((insights[ids[0]], f"split {ids[0]}: {reason}"))
        elif verb == "ROOT" and len(args) == 2 and ids == args[:1] and args[1][:1] in "+-":
            slug = args[1][1:]
            if index.get(slug) is not None:
                action = "add root" if args[1][0] == "+" else "drop root"
                found.append((insights[ids[0]], f"{action} {slug} on {ids[0]}: {reason}"))
    return found[:MAX_SUGGESTIONS]


def second_opinion(
    ctx: Mapping[str, Any],
    index: RootIndex,
    settings: Settings,
    env: ImmutableSandboxedEnvironment,
    log: PolishLog,
) -> None:
    """Ask once per note (when `llm.second_opinion` is on) and add the suggestions to `log`."""
    if not settings.llm.second_opinion:
        return
    from tasks.llm import client as llm

    cfg = llm.resolve(settings.llm)
    if cfg is None:
        return
    source = ctx["note"]["path"]
    insights = [i for i in ctx["insights"] if i.type != "quote"]
    log.usage = log.usage or llm.Usage()
    try:
        system = render_template(env.get_template(SYSTEM_TEMPLATE), {**ctx, "voice": voice_guide(ctx)})
        prompt = render_template(env.get_template(PROMPT), {**ctx, "insights": insights, "all_roots": index.roots})
        answer = llm.client_for(cfg, settings.llm_cache_dir).complete(system, prompt, 600, log.usage)
    except (llm.LlmError, TemplateError) as exc:
        log.diagnostics.append(Diagnostic(source, 0, f"llm: second opinion skipped ({exc})", "llm-fallback"))
        return
    for insight, text in parse(answer.text, {i.id: i for i in insights}, index):
        message = f"llm suggestion ({answer.model}, not applied): {text}"
        log.diagnostics.append(Diagnostic(source, insight.lines[0], message, "llm-suggestion"))
