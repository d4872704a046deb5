"""The rules each decision matched, in a table of their own with an index on the rule, so
the queue's rule filter and the rules page read an index instead of searching JSON text
with string functions (which PostgreSQL and SQLite spell differently).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "decision_rules",
        sa.Column("comment_id", sa.String, sa.ForeignKey("comments.id"), primary_key=True),
        sa.Column("rule_id", sa.String, primary_key=True),
    )
    op.create_index("ix_decision_rules_rule_id", "decision_rules", ["rule_id"])
    connection = op.get_bind()
    decided = connection.execute(sa.text("SELECT comment_id, rule_ids FROM rule_decisions"))
    batch = []
    for comment_id, rule_ids in decided:
        ids = json.loads(rule_ids) if isinstance(rule_ids, str) else rule_ids
        batch += [{"comment_id": comment_id, "rule_id": r} for r in dict.fromkeys(ids or [])]
        if len(batch) >= 5000:
            op.bulk_insert(table, batch)
            batch = []
    if batch:
        op.bulk_insert(table, batch)


def downgrade() -> None:
    op.drop_index("ix_decision_rules_rule_id", "decision_rules")
    op.drop_table("decision_rules")
