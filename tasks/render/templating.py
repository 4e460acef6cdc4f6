"""Stage 7, render (templating): insights → each channel's prepared context and rendered files.

For every chosen channel: its spec (`tasks/render/channel.py`), the shared context
(`tasks/render/context.py`), the channel's preparer, then its templates and builders. The
result is a `Drafts`: the files as the templates made them, not yet polished (stage 8,
`tasks/llm/polish.py`) nor linted (stage 9, `tasks/lint/checks.py`). Adding a channel never
changes this module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jinja2 import TemplateError

from tasks.compose.plan import TooLittle
from tasks.compose.stage import Composition, compose_note
from tasks.model import ChannelOutput, Diagnostic, Insight, NoteError, NoteRoots, ParsedNote, RootIndex
from tasks.render.channel import ChannelSpec, load_channel, preparer
from tasks.render.context import base_context, header
from tasks.render.environment import environment
from tasks.render.filters import POSTPROCESSORS
from tasks.render.images import find_images
from tasks.render.sandbox import render_template, template_error
from tasks.settings import CHANNELS_DIR, Settings
from tasks.slug import is_safe_component, safe_slug


@dataclass(frozen=True, slots=True)
class ChannelDraft:
    """One channel of one note, rendered from its prepared context."""

    spec: ChannelSpec
    """The channel's `channel.yaml`."""
    ctx: Mapping[str, Any]
    """The context its templates saw (after the preparer): what polish may rewrite."""
    outputs: tuple[ChannelOutput, ...]
    """Its files, in order, not yet linted."""


@dataclass(frozen=True, slots=True)
class Drafts:
    """Every chosen channel of one note, rendered: the render stage's result."""

    source: str
    """Vault-relative path of the source note."""
    slug: str
    """Output folder name for the note."""
    ctx: Mapping[str, Any]
    """The shared context every channel started from."""
    channels: tuple[str, ...]
    """The channels rendered, in order (a channel may produce no output)."""
    drafts: tuple[ChannelDraft, ...]
    """One per channel, in the same order."""
    diagnostics: tuple[Diagnostic, ...] = ()
    """Warnings raised so far (polish adds its fallbacks and suggestions)."""
    llm: Any = None
    """The LLM spend (`LlmUsage`) once polish asked a model; None otherwise."""
    composition: Any = None
    """The compose stage's `Composition` the channels rendered (None: rendered without plans)."""

    @property
    def outputs(self) -> tuple[ChannelOutput, ...]:
        """Every file of every channel, in channel order."""
        return tuple(o for d in self.drafts for o in d.outputs)


def _fill_path(pattern: str, ctx: Mapping[str, Any], index: int, item: Any) -> str:
    item_slug = ""
    if isinstance(item, Mapping) and item.get("slug"):
        item_slug = safe_slug(str(item["slug"]))
    filled = pattern.format(slug=ctx["note"]["slug"], index=index, item_slug=item_slug, item=item)
    parts = filled.split("/")
    if not all(is_safe_component(p) for p in parts):
        raise NoteError(ctx["note"]["path"], 0, f"unsafe output path '{filled}'")
    return "/".join(parts)


def _ids_and_roots(ctx: Mapping[str, Any], item: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    used: Sequence[Insight] = ctx["insights"]
    if isinstance(item, Mapping) and "insights" in item:
        used = item["insights"]
    ids = tuple(i.id for i in used)
    roots = tuple(dict.fromkeys(s for i in used for s in i.root_slugs))
    return ids, roots


def render_outputs(spec: ChannelSpec, settings: Settings, channel_ctx: Mapping[str, Any]) -> tuple[ChannelOutput, ...]:
    """The channel's files rendered from `channel_ctx` (again, for polish: from its polished context)."""
    env = environment(CHANNELS_DIR / spec.name, settings.templates_dir)
    module = preparer(spec.name)
    name = spec.name
    outputs: list[ChannelOutput] = []
    for out in spec.outputs:
        if out.when and channel_ctx["note"]["kind"] not in out.when:
            continue
        items = list(enumerate(channel_ctx[out.each], 1)) if out.each else [(1, None)]
        for index, item in items:
            ids, roots = _ids_and_roots(channel_ctx, item)
            local = {**channel_ctx, out.as_: item, "index": index, "osmu": header(channel_ctx, name, ids, roots)}
            rel = f"{name}/{_fill_path(out.path, channel_ctx, index, item)}"
            if out.builder:
                # Builders see the channel's text outputs rendered so far (an .eml wraps them).
                content = getattr(module, out.builder)({**local, "rendered": {o.path: o.content for o in outputs}})
            else:
                try:
                    text = render_template(env.get_template(out.template or ""), local)
                except TemplateError as exc:  # one `template:line: message`, never a traceback
                    raise template_error(exc, out.template or name) from exc
                for step in out.postprocess:
                    text = POSTPROCESSORS[step](text)
                content = text.encode("utf-8")
            outputs.append(ChannelOutput(name, rel, content, ids, roots))
    return tuple(outputs)


def render_channel(name: str, ctx: Mapping[str, Any], settings: Settings, plans: Sequence[Any] = ()) -> ChannelDraft:
    """One channel: its preparer reshapes the shared context (and its plans), its templates render it."""
    spec = load_channel(name)
    options = spec.resolve_options(settings.options.get(name))
    channel_ctx: dict[str, Any] = {**ctx, "channel": spec.name, "limits": spec.limits, "options": options}
    channel_ctx["plans"] = list(plans)
    module = preparer(name)
    if module is not None and hasattr(module, "prepare"):
        channel_ctx = module.prepare(channel_ctx, spec)
    return ChannelDraft(spec, channel_ctx, render_outputs(spec, settings, channel_ctx))


def render_note(
    parsed: ParsedNote,
    insights: Sequence[Insight],
    note_roots: NoteRoots,
    index: RootIndex,
    settings: Settings,
    channels: Sequence[str] | None = None,
    composition: Composition | None = None,
) -> Drafts:
    """Render all requested channels for one note from their plans (templating only)."""
    chosen = tuple(channels or settings.channels)
    if composition is None:
        composition = compose_note(parsed, insights, settings, chosen)
    ctx = {**base_context(parsed, insights, note_roots, index, settings), "outline": composition.outline}
    files, missing = find_images(settings.vault, parsed.note.path, insights, settings.private_folders)
    ctx["image_files"] = files  # each image resolved once; channels copy what they show (place_images)
    silent = composition.outline is None and parsed.note.kind != "process-log"  # nothing to say: no posts
    drafts: list[ChannelDraft] = []
    notes = [*composition.diagnostics, *missing]
    for name in chosen:
        if silent or name in composition.skipped:
            drafts.append(_silent(name, ctx, settings))
            continue
        try:
            drafts.append(render_channel(name, ctx, settings, composition.of(name)))
        except TooLittle as why:  # a story too short for the channel's shape
            notes.append(Diagnostic(parsed.note.path, 0, f"{name}: {why}: nothing written", "too-little"))
            drafts.append(_silent(name, ctx, settings))
    return Drafts(
        parsed.note.path,
        ctx["note"]["slug"],
        ctx,
        chosen,
        tuple(drafts),
        diagnostics=tuple(notes),
        composition=composition,
    )


def _silent(name: str, ctx: Mapping[str, Any], settings: Settings) -> ChannelDraft:
    """A channel that writes nothing for this note (its context still complete, for polish and lint)."""
    spec = load_channel(name)
    options = spec.resolve_options(settings.options.get(name))
    return ChannelDraft(spec, {**ctx, "channel": name, "limits": spec.limits, "options": options, "plans": []}, ())
