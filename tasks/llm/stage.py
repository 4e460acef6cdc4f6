"""Stage 7, polish (optional): the LLM rewrites the parts each channel opens to it, never facts or quotes."""

from __future__ import annotations

from dataclasses import replace

from tasks.llm.polish import PolishLog, guard, polish, quotes_of
from tasks.llm.suggest import second_opinion
from tasks.model import RootIndex
from tasks.render.channel import BASE_DIR_NAME
from tasks.render.environment import environment
from tasks.render.templating import Drafts, render_outputs
from tasks.settings import CHANNELS_DIR, Settings


def polish_note(drafts: Drafts, index: RootIndex, settings: Settings) -> Drafts:
    """Stage 7, polish: each channel's switched-on parts rewritten by the model, when one is configured.

    With no provider (the default) nothing is asked and `drafts` comes back unchanged. A
    polished channel is rendered again from its polished context and `guard` keeps, per file,
    the deterministic version on any doubt. The second opinion (`llm.second_opinion`) is asked here too.
    """
    log = PolishLog()
    done = []
    for draft in drafts.drafts:
        env = environment(CHANNELS_DIR / draft.spec.name, settings.templates_dir)
        polished = polish(dict(draft.ctx), draft.spec, settings, env, log)
        if polished is not None and polished.parts:
            outputs = render_outputs(draft.spec, settings, polished.ctx)
            chosen = guard(outputs, draft.outputs, polished, quotes_of(draft.ctx), draft.spec, log)
            draft = replace(draft, ctx=polished.ctx, outputs=tuple(chosen))
        done.append(draft)
    second_opinion(drafts.ctx, index, settings, environment(CHANNELS_DIR / BASE_DIR_NAME, settings.templates_dir), log)
    return replace(drafts, drafts=tuple(done), diagnostics=(*drafts.diagnostics, *log.diagnostics), llm=log.snapshot())
