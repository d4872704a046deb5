"""Looking after a store: its schema version, its integrity, and copying it whole to
another database (an embedded SQLite store moved into PostgreSQL) with nothing lost.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection, Integer, func, or_, select, text

from moderation.errors import StoreError
from moderation.store.db import Store, head_revision, open_store, stored_revision
from moderation.store.schema import metadata, review_states, rule_decisions

COPY_BATCH = 5000  # rows a statement, when copying


@dataclass
class Check:
    """What `check` found: the schema version, rows per table, and problems."""

    revision: str | None
    head: str
    rows: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and self.revision == self.head


@dataclass(frozen=True)
class Copied:
    """One table copied: its rows and checksum, in the source and in the copy."""

    table: str
    rows: int
    checksum: str
    copied_rows: int
    copied_checksum: str

    @property
    def same(self) -> bool:
        return (self.rows, self.checksum) == (self.copied_rows, self.copied_checksum)


def upgrade(url: str) -> tuple[str | None, str]:
    """Migrate the store at `url` to the current schema: (revision before, revision now)."""
    store = open_store(url, create=True, migrate=False)
    try:
        with store.engine.connect() as connection:
            before = stored_revision(connection)
    finally:
        store.close()
    open_store(url).close()
    return before, head_revision()


def check(url: str) -> Check:
    """The store's schema version, rows per table, and broken links between rows (and, on
    SQLite, its own integrity check); the queue's kept counts against a recount."""
    store = open_store(url, create=False, migrate=False)
    try:
        with store.transaction() as connection:
            found = Check(stored_revision(connection), head_revision())
            if found.revision != found.head:
                found.problems.append(
                    f"schema {found.revision or 'none'}, current is {found.head}: run `moderation db upgrade`"
                )
                return found
            for table in metadata.sorted_tables:
                found.rows[table.name] = connection.scalar(select(func.count()).select_from(table))
            found.problems += (
                _orphans(connection) + _integrity(connection) + _counts(connection)
                + _stored_states(connection)
            )  # fmt: skip
    finally:
        store.close()
    return found


def copy(source_url: str, target_url: str) -> list[Copied]:
    """Copy every table of the store at `source_url` into a new (empty) store at
    `target_url`, rows in primary-key order, then compare rows and checksums table by table."""
    source = open_store(source_url, create=False)
    target = open_store(target_url)
    try:
        with target.transaction() as connection:
            filled = [t.name for t in metadata.sorted_tables
                      if connection.scalar(select(func.count()).select_from(t))]  # fmt: skip
        if filled:
            raise StoreError(
                f"{_shown(target)}: not empty ({', '.join(filled)} have rows): copy into a new store"
            )
        with source.transaction() as reading, target.transaction() as writing:
            for table in metadata.sorted_tables:
                rows = reading.execute(select(table).order_by(*table.primary_key.columns))
                while batch := rows.fetchmany(COPY_BATCH):
                    writing.execute(table.insert(), [row._asdict() for row in batch])
            if writing.dialect.name == "postgresql":
                _restart_sequences(writing)
        with source.transaction() as reading, target.transaction() as written:
            return [Copied(table.name, *_fingerprint(reading, table), *_fingerprint(written, table))
                    for table in metadata.sorted_tables]  # fmt: skip
    finally:
        source.close()
        target.close()


def _fingerprint(connection: Connection, table) -> tuple[int, str]:
    """(rows, sha256 of the rows in primary-key order, values in a database-neutral form)."""
    digest, count = hashlib.sha256(), 0
    rows = connection.execute(select(table).order_by(*table.primary_key.columns))
    while batch := rows.fetchmany(COPY_BATCH):
        for row in batch:
            digest.update(json.dumps([_neutral(v) for v in row], sort_keys=True).encode())
            count += 1
    return count, digest.hexdigest()[:16]


def _neutral(value):
    """A value as both databases give it back: SQLite returns times without their zone."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    return value


def _restart_sequences(connection: Connection) -> None:
    """After rows came with their ids, PostgreSQL's id sequences go on from the highest."""
    for table in metadata.sorted_tables:
        [*keys] = table.primary_key.columns
        if len(keys) == 1 and isinstance(keys[0].type, Integer):
            table_name, column = table.name, keys[0].name
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table_name}', '{column}'), "
                    f"COALESCE((SELECT MAX({column}) FROM {table_name}), 0) + 1, false)"
                )
            )


def _orphans(connection: Connection) -> list[str]:
    """Rows whose foreign key names a row that is not there."""
    problems = []
    for table in metadata.sorted_tables:
        for key in table.foreign_keys:
            column, target = key.parent, key.column
            missing = connection.scalar(
                select(func.count()).select_from(table).where(
                    column.is_not(None), column.not_in(select(target))
                )
            )  # fmt: skip
            if missing:
                problems.append(
                    f"{table.name}.{column.name}: {missing} row(s) name a missing {target}"
                )
    return problems


def _integrity(connection: Connection) -> list[str]:
    if connection.dialect.name != "sqlite":
        return []
    result = [r[0] for r in connection.exec_driver_sql("PRAGMA integrity_check")]
    return [] if result == ["ok"] else [f"SQLite integrity check: {'; '.join(result[:5])}"]


def _counts(connection: Connection) -> list[str]:
    """The queue's kept counts per state, against a recount."""
    from moderation.store import queue

    kept, recounted = queue.counts(connection), queue.recount(connection)
    return [f"queue count of '{state}' is {kept[state]}, a recount gives {recounted[state]}"
            for state in kept if kept[state] != recounted.get(state)]  # fmt: skip


def _shown(store: Store) -> str:
    return store.engine.url.render_as_string(hide_password=True)


def _stored_states(connection: Connection) -> list[str]:
    """Rule decisions whose stored state (what the queue filters on) is not the comment's
    state worked out from its review and its rules."""
    from moderation.store import queue

    query = (
        select(func.count())
        .select_from(
            rule_decisions.outerjoin(
                review_states, review_states.c.comment_id == rule_decisions.c.comment_id
            )
        )
        .where(or_(rule_decisions.c.state.is_(None), rule_decisions.c.state != queue.STATE))
    )
    wrong = connection.scalar(query) or 0
    return (
        [f"{wrong} comment(s) stored with another state than their review or rules give"]
        if wrong
        else []
    )
