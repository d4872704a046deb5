"""`moderation db`: upgrade, check, and copying a SQLite store into PostgreSQL whole."""

from __future__ import annotations

import sqlite3

import postgres_server
import pytest

from moderation import review
from moderation.cli import cli
from moderation.store import open_store
from moderation.store.queue import QueueFilter


def decide_first(url: str, moderator: str, action: str):
    store = open_store(url)
    try:
        [item, *_] = review.queue(store, QueueFilter())[0]
        return review.decide(
            store, [(item.row["id"], item.row.get("review_id"))], moderator, action
        )
    finally:
        store.close()


def test_a_sqlite_store_moves_into_postgresql_with_nothing_lost(runner, scored_store, postgres):
    decide_first(scored_store.db_url, "mo", "reject")
    with postgres_server.database(postgres) as target:
        result = runner.invoke(cli, ["db", "copy", scored_store.db, target])
        assert result.exit_code == 0, result.output
        lines = result.stdout.splitlines()
        assert "  reviews: 1 row(s), checksum " in "\n".join(lines)
        assert all(line.endswith(": same") for line in lines[:-1])
        assert lines[-1].endswith("all equal.")
        # The copy is a working store: new reviews get new ids after the copied ones.
        [outcome], _ = decide_first(target, "mira", "approve")
        assert outcome.ok and outcome.review_id == 2
        checked = runner.invoke(cli, ["db", "check", "--db", target])
        assert checked.exit_code == 0, checked.output
        assert "No problems found." in checked.stdout and "  reviews: 2 row(s)" in checked.stdout
        again = runner.invoke(cli, ["db", "copy", scored_store.db, target])
        assert again.exit_code == 1 and "not empty" in again.output


def test_check_finds_broken_rows_and_wrong_counts(runner, scored_store):
    with sqlite3.connect(scored_store.db) as connection:
        connection.execute("PRAGMA foreign_keys = OFF")
        connection.execute("UPDATE comments SET article_id = 'gone' WHERE rowid = 1")
        connection.execute("UPDATE state_counts SET count = count + 5 WHERE state = 'held'")
        connection.execute("UPDATE rule_decisions SET state = 'approved' WHERE action = 'flag'")
    result = runner.invoke(cli, ["db", "check", "--db", scored_store.db])
    assert result.exit_code == 1
    assert "problem: comments.article_id: 1 row(s) name a missing articles.id" in result.stderr
    assert "problem: queue count of 'held' is " in result.stderr
    assert "problem: 9 comment(s) stored with another state than their review" in result.stderr


def test_upgrade_migrates_an_older_store(runner, tmp_path):
    from alembic import command
    from sqlalchemy import create_engine

    from moderation.store.db import _alembic_config

    path = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:  # a store as an earlier version left it
        config = _alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "0011")
    engine.dispose()
    behind = runner.invoke(cli, ["db", "check", "--db", str(path)])
    assert behind.exit_code == 1 and "run `moderation db upgrade`" in behind.stderr
    result = runner.invoke(cli, ["db", "upgrade", "--db", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Schema 0019 (was 0011)"
    assert runner.invoke(cli, ["db", "check", "--db", str(path)]).exit_code == 0


@pytest.mark.parametrize("url", ["nonsense://x", "postgresql://nobody@127.0.0.1:1/none"])
def test_a_store_that_cannot_be_reached_is_one_line(runner, url):
    result = runner.invoke(cli, ["db", "check", "--db", url])
    assert result.exit_code == 1 and result.output.startswith("Error: ")
    assert len(result.output.splitlines()) == 1
