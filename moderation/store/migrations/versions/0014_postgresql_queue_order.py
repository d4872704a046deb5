"""The queue's order as a PostgreSQL index: PostgreSQL sorts NULL first in a descending
order (SQLite sorts it last), so the queue asks for NULLS LAST there, and this index gives
that order as it is, so the first page reads 50 rows of it and not the whole table.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-24
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_rule_decisions_queue_order ON rule_decisions "
            "(priority DESC NULLS LAST, top_score DESC NULLS LAST, comment_id)"
        )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_rule_decisions_queue_order")
