"""Searching comment text and authors: an FTS5 index on SQLite (kept in step with the
comments table by triggers), a GIN index over a tsvector on PostgreSQL. Both are read
through `store.comments.matching`.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-24
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# The expression PostgreSQL indexes; store.comments.matching searches with the same one.
TSVECTOR = "to_tsvector('simple', author || ' ' || text)"


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_comments_search ON comments USING GIN (({TSVECTOR}))")
        return
    op.execute(
        "CREATE VIRTUAL TABLE comments_fts USING fts5(author, text, content='comments', "
        "content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')"
    )
    op.execute(
        "CREATE TRIGGER comments_fts_insert AFTER INSERT ON comments BEGIN "
        "INSERT INTO comments_fts(rowid, author, text) VALUES (new.rowid, new.author, new.text); END"
    )
    op.execute(
        "CREATE TRIGGER comments_fts_delete AFTER DELETE ON comments BEGIN "
        "INSERT INTO comments_fts(comments_fts, rowid, author, text) "
        "VALUES ('delete', old.rowid, old.author, old.text); END"
    )
    op.execute(
        "CREATE TRIGGER comments_fts_update AFTER UPDATE OF author, text ON comments BEGIN "
        "INSERT INTO comments_fts(comments_fts, rowid, author, text) "
        "VALUES ('delete', old.rowid, old.author, old.text); "
        "INSERT INTO comments_fts(rowid, author, text) VALUES (new.rowid, new.author, new.text); END"
    )
    op.execute("INSERT INTO comments_fts(comments_fts) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_comments_search")
        return
    for trigger in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER comments_fts_{trigger}")
    op.execute("DROP TABLE comments_fts")
