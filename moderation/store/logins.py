"""The login_attempts table: failed logins per account and per address, and lockouts.

After FREE_FAILURES failures a key is locked for a time that doubles with each further
failure, up to MAX_LOCK: guessing a password at speed stops, and a moderator who mistypes
a few times is never locked out for long. A successful login clears the account's count.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, select

from moderation.store.db import upsert
from moderation.store.schema import login_attempts

logger = logging.getLogger(__name__)

FREE_FAILURES = 5
MAX_LOCK = timedelta(minutes=15)


def locked_for(connection: Connection, keys: list[str], now: datetime) -> timedelta | None:
    """How long the longest lock among `keys` still lasts, or None."""
    rows = connection.execute(
        select(login_attempts.c.locked_until).where(login_attempts.c.key.in_(keys))
    )
    until = max((_aware(u) for (u,) in rows if u is not None), default=None)
    return until - now if until is not None and until > now else None


def failed(connection: Connection, keys: list[str], now: datetime) -> None:
    """Count a failed login against each key, locking those past FREE_FAILURES."""
    for key in keys:
        failures = (
            connection.scalar(select(login_attempts.c.failures).where(login_attempts.c.key == key))
            or 0
        ) + 1
        locked = None
        if failures > FREE_FAILURES:
            locked = now + min(timedelta(seconds=2 ** (failures - FREE_FAILURES)), MAX_LOCK)
            logger.warning("login locked for %s after %d failures", key, failures)
        upsert(
            connection, login_attempts,
            [{"key": key, "failures": failures, "locked_until": locked}],
            ["key"], ["failures", "locked_until"],
        )  # fmt: skip


def succeeded(connection: Connection, keys: list[str]) -> None:
    """A right password clears these keys' counts."""
    connection.execute(login_attempts.delete().where(login_attempts.c.key.in_(keys)))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
