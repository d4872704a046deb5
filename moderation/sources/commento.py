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
from moderation.sources.base import Bad, Found, SourceOptions, open_binary
from moderation.sources.html_text import html_to_text


def read(path: Path, options: SourceOptions) -> Iterator[Found | Bad]:
    """Every comment, with its page (domain + path) as the article."""
    try:
        with open_binary(path) as stream:
            document = json.loads(stream.read().decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(path, f"not a Commento JSON export ({exc})") from None
    except (EOFError, OSError) as exc:
        raise InputError(path, f"stream ends early ({exc})") from None
    names = {
        c.get("commenterHex"): c.get("name")
        for c in document.get("commenters", [])
        if isinstance(c, dict)
    }
    for number, record in enumerate(document.get("comments", []), start=1):
        if not isinstance(record, dict) or not record.get("commentHex"):
            yield Bad(str(path), None, f"comment {number} has no commentHex")
            continue
        page = f"{record.get('domain', '')}{record.get('path', '')}" or path.name
        article = Article(stable_id("a", "commento", page), page, page)
        text, quote = html_to_text(record.get("html") or record.get("markdown") or "")
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
        )  # fmt: skip
        yield Found(article, comment, f"{path}:comment {number}")
