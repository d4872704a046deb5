"""The articles table: pages and threads that comments belong to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from moderation.records import Article
from moderation.store.db import upsert
from moderation.store.schema import articles


def save(connection: Connection, items: list[Article], now: datetime) -> None:
    """Add new articles; refresh the title and source of ones seen before."""
    rows = [
        {
            "id": a.id,
            "source": a.source,
            "title": a.title,
            "byline": a.byline,
            "section": a.section,
            "published": a.published,
            "first_seen": now,
        }
        for a in items
    ]
    upsert(
        connection, articles, rows, ["id"], ["source", "title", "byline", "section", "published"]
    )


def lookup(connection: Connection, ids: set[str]) -> dict[str, Article]:
    """Stored articles by id."""
    if not ids:
        return {}
    query = select(articles).where(articles.c.id.in_(sorted(ids)))
    return {
        row.id: Article(row.id, row.source, row.title, row.byline, row.section, row.published)
        for row in connection.execute(query)
    }
