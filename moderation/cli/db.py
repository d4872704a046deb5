"""Commands that look after the store: upgrade, check, copy."""

from __future__ import annotations

from pathlib import Path

import click

from moderation.cli.base import cli, config_option, store_option


@cli.group()
def db() -> None:
    """The store: its schema, its integrity, and moving it to another database.

    Example:

        moderation db copy moderation.db postgresql://moderation@db.example/moderation
    """


@db.command()
@store_option
@config_option
def upgrade(db: str | None, config_file: Path | None) -> None:
    """Migrate the store to this version's schema (runs also happen on first use).

    Example:

        moderation db upgrade --db postgresql://moderation@db.example/moderation
    """
    from moderation.settings import load_settings
    from moderation.store.admin import upgrade as upgrade_store

    before, now = upgrade_store(load_settings(config_file, db=db).db_url)
    click.echo(f"Schema {now}" + (f" (was {before})" if before != now else " (already current)"))


@db.command()
@store_option
@config_option
def check(db: str | None, config_file: Path | None) -> None:
    """Report the store's schema version, rows per table and any broken rows; exit 1 if
    something is wrong.

    Example:

        moderation db check --db moderation.db
    """
    from moderation.settings import load_settings
    from moderation.store.admin import check as check_store

    found = check_store(load_settings(config_file, db=db).db_url)
    click.echo(f"Schema {found.revision or 'none'} (current: {found.head})")
    for table, rows in found.rows.items():
        click.echo(f"  {table}: {rows} row(s)")
    for problem in found.problems:
        click.echo(f"problem: {problem}", err=True)
    if not found.ok:
        raise SystemExit(1)
    click.echo("No problems found.")


@db.command()
@click.argument("source")
@click.argument("target")
def copy(source: str, target: str) -> None:
    """Copy the store at SOURCE into a new, empty store at TARGET (a SQLite file or
    SQLAlchemy URL), then compare rows and a checksum per table; exit 1 if any differ.

    Example:

        moderation db copy moderation.db postgresql://moderation@db.example/moderation
    """
    from moderation.settings import Settings
    from moderation.store.admin import copy as copy_store

    tables = copy_store(Settings(db=source).db_url, Settings(db=target).db_url)
    for t in tables:
        mark = "same" if t.same else f"DIFFERENT: {t.copied_rows} row(s), {t.copied_checksum}"
        click.echo(f"  {t.table}: {t.rows} row(s), checksum {t.checksum}: {mark}")
    if not all(t.same for t in tables):
        raise click.ClickException("the copy differs from the source (see above)")
    click.echo(f"Copied {sum(t.rows for t in tables)} row(s) in {len(tables)} tables; all equal.")
