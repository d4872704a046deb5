"""Reviews are append-only on PostgreSQL too: a trigger refuses UPDATE, DELETE and TRUNCATE, as
SQLite's triggers (0001, 0003) do there.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    # SQLSTATE 23000 (integrity constraint violation): drivers raise it as an IntegrityError.
    op.execute(
        "CREATE FUNCTION moderation_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION '% are append-only', TG_TABLE_NAME USING ERRCODE = '23000'; END $$"
    )
    for verb in ("UPDATE", "DELETE", "TRUNCATE"):
        op.execute(
            f"CREATE TRIGGER reviews_no_{verb.lower()} BEFORE {verb} ON reviews "
            "FOR EACH STATEMENT EXECUTE FUNCTION moderation_append_only()"
        )


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    for verb in ("update", "delete", "truncate"):
        op.execute(f"DROP TRIGGER reviews_no_{verb} ON reviews")
    op.execute("DROP FUNCTION moderation_append_only()")
