"""The coral_secrets table: signing secrets of Coral external moderation phases."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import Connection, select

from moderation.errors import ModerationError
from moderation.store.schema import coral_secrets


def add_secret(connection: Connection, phase: str, secret: str | None, now: datetime) -> str:
    """Accept a signing secret for `phase` (a new random one if none is given); returns it."""
    phase = phase.strip()
    if not phase:
        raise ModerationError("a phase needs a name")
    secret = (secret or "").strip() or "ssc_" + secrets.token_urlsafe(32)
    if len(secret) < 16:
        raise ModerationError("a signing secret needs at least 16 characters")
    connection.execute(coral_secrets.insert().values(phase=phase, secret=secret, created_at=now))
    return secret


def phases(connection: Connection) -> dict[str, int]:
    """Phase name -> how many secrets it accepts now."""
    found: dict[str, int] = {}
    for row in connection.execute(select(coral_secrets).order_by(coral_secrets.c.id)):
        found.setdefault(row.phase, 0)
        found[row.phase] += row.retired_at is None
    return found


def active(connection: Connection) -> list[tuple[str, str]]:
    """(phase, secret) for every secret accepted now."""
    query = select(coral_secrets.c.phase, coral_secrets.c.secret).where(
        coral_secrets.c.retired_at.is_(None)
    )
    return [tuple(row) for row in connection.execute(query)]


def retire_older(connection: Connection, phase: str, now: datetime) -> int:
    """Stop accepting every secret of `phase` but its newest; returns how many were retired."""
    newest = connection.scalar(
        select(coral_secrets.c.id)
        .where(coral_secrets.c.phase == phase, coral_secrets.c.retired_at.is_(None))
        .order_by(coral_secrets.c.id.desc())
        .limit(1)
    )
    if newest is None:
        raise ModerationError(f"no phase named '{phase}'")
    return connection.execute(
        coral_secrets.update()
        .where(
            coral_secrets.c.phase == phase,
            coral_secrets.c.retired_at.is_(None),
            coral_secrets.c.id != newest,
        )
        .values(retired_at=now)
    ).rowcount
