"""Atoms preparer: one Obsidian note per insight, linked to its source note and roots."""

from __future__ import annotations

from typing import Any

from tasks.model import Insight, RootConcept
from tasks.render.channel import ChannelSpec
from tasks.slug import safe_slug


def _link(path: str) -> str:
    """A vault-path wikilink target (`00-roots/root-04-프로세스-공유`)."""
    return path[:-3] if path.endswith(".md") else path


def _atom(insight: Insight, ctx: dict[str, Any], roots: dict[str, RootConcept], limit: int) -> dict[str, Any]:
    linked = []
    for slug in insight.root_slugs:
        root = roots.get(slug)
        if root is not None:
            reasons = ", ".join(dict.fromkeys(t.reason for t in insight.roots if t.slug == slug))
            linked.append({"slug": slug, "title": root.title, "link": _link(root.path), "reasons": reasons})
    front = {
        "osmu-id": insight.id,
        "type": insight.type,
        "root-concepts": list(insight.root_slugs),
        "source": ctx["note"]["path"],
        "lines": list(insight.lines),
        "tags": ["osmu/atom", f"osmu/{insight.type}"],
    }
    return {
        "slug": _clip(safe_slug(insight.title, insight.id), limit),
        "insight": insight,
        "insights": [insight],
        "roots": linked,
        "source_link": _link(ctx["note"]["path"]),
        "front_matter": front,
    }


def prepare(ctx: dict[str, Any], spec: ChannelSpec) -> dict[str, Any]:
    """Add `atoms`: one per insight with text."""
    roots = {r.slug: r for r in ctx["roots"]}
    limit = int(spec.limits["slug_max_chars"])
    return {**ctx, "atoms": [_atom(i, ctx, roots, limit) for i in ctx["insights"] if i.text.strip()]}


def _clip(slug: str, limit: int) -> str:
    """`slug` in at most `limit` characters, cut between words (`…-finished`, never `…-finished-produc`)."""
    if len(slug) <= limit:
        return slug
    return (slug[: limit + 1].rsplit("-", 1)[0] or slug[:limit]).rstrip("-")
