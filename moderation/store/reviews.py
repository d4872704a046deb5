"""The reviews table: moderators' decisions, appended and never rewritten."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, select

from moderation.store.schema import comments, reviews

ACTIONS = ("approve", "reject", "escalate")


def add(
    connection: Connection,
    comment_id: str,
    moderator: str,
    action: str,
    now: datetime,
    note: str | None = None,
    previous_state: str | None = None,
) -> int:
    """Append a moderator's decision; returns its id."""
    if action not in ACTIONS:
        raise ValueError(f"review action must be one of {', '.join(ACTIONS)}, not {action!r}")
    result = connection.execute(
        reviews.insert().values(
            comment_id=comment_id,
            moderator=moderator,
            action=action,
            note=note,
            previous_state=previous_state,
            created_at=now,
        )
    )
    return result.inserted_primary_key[0]


def history(connection: Connection, comment_id: str) -> list[dict]:
    """Every review of a comment, oldest first."""
    query = select(reviews).where(reviews.c.comment_id == comment_id).order_by(reviews.c.id)
    return [dict(row._mapping) for row in connection.execute(query)]


def latest_actions(connection: Connection) -> dict[str, str]:
    """Each reviewed comment's current state: the action of its latest review."""
    latest = select(func.max(reviews.c.id)).group_by(reviews.c.comment_id).scalar_subquery()
    query = select(reviews.c.comment_id, reviews.c.action).where(reviews.c.id.in_(latest))
    return {comment_id: action for comment_id, action in connection.execute(query)}


def rejections_by_author(connection: Connection) -> dict[str, int]:
    """How many of each author's comments moderators currently have as rejected."""
    latest = select(func.max(reviews.c.id)).group_by(reviews.c.comment_id).scalar_subquery()
    query = (
        select(comments.c.author, func.count())
        .join(reviews, reviews.c.comment_id == comments.c.id)
        .where(reviews.c.id.in_(latest), reviews.c.action == "reject")
        .group_by(comments.c.author)
    )
    return {author: count for author, count in connection.execute(query)}
