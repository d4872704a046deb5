"""When a comment was last read from a source: a run that reads an id twice keeps the first.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("comments", sa.Column("last_read", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("comments") as batch:
        batch.drop_column("last_read")
