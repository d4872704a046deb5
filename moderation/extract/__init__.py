"""Extraction: from a saved page to its article and reader comments.

read the file -> normalise Unicode -> find the comment thread's layout
-> set quotes apart and link replies -> a `Page`
"""

from __future__ import annotations

import re
from pathlib import Path

from moderation.extract.layouts import find_thread
from moderation.extract.normalise import normalise_page
from moderation.extract.reading import iter_input_files, read_text
from moderation.extract.threads import build_comments
from moderation.records import Article, Page, stable_id

__all__ = ["extract_file", "extract_text", "iter_input_files"]

_BYLINE = re.compile(r"(?:By|Author)\b:? *(?P<name>[A-Z][\w.'-]*(?: [A-Z][\w.'-]*){0,3})")
_NOT_A_TITLE = re.compile(r"skip to (?:main )?content|menu|advertisement|search", re.IGNORECASE)


def extract_file(path: Path) -> Page:
    """Read one saved page and return its article and comments."""
    return extract_text(read_text(path), source=str(path))


def extract_text(text: str, source: str) -> Page:
    """Find the article and the reader comments in a page's text."""
    lines = normalise_page(text).split("\n")
    layout, raws = find_thread(lines)
    thread_start = raws[0].line - 1 if raws else len(lines)
    article = _article(lines[:thread_start], source)
    comments = build_comments(article.id, raws, layout.quote_styles if layout else ())
    return Page(article=article, comments=comments, layout=layout.name if layout else None)


def _article(lines: list[str], source: str) -> Article:
    content = [line.strip() for line in lines if line.strip()]
    title = next((line for line in content if not _NOT_A_TITLE.fullmatch(line)), Path(source).name)
    byline = next((m["name"] for line in content[:12] if (m := _BYLINE.match(line))), None)
    if byline:
        byline = re.sub(r"By:?$", "", byline).strip() or None
    # The file name and title identify a saved page wherever it is copied to.
    return Article(
        id=stable_id("a", Path(source).name, title), source=source, title=title, byline=byline
    )
