"""Saved pages as plain text: the page-text layouts that extraction reads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from moderation.extract import extract_file
from moderation.sources.base import Bad, Found, SourceOptions


def read(path: Path, options: SourceOptions) -> Iterator[Found | Bad]:
    """The comments of one saved page (a page is small: read whole)."""
    page = extract_file(path)
    for comment in page.comments:
        yield Found(page.article, comment, f"{path}:comment {comment.position}")
