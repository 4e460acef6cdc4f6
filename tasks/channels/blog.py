"""Blog preparer: sections from grouped insights, description, reading time, front matter.

A process log becomes a 제작기 (making-of) post instead: `prepare_story`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from tasks.model import Insight
from tasks.process.story import KIND_LABELS
from tasks.process.telling import says, story_context
from tasks.render.channel import ChannelSpec
from tasks.render.filters import clip
from tasks.slug import safe_slug

HANGUL_SYLLABLE = re.compile(r"[가-힣]")
LATIN_WORD = re.compile(r"[A-Za-z0-9]+")


def reading_minutes(text: str, syllables_per_minute: int, words_per_minute: int) -> int:
    """Minutes to read: Hangul syllables plus Latin words, at least one."""
    syllables = len(HANGUL_SYLLABLE.findall(text))
    words = len(LATIN_WORD.findall(text))
    return max(1, math.ceil(syllables / syllables_per_minute + words / words_per_minute))


# Keys each static-site generator reads besides the common ones (custom osmu keys are
# placed by the template: under `params` for Hugo, top level otherwise).
FLAVOR_KEYS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "hugo": lambda f: {},
    "jekyll": lambda f: {"last_modified_at": f["lastmod"], "published": not f["draft"]},
    "astro": lambda f: {"pubDate": f["date"], "updatedDate": f["lastmod"]},
}


def _sections(insights: list[Insight]) -> list[dict[str, Any]]:
    sections: list[dict[str, Any]] = []
    for insight in insights:
        if not sections or sections[-1]["title"] != insight.section:
            sections.append({"title": insight.section, "insights": []})
        sections[-1]["insights"].append(insight)
    return sections


def prepare(ctx: dict[str, Any], spec: ChannelSpec) -> dict[str, Any]:
    """Add `sections`, `lead`, `description`, `reading_minutes` and `front_matter`."""
    if ctx["note"]["kind"] == "process-log":
        return prepare_story(ctx, spec)
    insights: list[Insight] = ctx["insights"]
    note = ctx["note"]
    claims = [i for i in insights if i.type != "quote"] or insights
    lead = claims[0].text.split("\n")[0] if claims else note["title"]
    description = clip(lead, int(spec.limits["description_max_chars"]))
    body = "\n".join(i.text for i in insights)
    tags = list(dict.fromkeys(ctx["root_slugs"] + note["tags"]))[: int(ctx["options"]["max_tags"])]
    front = {
        "title": note["title"],
        "date": note["date"],
        "lastmod": note["lastmod"],
        "draft": ctx["options"]["draft"],
        "slug": safe_slug(note["title"], fallback=note["path"]),
        "description": description,
        "tags": tags,
    }
    front.update(FLAVOR_KEYS[ctx["options"]["flavor"]](front))
    minutes = reading_minutes(body, spec.limits["syllables_per_minute"], spec.limits["words_per_minute"])
    return {
        **ctx,
        "sections": _sections(insights),
        "lead": lead,
        "description": description,
        "reading_minutes": minutes,
        "front_matter": front,
    }


def prepare_story(ctx: dict[str, Any], spec: ChannelSpec) -> dict[str, Any]:
    """A 제작기 post: hook, timeline, then every entry part under Self, Us and Now."""
    out = story_context(ctx)
    note, story = out["note"], out["story"]
    hook_text = says(story.hook) if story.hook else note["title"]
    description = clip(
        f"{KIND_LABELS[story.hook.type]}: {hook_text}" if story.hook else hook_text,
        int(spec.limits["description_max_chars"]),
    )
    body = "\n".join(i.text for i in out["insights"])
    tags = list(dict.fromkeys([*ctx["root_slugs"], "제작기", *note["tags"]]))[: int(ctx["options"]["max_tags"])]
    front = {
        "title": note["title"],
        "date": story.end or note["date"],
        "lastmod": max(note["lastmod"], story.end),
        "draft": ctx["options"]["draft"],
        "slug": safe_slug(note["title"], fallback=note["path"]),
        "description": description,
        "tags": tags,
    }
    minutes = reading_minutes(body, spec.limits["syllables_per_minute"], spec.limits["words_per_minute"])
    # `sections` and `lead` in the note shape, so any other blog template can show the story too
    sections = [{"title": f"{p['label']} — {p['heading']}", "insights": p["insights"]} for p in out["parts"]]
    return {
        **out,
        "front_matter": front,
        "description": description,
        "reading_minutes": minutes,
        "sections": [section for section in sections if section["insights"]],
        "lead": out["hook_line"],
    }
