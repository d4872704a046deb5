"""Live moderation: API keys, Coral phase secrets, and comment revisions (edits).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "comment_revisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("comment_id", sa.String, sa.ForeignKey("comments.id"), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("quote", sa.Text),
        sa.Column("action", sa.String),
        sa.Column("rule_ids", sa.JSON, nullable=False),
        sa.Column("decided_at", _WHEN),
        sa.Column("replaced_at", _WHEN, nullable=False),
    )
    op.create_index("ix_comment_revisions_comment_id", "comment_revisions", ["comment_id"])
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.Text, nullable=False, unique=True),
        sa.Column("key_hash", sa.String, nullable=False, unique=True),
        sa.Column("prefix", sa.String, nullable=False),
        sa.Column("rate_limit", sa.Float, nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("revoked_at", _WHEN),
    )
    op.create_table(
        "coral_secrets",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("phase", sa.Text, nullable=False),
        sa.Column("secret", sa.Text, nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("retired_at", _WHEN),
    )
    op.create_index("ix_coral_secrets_phase", "coral_secrets", ["phase"])


def downgrade() -> None:
    op.drop_table("coral_secrets")
    op.drop_table("api_keys")
    op.drop_index("ix_comment_revisions_comment_id", "comment_revisions")
    op.drop_table("comment_revisions")
