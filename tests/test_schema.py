"""The tables the code describes (store/schema.py) are the tables the migrations make, on
SQLite and on PostgreSQL: drift between them fails here, not in production."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from moderation.store import open_store
from moderation.store.schema import metadata


@pytest.fixture
def store_url(db_url):
    return db_url


def test_the_migrated_schema_is_the_described_one(settings):
    store = open_store(settings.db_url)
    try:
        with store.engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), metadata) == []
    finally:
        store.close()
