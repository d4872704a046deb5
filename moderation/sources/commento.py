"""Commento's JSON export: comments and commenters, joined by the commenter's id.

Commento writes one JSON document, so it is read whole: these exports are per site and
small next to the streamed formats.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from moderation.errors import InputError
from moderation.records import Article, Comment, ReplyBasis, stable_id
from moderation.sources.base import Bad, Found, SourceOptions, guarded, open_binary
from moderation.sources.html_text import read_html


def read(path: Path, options: SourceOptions) -> Iterator[Found | Bad]:
    """Every comment, with its page (domain + path) as the article."""
    try:
        with open_binary(path) as stream:
            document = json.loads(stream.read().decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(path, f"not a Commento JSON export ({exc})") from None
    except RecursionError:
        raise InputError(path, "not a Commento JSON export (nested too deeply)") from None
    except (EOFError, OSError) as exc:
        raise InputError(path, f"stream ends early ({exc})") from None
    if not isinstance(document, dict):
        kind = type(document).__name__
        raise InputError(path, f"not a Commento JSON export (the top level is a {kind})")
    commenters, comments = document.get("commenters"), document.get("comments")
    names = {
        c.get("commenterHex"): c.get("name")
        for c in (commenters if isinstance(commenters, list) else [])
        if isinstance(c, dict) and isinstance(c.get("name"), str)
    }
    if not isinstance(comments, list):
        raise InputError(path, "not a Commento JSON export (no list of comments)")
    for number, record in enumerate(comments, start=1):
        if not isinstance(record, dict) or not record.get("commentHex"):
            yield Bad(str(path), None, f"comment {number} has no commentHex")
            continue
        yield guarded(path, None, _found, path, record, number, names, what=f"comment {number}: ")


def _found(path: Path, record: dict, number: int, names: dict) -> Found:
    """One Commento comment as a comment and its page as the article."""
    # Commento writes a page's path under "url" (its Go struct names the field Path);
    # older tools wrote "path". A full address is kept as it is.
    where = str(record.get("url") or record.get("path") or "")
    domain = str(record.get("domain") or "")
    page = (where if where.startswith(("http://", "https://")) else f"{domain}{where}") or path.name
    article = Article(stable_id("a", "commento", page), page, page)
    text, quote, unreadable = read_html(record.get("html") or record.get("markdown") or "")
    parent = record.get("parentHex")
    parent = None if parent in (None, "", "root") else parent
    status = (
        "deleted"
        if record.get("deleted")
        else {"flagged": "spam"}.get(record.get("state"), "visible")
    )
    comment = Comment(
        id=stable_id("c", "commento", record["commentHex"]), article_id=article.id,
        author=names.get(record.get("commenterHex")) or "Anonymous", position=number, text=text, quote=quote,
        parent_id=stable_id("c", "commento", parent) if parent else None,
        reply_basis=ReplyBasis.EXPLICIT if parent else None, posted=record.get("creationDate"), status=status,
        unreadable=unreadable,
    )  # fmt: skip
    return Found(article, comment, f"{path}:comment {number}")
