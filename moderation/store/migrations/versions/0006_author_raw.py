"""Author names are cleaned of hidden characters; the name as given is kept beside.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("comments", sa.Column("author_raw", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("comments") as batch:
        batch.drop_column("author_raw")
