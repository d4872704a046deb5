"""Archive sources: every export format newsrooms have, read as a stream of comments.

Each reader yields `Found` (an article and a comment, with where it came from) or `Bad`
(a record that could not be read, with file and line), never loading a whole archive.
`read(path, options)` picks the reader from the file's name and first bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from moderation.errors import InputError
from moderation.sources.base import Bad, Found, SourceOptions, readable, sniff

__all__ = ["FORMATS", "Bad", "Found", "SourceOptions", "detect", "read"]

FORMATS = ("jsonl", "json", "csv", "disqus", "wxr", "commento", "isso", "html", "page")


def detect(path: Path, forced: str | None = None) -> str:
    """The format of a file: forced, or from its name and first bytes."""
    if forced:
        return forced
    name = path.name.lower()
    for suffix in (".gz", ".bz2", ".xz", ".zst"):
        name = name.removesuffix(suffix)
    head = sniff(path)
    if name.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".json", ".har")):
        if b'"commenters"' in head or b'"commentHex"' in head:
            return "commento"
        return "jsonl" if _json_lines(head) else "json"
    if (
        name.endswith((".html", ".htm"))
        or head.lstrip()[:15].lower() in (b"<!doctype html>", b"<html>")
        or head.lstrip().lower().startswith(b"<!doctype html")
    ):
        return "html"
    if name.endswith((".xml", ".wxr")) or head.lstrip().startswith(b"<?xml"):
        if b"disqus.com" in head or b"<disqus" in head:
            return "disqus"
        if b"wordpress.org/export" in head:
            return "wxr"
        raise InputError(path, "XML, but neither a Disqus nor a WordPress (WXR) export")
    return "page"


def _json_lines(head: bytes) -> bool:
    """JSON Lines under a .json name: a first line that is a whole object, then another.
    (Read as a document, it would be loaded whole before that showed.)"""
    first, _, rest = head.partition(b"\n")
    if not (first.strip().startswith(b"{") and rest.lstrip().startswith(b"{")):
        return False
    try:
        return isinstance(json.loads(first), dict)
    except ValueError:
        return False


def read(path: Path, options: SourceOptions) -> Iterator[Found | Bad]:
    """Every comment in the file, in order, or a `Bad` for each record that cannot be read."""
    from moderation.sources import commento, documents, html_pages, pages, tabular, xml_exports

    readers = {
        "jsonl": tabular.read_jsonl, "json": documents.read, "csv": tabular.read_csv,
        "disqus": xml_exports.read_disqus, "wxr": xml_exports.read_wxr, "commento": commento.read,
        "isso": documents.read, "html": html_pages.read, "page": pages.read,
    }  # fmt: skip
    return map(readable, readers[detect(path, options.format)](path, options))


# Bytes that start one record, by format, for a quick count before a run (for its ETA).
_RECORD_MARKS = {"jsonl": b"\n", "csv": b"\n", "disqus": b"<post ", "wxr": b"<wp:comment>"}


def estimate(path: Path, kind: str) -> int | None:
    """About how many records a file holds, counted in one fast pass; None if unknown."""
    from moderation.sources.base import open_binary

    mark = _RECORD_MARKS.get(kind)
    if mark is None:
        return None
    count, tail = 0, b""
    try:
        with open_binary(path) as stream:
            while chunk := stream.read(1 << 20):
                count += (tail + chunk).count(mark) - tail.count(mark)
                tail = chunk[-len(mark) :]
    except (EOFError, OSError):
        return None  # the run itself reports what is wrong with the file
    return max(0, count - 1) if kind == "csv" else count
