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

# "By Adam", "Author: Jennifer Hong", "Posted on November 30, 2015 by Ruth Adeyemi".
_BYLINE = re.compile(
    r"(?:Author:|By:?|(?:Posted|Written|Published)\b.{0,40}\bby) *"
    r"(?P<name>[A-Z][\w.'-]*(?: [A-Z][\w.'-]*){0,3})"
)
_BYLINE_MAX = 80
_NOT_A_TITLE = re.compile(r"skip to (?:main )?content|menu|advertisement|search", re.IGNORECASE)
# Site navigation: "Home   News   Business", "new | past | comments", "Home > Forums > ...".
_NAVIGATION = re.compile(r".*(?: \| | > |\S {3,}\S.* {3,}).*")
_TITLE_SEARCH = 12  # content lines at the top of a page where its headline can be
_TITLE_MAX = 150


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
    title = _title(content) or Path(source).name
    bylines = (_BYLINE.match(line) for line in content[:_TITLE_SEARCH] if len(line) <= _BYLINE_MAX)
    byline = next((m["name"] for m in bylines if m), None)
    if byline:
        byline = re.sub(r"By:?$", "", byline).strip() or None
    # The file name and title identify a saved page wherever it is copied to.
    return Article(
        id=stable_id("a", Path(source).name, title), source=source, title=title, byline=byline
    )


def _title(content: list[str]) -> str | None:
    """The headline: a short line near the top that is not navigation or a sentence.

    Site names ("The Harbour Gazette") are short, so a line of four or more words is
    preferred; a page with no such line falls back to one of three words, then to the
    start of the first line.
    """
    candidates = [
        line
        for line in content[:_TITLE_SEARCH]
        if len(line) <= _TITLE_MAX
        and not line.endswith(".")
        and not _NOT_A_TITLE.fullmatch(line)
        and not _NAVIGATION.fullmatch(line)
    ]
    for least_words in (4, 3):
        found = next((line for line in candidates if len(line.split()) >= least_words), None)
        if found:
            return found
    return content[0][:_TITLE_MAX] if content else None
