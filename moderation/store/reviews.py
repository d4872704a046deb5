"""Moderators' decisions as the rest of the system reads them: history and outcomes.

Decisions are written only through `store.queue` (decide, undo), which appends to the
append-only `reviews` table and keeps each comment's `review_states` row with it.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from moderation.store.schema import comments, review_states, reviews


def history(connection: Connection, comment_id: str) -> list[dict]:
    """Every review of a comment, oldest first."""
    query = select(reviews).where(reviews.c.comment_id == comment_id).order_by(reviews.c.id)
    return [dict(row._mapping) for row in connection.execute(query)]


def reviewed_states(connection: Connection) -> dict[str, str]:
    """Each reviewed comment's state as moderators left it (approved, rejected, ...)."""
    return dict(connection.execute(select(review_states.c.comment_id, review_states.c.state)).all())


def rejections_by_author(connection: Connection, authors: set[str] | None = None) -> dict[str, int]:
    """How many of each author's comments (these authors, or all) moderators have as rejected."""
    query = (
        select(comments.c.author, func.count())
        .join(review_states, review_states.c.comment_id == comments.c.id)
        .where(review_states.c.state == "rejected")
        .group_by(comments.c.author)
    )
    if authors is not None:
        query = query.where(comments.c.author.in_(sorted(authors)))
    return dict(connection.execute(query).all())
