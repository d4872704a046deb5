"""The users table: accounts that may use the review UI, with their role."""

from __future__ import annotations

import secrets
from datetime import datetime
from functools import cache

from sqlalchemy import Connection, select
from werkzeug.security import check_password_hash, generate_password_hash

from moderation.errors import ModerationError
from moderation.records import ROLES, clean_name
from moderation.store.schema import users

MIN_PASSWORD = 8
MAX_NAME = 80


def add(connection: Connection, name: str, role: str, password: str, now: datetime) -> int:
    """Create an account; the password is stored hashed. Names are compared without case
    and hidden characters, so "MOD1" or "mod1 " cannot stand beside "mod1"."""
    if role not in ROLES:
        raise ModerationError(f"role must be one of {', '.join(ROLES)}, not '{role}'")
    name = clean_name(name)
    if not name.strip():
        raise ModerationError("a user needs a name")
    if len(name) > MAX_NAME:
        raise ModerationError(f"a name is at most {MAX_NAME} characters")
    _check_password(password)
    existing = find(connection, name)
    if existing is not None:
        raise ModerationError(f"user '{existing['name']}' already exists")
    values = {
        "name": name,
        "role": role,
        "password_hash": generate_password_hash(password),
        "created_at": now,
    }
    return connection.execute(users.insert().values(**values)).inserted_primary_key[0]


def find(connection: Connection, name: str) -> dict | None:
    """The account with this name (in any case), or None. Compared here, not in SQL: SQLite's
    lower() folds only ASCII, so "ÉMILE" would not find "Émile" (accounts are few)."""
    wanted = clean_name(name).casefold()
    for row in connection.execute(select(users)):
        if row.name.casefold() == wanted:
            return dict(row._mapping)
    return None


def get(connection: Connection, user_id: int) -> dict | None:
    """The account with this id, or None."""
    row = connection.execute(select(users).where(users.c.id == user_id)).first()
    return dict(row._mapping) if row else None


def authenticate(connection: Connection, name: str, password: str) -> dict | None:
    """The account if the password is right, else None."""
    user = find(connection, name)
    # An unknown name costs one hash check too, so timing does not tell which names exist.
    stored = user["password_hash"] if user else _decoy()
    if not check_password_hash(stored, password) or user is None or user["disabled_at"]:
        return None
    return user


def logged_in(connection: Connection, user_id: int, now: datetime) -> None:
    """Remember when the account last logged in (the accounts page shows it)."""
    connection.execute(users.update().where(users.c.id == user_id).values(last_login=now))


def set_role(connection: Connection, user_id: int, role: str) -> None:
    """Give the account another role; the last admin keeps theirs (someone must manage)."""
    if role not in ROLES:
        raise ModerationError(f"role must be one of {', '.join(ROLES)}, not '{role}'")
    if role != "admin":
        _keep_an_admin(connection, user_id)
    connection.execute(users.update().where(users.c.id == user_id).values(role=role))


def set_password(connection: Connection, user_id: int, password: str) -> None:
    """A new password for the account; its sessions end, on every browser."""
    _check_password(password)
    hashed = generate_password_hash(password)
    connection.execute(users.update().where(users.c.id == user_id).values(password_hash=hashed))
    end_sessions(connection, user_id)


def disable(connection: Connection, user_id: int, now: datetime) -> None:
    """The account can no longer log in, and its sessions end; it stays in the audit log."""
    _keep_an_admin(connection, user_id)
    connection.execute(users.update().where(users.c.id == user_id).values(disabled_at=now))
    end_sessions(connection, user_id)


def enable(connection: Connection, user_id: int) -> None:
    """A disabled account may log in again."""
    connection.execute(users.update().where(users.c.id == user_id).values(disabled_at=None))


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ModerationError(f"a password is at least {MIN_PASSWORD} characters")


def _keep_an_admin(connection: Connection, user_id: int) -> None:
    """Refuse to take away the last working admin account."""
    admins = [u for u in everyone(connection) if u["role"] == "admin" and u["disabled_at"] is None]
    if [u["id"] for u in admins] == [user_id]:
        raise ModerationError("this is the last admin account: make another admin first")


@cache
def _decoy() -> str:
    return generate_password_hash(secrets.token_hex(16))


def end_sessions(connection: Connection, user_id: int) -> None:
    """End every session of the account, on every browser (signed cookies cannot be
    recalled, so each carries the epoch it began in, and this moves the epoch on)."""
    connection.execute(
        users.update().where(users.c.id == user_id).values(session_epoch=users.c.session_epoch + 1)
    )


def everyone(connection: Connection) -> list[dict]:
    """All accounts, by name."""
    return [dict(r._mapping) for r in connection.execute(select(users).order_by(users.c.name))]


def can(role: str, needed: str) -> bool:
    """Whether a role includes what `needed` may do."""
    return ROLES.index(role) >= ROLES.index(needed)
