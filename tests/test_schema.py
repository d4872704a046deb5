"""The tables the code describes (store/schema.py) are the tables the migrations make, on
SQLite and on PostgreSQL: drift between them fails here, not in production."""

from __future__ import annotations

import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from moderation.store import open_store
from moderation.store.db import _alembic_config, head_revision
from moderation.store.schema import described, metadata


@pytest.fixture
def store_url(db_url):
    return db_url


# SQLAlchemy cannot reflect an index over an expression; described() leaves it out anyway.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_the_migrated_schema_is_the_described_one(settings):
    store = open_store(settings.db_url)
    try:
        with store.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"include_object": lambda _o, name, *_: described(name)}
            )
            assert compare_metadata(context, metadata) == []
    finally:
        store.close()


def test_the_schema_version_the_code_writes_is_the_newest_migration():
    scripts = ScriptDirectory.from_config(_alembic_config())
    assert head_revision() == scripts.get_current_head()


def test_a_store_at_the_current_schema_opens_without_reading_the_migrations(settings):
    open_store(settings.db_url).close()  # made at the current schema
    program = (
        "import sys\n"
        "from moderation.store import open_store\n"
        f"open_store({settings.db_url!r}).close()\n"
        "print('alembic' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "False"


def test_search_finds_words_of_the_text_or_author_on_both_databases(settings):
    from conftest import SEEDS

    from moderation.pipeline import score_paths
    from moderation.scoring.toxicity import open_toxicity_scorer
    from moderation.store.queue import QueueFilter, page

    score_paths([SEEDS], settings, lambda: open_toxicity_scorer(settings.toxicity))
    store = open_store(settings.db_url)
    everything = ("awaiting", "held", "escalated", "approved", "rejected")
    try:
        with store.transaction() as connection:

            def authors(words: str) -> set[str]:
                wanted = QueueFilter(states=everything, search=words, per_page=None)
                return {row["author"] for row in page(connection, wanted)}

            assert authors("sheep") == {"Daniel Coca"}
            assert authors("terrorist nations") == {"targetdrone"}
            assert authors("targetdrone") == {"targetdrone"}  # the author's name
            assert authors('nations "AND OR* NEAR(') == set()  # search syntax is just words
    finally:
        store.close()
