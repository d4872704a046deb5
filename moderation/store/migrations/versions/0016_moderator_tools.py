"""Moderators' tools: a bulk decision's reviews share a batch (undone together); accounts can
be disabled and remember their last login; authors can be held for review or banned, each
step kept in an append-only log.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("reviews", sa.Column("batch", sa.String))
    op.add_column("users", sa.Column("disabled_at", sa.DateTime(timezone=True)))
    op.add_column("users", sa.Column("last_login", sa.DateTime(timezone=True)))
    op.create_table(
        "author_actions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("author", sa.Text, nullable=False, index=True),
        sa.Column("action", sa.String, nullable=False),
        sa.Column("moderator", sa.Text, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    if op.get_context().dialect.name == "postgresql":  # the function comes from 0011
        for verb in ("UPDATE", "DELETE", "TRUNCATE"):
            op.execute(
                f"CREATE TRIGGER author_actions_no_{verb.lower()} BEFORE {verb} ON author_actions "
                "FOR EACH STATEMENT EXECUTE FUNCTION moderation_append_only()"
            )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER author_actions_no_{verb.lower()} BEFORE {verb} ON author_actions "
                "BEGIN SELECT RAISE(ABORT, 'author_actions are append-only'); END"
            )


def downgrade() -> None:
    op.drop_table("author_actions")
    for table, column in (("users", "last_login"), ("users", "disabled_at"), ("reviews", "batch")):
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column)
