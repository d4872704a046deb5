"""The api_keys table: who may call the Perspective-compatible API, and how often.

A key is 32 random bytes shown once; only its SHA-256 is kept. A slow password hash
buys nothing for a key that random, and the lookup runs on every request.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from moderation.errors import ModerationError
from moderation.store.schema import api_keys

PREFIX = "mk_"


@dataclass(frozen=True)
class ApiKey:
    """A key as the server knows it (never the key itself)."""

    name: str
    prefix: str
    rate_limit: float  # requests per second
    created_at: datetime
    revoked_at: datetime | None


def add(connection: Connection, name: str, rate_limit: float, now: datetime) -> str:
    """Create a key named `name`; returns the key, which is not stored and not shown again."""
    name = name.strip()
    if not name:
        raise ModerationError("a key needs a name")
    if rate_limit <= 0:
        raise ModerationError("the rate limit must be above 0 requests per second")
    if connection.scalar(select(api_keys.c.id).where(api_keys.c.name == name)) is not None:
        raise ModerationError(f"a key named '{name}' exists already")
    key = PREFIX + secrets.token_urlsafe(32)
    connection.execute(
        api_keys.insert().values(
            name=name, key_hash=_hash(key), prefix=key[:8], rate_limit=rate_limit, created_at=now
        )
    )
    return key


def find(connection: Connection, key: str) -> ApiKey | None:
    """The working (not revoked) key with this value, or None."""
    row = connection.execute(
        select(api_keys).where(api_keys.c.key_hash == _hash(key), api_keys.c.revoked_at.is_(None))
    ).first()
    return _key(row) if row else None


def all_keys(connection: Connection) -> list[ApiKey]:
    """Every key, revoked ones too, oldest first."""
    return [_key(row) for row in connection.execute(select(api_keys).order_by(api_keys.c.id))]


def revoke(connection: Connection, name: str, now: datetime) -> None:
    """Stop a key from working."""
    updated = connection.execute(
        api_keys.update()
        .where(api_keys.c.name == name, api_keys.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    if updated.rowcount == 0:
        raise ModerationError(f"no working key named '{name}'")


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _key(row) -> ApiKey:
    return ApiKey(row.name, row.prefix, row.rate_limit, row.created_at, row.revoked_at)
