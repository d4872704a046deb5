"""The queue's pages by keyset, and its filters from indexes: the queue order ends in the
comment id (highest first) so that a page starts where the last one stopped; the order per
rule action; authors by their name in lower case.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-24
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_rule_decisions_queue", table_name="rule_decisions")
    op.create_index(
        "ix_rule_decisions_queue", "rule_decisions", ["priority", "top_score", "comment_id"]
    )
    op.create_index(
        "ix_rule_decisions_action_queue",
        "rule_decisions",
        ["action", "priority", "top_score", "comment_id"],
    )
    op.execute("CREATE INDEX ix_comments_author_lower ON comments (lower(author))")
    if op.get_context().dialect.name == "postgresql":
        # PostgreSQL sorts NULL first in a descending order: these give NULLS LAST as is.
        op.execute("DROP INDEX ix_rule_decisions_queue_order")
        op.execute(
            "CREATE INDEX ix_rule_decisions_queue_order ON rule_decisions "
            "(priority DESC NULLS LAST, top_score DESC NULLS LAST, comment_id DESC)"
        )
        op.execute(
            "CREATE INDEX ix_rule_decisions_queue_order_action ON rule_decisions "
            "(action, priority DESC NULLS LAST, top_score DESC NULLS LAST, comment_id DESC)"
        )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_rule_decisions_queue_order_action")
        op.execute("DROP INDEX ix_rule_decisions_queue_order")
        op.execute(
            "CREATE INDEX ix_rule_decisions_queue_order ON rule_decisions "
            "(priority DESC NULLS LAST, top_score DESC NULLS LAST, comment_id)"
        )
    op.execute("DROP INDEX ix_comments_author_lower")
    op.drop_index("ix_rule_decisions_action_queue", table_name="rule_decisions")
    op.drop_index("ix_rule_decisions_queue", table_name="rule_decisions")
    op.create_index("ix_rule_decisions_queue", "rule_decisions", ["priority", "top_score"])
