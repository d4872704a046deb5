"""The app_secrets table: secrets made once and shared by every process on the store."""

from __future__ import annotations

import secrets

from sqlalchemy import Connection, select

from moderation.store.db import upsert
from moderation.store.schema import app_secrets


def shared(connection: Connection, name: str) -> str:
    """The secret called `name`, made now if no process has made it yet. Every worker of
    every app server on this store gets the same one (the first insert wins)."""
    upsert(connection, app_secrets, [{"name": name, "value": secrets.token_hex(32)}], ["name"], [])
    return connection.scalar(select(app_secrets.c.value).where(app_secrets.c.name == name))
