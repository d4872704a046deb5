"""The users table: accounts that may use the review UI, with their role."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select
from werkzeug.security import check_password_hash, generate_password_hash

from moderation.errors import ModerationError
from moderation.records import ROLES
from moderation.store.schema import users


def add(connection: Connection, name: str, role: str, password: str, now: datetime) -> int:
    """Create an account; the password is stored hashed."""
    if role not in ROLES:
        raise ModerationError(f"role must be one of {', '.join(ROLES)}, not '{role}'")
    if not name.strip():
        raise ModerationError("a user needs a name")
    if find(connection, name) is not None:
        raise ModerationError(f"user '{name}' already exists")
    values = {
        "name": name,
        "role": role,
        "password_hash": generate_password_hash(password),
        "created_at": now,
    }
    return connection.execute(users.insert().values(**values)).inserted_primary_key[0]


def find(connection: Connection, name: str) -> dict | None:
    """The account with this name, or None."""
    row = connection.execute(select(users).where(users.c.name == name)).first()
    return dict(row._mapping) if row else None


def get(connection: Connection, user_id: int) -> dict | None:
    """The account with this id, or None."""
    row = connection.execute(select(users).where(users.c.id == user_id)).first()
    return dict(row._mapping) if row else None


def authenticate(connection: Connection, name: str, password: str) -> dict | None:
    """The account if the password is right, else None."""
    user = find(connection, name)
    if user is None or not check_password_hash(user["password_hash"], password):
        return None
    return user


def everyone(connection: Connection) -> list[dict]:
    """All accounts, by name."""
    return [dict(r._mapping) for r in connection.execute(select(users).order_by(users.c.name))]


def can(role: str, needed: str) -> bool:
    """Whether a role includes what `needed` may do."""
    return ROLES.index(role) >= ROLES.index(needed)
