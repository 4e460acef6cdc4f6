"""The `repurpose-note` flow: one note or process log → every channel's outputs.

The stages are `tasks/pipeline.py`'s `run_note` (one line per stage), run as Prefect tasks
(flows/stages.py), so each shows as a task run. The settings arrive as a value (`osmu run`, `osmu serve`); a
deployment run from outside (`prefect deployment run … --param note=…`) may name the vault,
output folder or settings file instead, and they are loaded once, here.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow

from flows.report import publish_note_artifacts
from flows.run_names import label_run, note_run_name, publish_preview_link
from flows.stages import TASKS, quoted
from tasks import changes
from tasks.model import NoteError, NoteResult
from tasks.pipeline import LintFailed, open_vault, run_note
from tasks.settings import Settings, load_settings

STAGES = quoted(TASKS)


def settings_of(settings: Settings | None, vault: str | None, out: str | None, config: str | None) -> Settings:
    """The run's settings: the value given, else loaded from the bundled defaults, `config` and the overrides."""
    if settings is not None:
        return settings
    return load_settings(Path(config) if config else None, {"vault": vault, "out": out})


@flow(name="repurpose-note", log_prints=True, persist_result=False, flow_run_name=note_run_name)
def repurpose_note(
    note: str,
    settings: Settings | None = None,
    channels: list[str] | None = None,
    force: bool = False,
    remember: bool = False,
    vault: str | None = None,
    out: str | None = None,
    config: str | None = None,
) -> NoteResult:
    """Repurpose one note (path absolute or relative to the vault) into channel outputs.

    `remember=True` (what `osmu watch` passes) records the note in `<out>/.osmu-state.json`, so a
    save that changes nothing and the next sweep both skip it.
    """
    settings = settings_of(settings, vault, out, config)
    chosen = tuple(channels or settings.channels)
    label_run(chosen)
    path = Path(note) if Path(note).is_absolute() else settings.vault / note
    context = open_vault(settings, stages=STAGES)
    try:
        outcome = run_note(settings, context, path, chosen, force, STAGES)
    except (NoteError, LintFailed) as exc:
        if remember:
            changes.remember(settings, chosen, path, context.notes, links=(), error=str(exc))
        raise
    result = outcome.result
    if remember:
        manifest = f"{result.out_dir}/manifest.json"
        changes.remember(settings, chosen, path, context.notes, links=outcome.links, manifest=manifest)
    publish_note_artifacts([result], title=f"osmu: {result.source}", key_prefix="repurpose")
    publish_preview_link(result.preview, f"preview: {result.source}", "repurpose")
    print(f"{result.source}: {result.insights} insights, {len(result.files)} files → {result.out_dir}")
    print(f"preview: {result.preview}")
    return result
