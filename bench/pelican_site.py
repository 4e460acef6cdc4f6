"""The anchor: the same notes as a Pelican blog (content folder + settings), made outside
the timed region. Each note becomes a Pelican Markdown article with Pelican's metadata
header (Title, Date, Slug, Category, Tags) and the note's body unchanged.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from bench.generate import _split

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
SETTINGS = """\
# Pelican settings for the benchmark (as `pelican-quickstart` writes for development).
AUTHOR = "bench"
SITENAME = "osmu bench"
SITEURL = ""
PATH = {content!r}
OUTPUT_PATH = {output!r}
TIMEZONE = "Asia/Seoul"
DEFAULT_LANG = "ko"
DEFAULT_PAGINATION = 10
RELATIVE_URLS = True
DELETE_OUTPUT_DIRECTORY = True
LOAD_CONTENT_CACHE = False
CACHE_CONTENT = False
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
"""


def _meta(front: list[str], key: str) -> str:
    for line in front:
        if line.startswith(f"{key}:"):
            return line.split(":", 1)[1].strip().strip('"')
    return ""


def pelican_article(rel: str, text: str) -> str:
    """One note as a Pelican Markdown article."""
    front, body = _split(text)
    stem = rel.rsplit("/", 1)[-1].removesuffix(".md")
    heading = next((line[2:] for line in body if line.startswith("# ")), stem)
    title = _meta(front, "title") or heading
    date = _meta(front, "created") or (_DATE.findall(stem) or ["2025-01-01"])[0]
    tags = _meta(front, "tags").strip("[]")
    header = [f"Title: {title}", f"Date: {date}", f"Slug: {re.sub(r'[^0-9A-Za-z가-힣-]', '-', stem)}"]
    header += [f"Category: {rel.split('/', 1)[0]}"] + ([f"Tags: {tags}"] if tags else [])
    return "\n".join([*header, "", *body])


def make_site(vault: Path, notes: list[Path], site: Path) -> Path:
    """Write `site/content/*.md` and `site/pelicanconf.py`; returns `site`."""
    if site.exists():
        shutil.rmtree(site)
    content = site / "content"
    content.mkdir(parents=True)
    for path in notes:
        rel = path.relative_to(vault).as_posix()
        (content / path.name).write_text(pelican_article(rel, path.read_text(encoding="utf-8")), encoding="utf-8")
    settings = SETTINGS.format(content=str(content), output=str(site / "output"))
    (site / "pelicanconf.py").write_text(settings, encoding="utf-8")
    return site
