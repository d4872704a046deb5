"""The runs table: one row per scoring run, for the record."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from moderation.store.schema import runs


def add(connection: Connection, started: datetime, finished: datetime, **counts: object) -> None:
    """Record a finished run: inputs, comment and flag counts, rule file and models."""
    connection.execute(runs.insert().values(started_at=started, finished_at=finished, **counts))
