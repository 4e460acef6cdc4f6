"""The compose stage: one outline per note, then each chosen channel's plans (`plan()` of its module)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tasks.compose.ideas import Idea
from tasks.compose.outline import Outline, outline, outline_json
from tasks.compose.plan import Plan, TooLittle
from tasks.model import Diagnostic, Insight, ParsedNote
from tasks.render.channel import load_channel, preparer
from tasks.render.labels import labels, note_language
from tasks.settings import Settings


@dataclass(frozen=True, slots=True)
class Composition:
    """What the compose stage decided for one note."""

    outline: Outline | None
    """The note read as an argument; None for a process log (its story is told by the channels' story variants)."""
    plans: tuple[tuple[str, tuple[Plan, ...]], ...]
    """Per chosen channel, in order: its plans (one per output it will write; empty for a story)."""
    diagnostics: tuple[Diagnostic, ...] = ()
    """Channels left out because the note is too small for their shape, one line each."""
    skipped: tuple[str, ...] = ()
    """Those channels' names: they write nothing for this note."""

    def of(self, channel: str) -> tuple[Plan, ...]:
        """The plans of one channel (empty when it has none)."""
        return next((plans for name, plans in self.plans if name == channel), ())

    def to_json(self) -> dict[str, Any]:
        """The manifest form: the outline and every plan's slots with their insight ids."""
        return {
            "outline": outline_json(self.outline) if self.outline else None,
            "plans": [p.to_json() for _, plans in self.plans for p in plans],
        }


def _aside(parsed: ParsedNote, idea: Idea) -> Diagnostic:
    """Tells the author which of her lines no channel shows, and why (she may disagree)."""
    line = idea.text.split("\n", 1)[0]
    return Diagnostic(
        parsed.note.path,
        idea.lines[0],
        f"left out of every reader-facing channel as the author's own logistics: {line}",
        "logistics",
    )


def compose_note(
    parsed: ParsedNote,
    insights: Sequence[Insight],
    settings: Settings,
    channels: Sequence[str] | None = None,
) -> Composition:
    """The outline of the note and, for every chosen channel with a `plan()`, its plans."""
    chosen = tuple(channels or settings.channels)
    if parsed.note.kind == "process-log" or not insights:
        return Composition(None, tuple((name, ()) for name in chosen))
    lang = note_language(parsed)
    read = outline(parsed, insights, lang)
    words = labels(lang)
    plans: list[tuple[str, tuple[Plan, ...]]] = []
    notes = [_aside(parsed, idea) for idea in read.logistics]
    skipped: list[str] = []
    for name in chosen:
        spec = load_channel(name)
        module = preparer(name)
        made: tuple[Plan, ...] = ()
        if module is not None and hasattr(module, "plan"):
            options = spec.resolve_options(settings.options.get(name))
            try:
                made = tuple(module.plan(read, spec, options, words, settings))
            except TooLittle as why:
                notes.append(Diagnostic(parsed.note.path, 0, f"{name}: {why}: nothing written", "too-little"))
                skipped.append(name)
        plans.append((name, made))
    return Composition(read, tuple(plans), tuple(notes), tuple(skipped))
