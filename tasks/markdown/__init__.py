"""markdown-it-py rules for Obsidian notes, one rule per module (as markdown-it-py does).

`build_parser()` assembles them; the order of `INLINE_RULES` and `CORE_RULES` is data.
"""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

from tasks.markdown.callout import callout_rule
from tasks.markdown.cjk_emphasis import cjk_emphasis_rule
from tasks.markdown.highlight import highlight_rule
from tasks.markdown.wikilink import wikilink_rule

INLINE_RULES = (
    # (name, rule, placed before): wikilinks must win over `[` links and `!` images.
    ("wikilink", wikilink_rule, "link"),
    ("highlight", highlight_rule, "emphasis"),
)
CORE_RULES = (("callout", callout_rule, "inline"),)
MAX_NESTING = 100


@lru_cache(maxsize=1)
def build_parser() -> MarkdownIt:
    """The shared parser (built once per process; markdown-it parsers are reusable)."""
    md = (
        # commonmark's maxNesting (20) silently drops what is nested deeper (a list level
        # costs 2): real outlines nest 10+ levels, so allow 50 levels; deeper is dropped.
        MarkdownIt("commonmark", {"html": True, "maxNesting": MAX_NESTING})
        .enable(["table", "strikethrough"])
        .use(front_matter_plugin)
        .use(footnote_plugin)
        .use(tasklists_plugin)
        # `$…$` and `$$…$$`; never `$5 and $6` (no digit before an opening, no space inside the dollars)
        .use(dollarmath_plugin, allow_labels=False, allow_space=False, allow_digits=False, allow_blank_lines=False)
    )
    md.inline.ruler.at("emphasis", cjk_emphasis_rule)
    for name, rule, before in INLINE_RULES:
        md.inline.ruler.before(before, name, rule)
    for name, core_rule, before in CORE_RULES:
        md.core.ruler.before(before, name, core_rule)
    return md
