"""Articles, comments, scores, rule decisions, reviews and runs.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "articles",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("byline", sa.Text),
        sa.Column("first_seen", _WHEN, nullable=False),
    )
    op.create_table(
        "comments",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("article_id", sa.String, sa.ForeignKey("articles.id"), nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("quote", sa.Text),
        sa.Column("quote_author", sa.Text),
        sa.Column("parent_id", sa.String),
        sa.Column("reply_basis", sa.String),
        sa.Column("posted", sa.Text),
        sa.Column("depth", sa.Integer, nullable=False),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("text_key", sa.String, nullable=False),
        sa.Column("quote_key", sa.String),
        sa.Column("first_seen", _WHEN, nullable=False),
    )
    op.create_index("ix_comments_article_id", "comments", ["article_id"])
    op.create_index("ix_comments_author", "comments", ["author"])
    op.create_index("ix_comments_parent_id", "comments", ["parent_id"])
    op.create_table(
        "scores",
        sa.Column("text_key", sa.String, primary_key=True),
        sa.Column("model", sa.String, primary_key=True),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("labels", sa.JSON, nullable=False),
        sa.Column("scored_at", _WHEN, nullable=False),
    )
    op.create_table(
        "rule_decisions",
        sa.Column("comment_id", sa.String, sa.ForeignKey("comments.id"), primary_key=True),
        sa.Column("action", sa.String),
        sa.Column("priority", sa.Integer),
        sa.Column("rule_ids", sa.JSON, nullable=False),
        sa.Column("matches", sa.JSON, nullable=False),
        sa.Column("missing", sa.JSON, nullable=False),
        sa.Column("ruleset", sa.String, nullable=False),
        sa.Column("sentiment_model", sa.String, nullable=False),
        sa.Column("toxicity_model", sa.String, nullable=False),
        sa.Column("decided_at", _WHEN, nullable=False),
    )
    op.create_index("ix_rule_decisions_action", "rule_decisions", ["action"])
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("comment_id", sa.String, sa.ForeignKey("comments.id"), nullable=False),
        sa.Column("moderator", sa.Text, nullable=False),
        sa.Column("action", sa.String, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("previous_state", sa.String),
        sa.Column("created_at", _WHEN, nullable=False),
    )
    op.create_index("ix_reviews_comment_id", "reviews", ["comment_id"])
    if op.get_context().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER reviews_no_{verb.lower()} BEFORE {verb} ON reviews "
                "BEGIN SELECT RAISE(ABORT, 'reviews are append-only'); END"
            )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("started_at", _WHEN, nullable=False),
        sa.Column("finished_at", _WHEN, nullable=False),
        sa.Column("inputs", sa.JSON, nullable=False),
        sa.Column("comments", sa.Integer, nullable=False),
        sa.Column("flagged", sa.Integer, nullable=False),
        sa.Column("ruleset", sa.String, nullable=False),
        sa.Column("sentiment_model", sa.String),
        sa.Column("toxicity_model", sa.String),
    )


def downgrade() -> None:
    for table in ("runs", "reviews", "rule_decisions", "scores", "comments", "articles"):
        op.drop_table(table)
