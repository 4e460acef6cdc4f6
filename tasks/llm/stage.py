"""Stage 8, polish (optional): the LLM rewrites the parts each channel opens to it, never facts or quotes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from tasks.llm.polish import Polished, PolishLog, guard, polish, quotes_of
from tasks.llm.suggest import second_opinion
from tasks.model import LlmUsage, RootIndex
from tasks.render.channel import BASE_DIR_NAME
from tasks.render.environment import environment
from tasks.render.templating import ChannelDraft, Drafts, render_outputs
from tasks.settings import CHANNELS_DIR, Settings


def polish_note(drafts: Drafts, index: RootIndex, settings: Settings) -> Drafts:
    """Stage 8, polish: each channel's switched-on parts rewritten by the model, when one is configured.

    With no provider (the default) nothing is asked and `drafts` comes back unchanged. Each
    channel is one request (all its slots at once); the channels' requests run concurrently
    (`llm.concurrency`). A polished channel is rendered again from its polished context and
    `guard` keeps, per file, the deterministic version on any doubt. The second opinion
    (`llm.second_opinion`) is asked here too.
    """
    logs = [PolishLog() for _ in drafts.drafts]

    def ask(draft: ChannelDraft, log: PolishLog) -> Polished | None:
        if not draft.outputs:  # a channel with nothing to write for this note has nothing to polish
            return None
        env = environment(CHANNELS_DIR / draft.spec.name, settings.templates_dir)
        return polish(dict(draft.ctx), draft.spec, settings, env, log)

    workers = max(1, min(settings.llm.concurrency, sum(1 for d in drafts.drafts if d.spec.llm)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="osmu-llm") as pool:
        results = list(pool.map(ask, drafts.drafts, logs))
    log = PolishLog()
    done = []
    for draft, polished, own in zip(drafts.drafts, results, logs, strict=True):
        log.diagnostics.extend(own.diagnostics)  # in channel order, whichever answered first
        if polished is not None and polished.parts:
            outputs = render_outputs(draft.spec, settings, polished.ctx)
            chosen = guard(outputs, draft.outputs, polished, quotes_of(draft.ctx), draft.spec, log)
            draft = replace(draft, ctx=polished.ctx, outputs=tuple(chosen))
        done.append(draft)
    second_opinion(drafts.ctx, index, settings, environment(CHANNELS_DIR / BASE_DIR_NAME, settings.templates_dir), log)
    spent = [u for u in (*(own.snapshot() for own in logs), log.snapshot()) if u is not None]
    usage = sum(spent, LlmUsage()) if spent else None
    return replace(drafts, drafts=tuple(done), diagnostics=(*drafts.diagnostics, *log.diagnostics), llm=usage)
