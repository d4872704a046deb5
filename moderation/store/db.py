"""Opening the store: engine, SQLite settings, and migrations to the current schema."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    IntegrityError,
    NoSuchModuleError,
    OperationalError,
)

from moderation.errors import StoreError


class Store:
    """A migrated database. Every write happens inside `transaction()`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # SQLite has one writer at a time. Threads of this process queue for it here, in
        # order, instead of in SQLite's busy handler, which sleeps up to 100 ms a try.
        self._writer = threading.RLock() if engine.dialect.name == "sqlite" else None

    @contextmanager
    def transaction(self, immediate: bool = False) -> Iterator[Connection]:
        """A connection whose writes all commit together, or none do.

        `immediate` takes the write lock at the start (SQLite), for read-check-write steps
        such as a moderator's decision, so two at once are serialised, not interleaved.
        """
        try:
            with (
                self._writer if immediate and self._writer else nullcontext(),
                self.engine.connect() as connection,
            ):
                connection.info["immediate"] = immediate
                with connection.begin():
                    yield connection
        except IntegrityError:
            raise  # a broken invariant (an append-only table written to) is a bug, not input
        except (OperationalError, DatabaseError) as exc:  # disk full, read-only, locked...
            raise StoreError(
                f"{_shown(self.engine.url)}: {_line(exc.orig)}{_hint(exc.orig)}"
            ) from None

    def close(self) -> None:
        """Release the engine's connections."""
        self.engine.dispose()


def open_store(url: str, create: bool = True, migrate: bool = True) -> Store:
    """Open (and with `create`, make) the store at `url`, upgraded to the current schema
    (unless `migrate` is false: to look at a store as it is)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(f"{url}: not a database path or URL") from None
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")  # psycopg 3, installed with us
    shown = _shown(parsed)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        # A SQLite URI ("sqlite:///file:PATH?mode=ro&uri=true") names its file after "file:".
        path = Path(parsed.database.removeprefix("file:"))
        if not create and not path.exists():
            raise StoreError(f"{path}: no store here yet (run `moderation score` first)")
        if not path.parent.exists():
            raise StoreError(f"{path}: folder {path.parent} does not exist")
    try:
        engine = create_engine(parsed, **_pool(parsed))
    except NoSuchModuleError:
        raise StoreError(
            f"{shown}: unknown kind of database '{parsed.drivername}' "
            "(give a file path, sqlite:///FILE or postgresql://...)"
        ) from None
    except ImportError as exc:
        raise StoreError(
            f"{shown}: its database driver is not installed (pip install {exc.name})"
        ) from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    if not migrate:
        return Store(engine)
    try:
        # Immediate: two processes opening a new store migrate it one after the other.
        with engine.connect() as connection:
            connection.info["immediate"] = True
            with connection.begin():
                _migrate(connection)
    except (OperationalError, DatabaseError) as exc:
        engine.dispose()
        raise StoreError(f"{shown}: cannot open the store ({_line(exc.orig)})") from None
    return Store(engine)


_HINTS = {
    "disk I/O error": " (is the disk full, or the file on a failing or read-only disk?)",
    "database or disk is full": " (free some disk space and run again: nothing was lost)",
    "attempt to write a readonly database": " (the file or its folder cannot be written)",
}


def _pool(url: URL) -> dict:
    """Connection pool settings for a server database, per process (a gunicorn worker):
    connections are checked before use (a restarted server or a dropped connection costs
    a retry, not an error page) and recycled every 30 minutes. Up to 5 + 10 connections a
    process: 4 workers need 60 of PostgreSQL's default 100."""
    if url.get_backend_name() == "sqlite":
        return {}
    return {"pool_size": 5, "max_overflow": 10, "pool_pre_ping": True, "pool_recycle": 1800}


def _line(error: object) -> str:
    """A driver's message on one line (PostgreSQL's come with a second line of advice)."""
    return " ".join(str(error).split())


def _hint(error: object) -> str:
    """What a user can do about a database error SQLite states tersely."""
    return _HINTS.get(str(error), "")


def _shown(url: URL) -> str:
    """The URL as it may be printed: without its password."""
    return url.render_as_string(hide_password=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event issues BEGIN itself
    cursor = dbapi_connection.cursor()
    # First: another process may hold the lock even for the statements below. Writers wait
    # for each other (a run's batch, a moderator's decision) instead of failing.
    cursor.execute("PRAGMA busy_timeout = 30000")
    cursor.execute("PRAGMA foreign_keys = ON")
    # Readers (the review UI) keep working while a scoring run writes.
    cursor.execute("PRAGMA journal_mode = WAL")
    # 32 MiB of pages kept per connection (the default is 2): a large store's indexes stay
    # in memory between one queue page and the next.
    cursor.execute("PRAGMA cache_size = -32768")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.info.get("immediate") else "BEGIN")


# The schema version this code writes: the newest migration's revision, kept here too so
# that a store already at it opens without importing Alembic and reading every migration
# (half a second of each command's start). A test checks it against the migrations.
HEAD = "0019"


def head_revision() -> str:
    """The schema version this code writes."""
    return HEAD


def _alembic_config():
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "moderation.store:migrations")
    return config


def _migrate(connection: Connection) -> None:
    current = stored_revision(connection)
    if current == HEAD:
        return
    from alembic import command
    from alembic.script import ScriptDirectory

    config = _alembic_config()
    config.attributes["connection"] = connection
    scripts = ScriptDirectory.from_config(config)
    if current is not None and current not in {s.revision for s in scripts.walk_revisions()}:
        raise StoreError(
            f"the store is at schema {current}, newer than this version knows; upgrade moderation"
        )
    command.upgrade(config, "head")


def stored_revision(connection: Connection) -> str | None:
    """The schema version the store is at, read as Alembic keeps it; None for a new store."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def upsert(
    connection: Connection, table, rows: list[dict], keys: list[str], update: list[str]
) -> None:
    """Insert rows; where a row with the same keys exists, update only the `update` columns."""
    if rows:
        connection.execute(
            _upsert_statement(connection.dialect.name, table, tuple(keys), tuple(update)), rows
        )


@functools.cache
def _upsert_statement(dialect: str, table, keys: tuple[str, ...], update: tuple[str, ...]):
    # Built once per table and shape: building it costs more than a live request's insert.
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table)
    if update:
        return statement.on_conflict_do_update(
            index_elements=list(keys), set_={c: statement.excluded[c] for c in update}
        )
    return statement.on_conflict_do_nothing(index_elements=list(keys))
