"""The review queue: accounts, each comment's reviewed state, state counts, queue order.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.Text, nullable=False, unique=True),
        sa.Column("role", sa.String, nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
    )
    with op.batch_alter_table("reviews") as batch:
        batch.add_column(sa.Column("new_state", sa.String))
        batch.add_column(sa.Column("undoes", sa.Integer))
    op.create_table(
        "review_states",
        sa.Column("comment_id", sa.String, sa.ForeignKey("comments.id"), primary_key=True),
        sa.Column("state", sa.String, nullable=False),
        sa.Column("review_id", sa.Integer, sa.ForeignKey("reviews.id"), nullable=False),
    )
    op.create_table(
        "state_counts",
        sa.Column("state", sa.String, primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
    )
    with op.batch_alter_table("rule_decisions") as batch:
        batch.add_column(sa.Column("top_score", sa.Float))
    op.create_index("ix_rule_decisions_queue", "rule_decisions", ["priority", "top_score"])
    # batch mode recreated the table: the append-only guard on reviews goes back on
    if op.get_context().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"DROP TRIGGER IF EXISTS reviews_no_{verb.lower()}")
            op.execute(
                f"CREATE TRIGGER reviews_no_{verb.lower()} BEFORE {verb} ON reviews "
                "BEGIN SELECT RAISE(ABORT, 'reviews are append-only'); END"
            )


def downgrade() -> None:
    op.drop_index("ix_rule_decisions_queue", "rule_decisions")
    with op.batch_alter_table("rule_decisions") as batch:
        batch.drop_column("top_score")
    op.drop_table("state_counts")
    op.drop_table("review_states")
    with op.batch_alter_table("reviews") as batch:
        batch.drop_column("undoes")
        batch.drop_column("new_state")
    op.drop_table("users")
