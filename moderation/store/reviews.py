"""The reviews table: moderators' decisions, appended and never rewritten."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from moderation.store.schema import reviews

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
