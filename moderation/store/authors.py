"""Commenters as moderators see them: their record, and what moderators decided about them.

A moderator can hold an author's new comments for review ("premoderate") or ban them
("ban": new comments are rejected), and lift either ("clear"). Each step is appended to
`author_actions`; the latest one stands, and the rules apply it when they decide.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, select

from moderation.store.queue import OPEN, STATES
from moderation.store.schema import author_actions, comments, review_states, rule_decisions

STANDINGS = ("premoderate", "ban", "clear")


def standing(connection: Connection, authors: set[str] | None = None) -> dict[str, dict]:
    """The standing entry (action, moderator, note, created_at) of each of these authors
    (or of every author) held for review or banned; authors in the clear are left out."""
    query = select(author_actions).order_by(author_actions.c.id)
    if authors is None:
        rows = list(connection.execute(query))
    else:
        names = sorted(a for a in authors if a)
        rows = [
            row
            for start in range(0, len(names), 500)
            for row in connection.execute(
                query.where(author_actions.c.author.in_(names[start : start + 500]))
            )
        ]
    # Each author's entries come in one query, oldest first: the latest one stays.
    found = {row.author: dict(row._mapping) for row in rows}
    return {name: entry for name, entry in found.items() if entry["action"] != "clear"}


def set_standing(
    connection: Connection, author: str, action: str, moderator: str, now: datetime,
    note: str | None = None,
) -> int:  # fmt: skip
    """Record that `moderator` premoderated, banned or cleared the author."""
    if action not in STANDINGS:
        raise ValueError(f"an author action is one of {', '.join(STANDINGS)}")
    values = {"author": author, "action": action, "moderator": moderator, "note": note}
    inserted = connection.execute(author_actions.insert().values(**values, created_at=now))
    return inserted.inserted_primary_key[0]


def history(connection: Connection, author: str) -> list[dict]:
    """What moderators decided about the author, newest first."""
    query = (
        select(author_actions)
        .where(author_actions.c.author == author)
        .order_by(author_actions.c.id.desc())
    )
    return [dict(row._mapping) for row in connection.execute(query)]


def record(connection: Connection, author: str) -> dict:
    """The author's comments in each state, how many moderators rejected of those they
    decided, and when the author was first seen."""
    state = func.coalesce(rule_decisions.c.state, "published").label("effective_state")
    query = (
        select(state, func.count(), func.min(comments.c.first_seen))
        .select_from(
            comments.outerjoin(rule_decisions, rule_decisions.c.comment_id == comments.c.id)
        )
        .where(comments.c.author == author)
        .group_by(state)
    )
    rows = connection.execute(query).all()
    by_state = {state: count for state, count, _ in rows}
    decided = by_state.get("approved", 0) + by_state.get("rejected", 0)
    return {
        "comments": sum(by_state.values()),
        "states": {s: by_state.get(s, 0) for s in (*STATES, "published")},
        "reject_rate": by_state.get("rejected", 0) / decided if decided else None,
        "first_seen": min((first for _, _, first in rows if first), default=None),
    }


def pending(connection: Connection, author: str) -> list[tuple[str, int | None]]:
    """(comment id, its latest review id) of each of the author's comments in the queue."""
    query = (
        select(comments.c.id, review_states.c.review_id)
        .select_from(
            rule_decisions.join(comments, comments.c.id == rule_decisions.c.comment_id).outerjoin(
                review_states, review_states.c.comment_id == comments.c.id
            )
        )
        .where(comments.c.author == author, rule_decisions.c.state.in_(OPEN))
        .order_by(comments.c.first_seen, comments.c.id)
    )
    return [(row.id, row.review_id) for row in connection.execute(query)]


def audit(
    connection: Connection, moderator: str | None = None, action: str | None = None,
    limit: int | None = 500,
) -> list[dict]:  # fmt: skip
    """Moderators' steps about authors, newest first, shaped as audit entries."""
    query = select(author_actions).order_by(author_actions.c.id.desc()).limit(limit)
    if moderator:
        query = query.where(author_actions.c.moderator == moderator)
    if action:
        query = query.where(author_actions.c.action == action)
    return [
        {**row._mapping, "id": None, "comment_id": None, "text": "", "previous_state": None,
         "new_state": None, "reason": None}
        for row in connection.execute(query)
    ]  # fmt: skip
