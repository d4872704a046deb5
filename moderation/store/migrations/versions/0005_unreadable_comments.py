"""Comments whose text could not be read fully say why (they are held for a human).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("comments", sa.Column("unreadable", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("comments") as batch:
        batch.drop_column("unreadable")
