"""Each comment's state kept on its rule decision too, written with every rule decision and
review: the queue filters on one column, whose statistics the planner knows, instead of an
OR across an outer join that PostgreSQL misjudged tenfold (and then read every row).

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("rule_decisions", sa.Column("state", sa.String))
    op.execute(
        "UPDATE rule_decisions SET state = COALESCE("
        "(SELECT review_states.state FROM review_states "
        "WHERE review_states.comment_id = rule_decisions.comment_id), "
        "CASE action WHEN 'flag' THEN 'awaiting' WHEN 'hold' THEN 'held' "
        "WHEN 'reject' THEN 'rejected' ELSE 'published' END)"
    )
    # by state, and in it the rows no rule matched (no priority), read apart from the order
    op.create_index("ix_rule_decisions_state", "rule_decisions", ["state", "priority"])


def downgrade() -> None:
    op.drop_index("ix_rule_decisions_state", table_name="rule_decisions")
    with op.batch_alter_table("rule_decisions") as batch:
        batch.drop_column("state")
