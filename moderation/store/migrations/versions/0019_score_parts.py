"""Score parts from a Ray job already in the score cache: a resumed job loads only the new ones.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "score_parts",
        sa.Column("part", sa.Text, primary_key=True),
        sa.Column("texts", sa.Integer, nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("score_parts")
