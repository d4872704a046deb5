"""Why a moderator rejected a comment: one of a short list, kept with the review.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("reviews", sa.Column("reason", sa.String))


def downgrade() -> None:
    with op.batch_alter_table("reviews") as batch:
        batch.drop_column("reason")
