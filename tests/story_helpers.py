"""Run the production story pipeline for a log gathered from daily notes (no Prefect, no writing)."""

from __future__ import annotations

from pathlib import Path

from tasks.model import Insight, RenderResult
from tasks.pipeline import open_vault, render_insights, story_insights
from tests.helpers import settings_for

EXAMPLE_LOG = "10-projects/13-imi-work/13.01-osmu-system/osmu-제작기.md"


def render_daily(vault: Path, project: str) -> tuple[RenderResult, tuple[Insight, ...]]:
    """`#process/<project>` daily notes → every entry's insights → render → polish → lint."""
    settings = settings_for(vault)
    context = open_vault(settings)
    cut = story_insights(settings, context, f"#process/{project}", since="0000-01-01", until="9999-12-31").cut
    return render_insights(cut.parsed, cut.insights, cut.roots, settings, context), cut.insights
