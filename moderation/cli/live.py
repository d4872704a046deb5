"""Commands for the live endpoints: API keys and Coral moderation phases."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from moderation.cli.base import cli, config_option, store_option


def _in_store(db: str | None, config_file: Path | None, work, write: bool = False):
    """Run work(connection, settings) in one transaction on the store; its result."""
    from moderation.settings import load_settings
    from moderation.store import open_store

    settings = load_settings(config_file, db=db)
    store = open_store(settings.db_url)
    try:
        with store.transaction(immediate=write) as connection:
            return work(connection, settings)
    finally:
        store.close()


@cli.group()
def keys() -> None:
    """Keys for the Perspective-compatible API (/v1alpha1/comments:analyze?key=KEY).

    Example:

        moderation keys add coral-prod --rate 50
    """


@keys.command("add")
@click.argument("name")
@click.option("--rate", type=float, help="Requests per second [default: live.rate_limit, 20].")
@store_option
@config_option
def add_key(name: str, rate: float | None, db: str | None, config_file: Path | None) -> None:
    """Make a key; it is printed once and only its hash is stored.

    Example:

        moderation keys add coral-prod --rate 50
    """
    from moderation.store import keys as key_store

    key = _in_store(
        db, config_file,
        lambda c, settings: key_store.add(c, name, rate or settings.live.rate_limit, datetime.now(UTC)),
        write=True,
    )  # fmt: skip
    click.echo(key)
    click.echo(f"Key '{name}' made; it is shown only now: keep it somewhere safe.", err=True)


@keys.command("list")
@store_option
@config_option
def list_keys(db: str | None, config_file: Path | None) -> None:
    """List keys: name, first characters, rate limit, made, revoked.

    Example:

        moderation keys list
    """
    from moderation.store import keys as key_store

    found = _in_store(db, config_file, lambda c, _: key_store.all_keys(c))
    for key in found:
        state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "works"
        click.echo(
            f"{key.name:24} {key.prefix}...  {key.rate_limit:g}/s  made {key.created_at:%Y-%m-%d}  {state}"
        )


@keys.command("revoke")
@click.argument("name")
@store_option
@config_option
def revoke_key(name: str, db: str | None, config_file: Path | None) -> None:
    """Stop a key from working.

    Example:

        moderation keys revoke coral-prod
    """
    from moderation.store import keys as key_store

    _in_store(db, config_file, lambda c, _: key_store.revoke(c, name, datetime.now(UTC)), True)
    click.echo(f"Revoked '{name}'.")


@cli.group()
def coral() -> None:
    """Coral external moderation phases: signing secrets for /coral/moderation.

    Example:

        moderation coral add-phase news-site --url https://moderation.example.org
    """


@coral.command("add-phase")
@click.argument("name")
@click.option("--secret", help="The signing secret Coral shows for the phase [default: make one].")
@click.option(
    "--url",
    default="http://127.0.0.1:5000",
    show_default=True,
    help="Where Coral reaches this server.",
)
@store_option
@config_option
def add_phase(
    name: str, secret: str | None, url: str, db: str | None, config_file: Path | None
) -> None:
    """Accept a phase's signing secret and print what to paste into Coral.

    In Coral: Admin > Configure > Moderation > External moderation phases > Add. Give
    the printed URL; Coral shows its signing secret: pass it as --secret (or paste the one
    made here where your Coral version lets you set it). Example:

        moderation coral add-phase news-site --secret ssc_... --url https://mod.example.org
    """
    from moderation.store import coral as coral_store

    accepted = _in_store(
        db,
        config_file,
        lambda c, _: coral_store.add_secret(c, name, secret, datetime.now(UTC)),
        True,
    )
    click.echo(f"Phase:          {name}")
    click.echo(f"Endpoint URL:   {url.rstrip('/')}/coral/moderation")
    click.echo(f"Signing secret: {accepted}")


@coral.command("rotate")
@click.argument("name")
@click.option("--secret", help="The new signing secret [default: make one].")
@click.option("--finish", is_flag=True, help="Stop accepting every secret but the newest.")
@store_option
@config_option
def rotate(
    name: str, secret: str | None, finish: bool, db: str | None, config_file: Path | None
) -> None:
    """Roll a phase's secret: add the new one (both are accepted), later --finish.

    Example:

        moderation coral rotate news-site --secret ssc_new...
        moderation coral rotate news-site --finish
    """
    from moderation.store import coral as coral_store

    def roll(connection, _settings) -> str:
        if finish:
            retired = coral_store.retire_older(connection, name, datetime.now(UTC))
            return f"Retired {retired} older secret(s) of '{name}'."
        if name not in coral_store.phases(connection):
            raise click.ClickException(f"no phase named '{name}'")
        added = coral_store.add_secret(connection, name, secret, datetime.now(UTC))
        return f"Signing secret: {added}\nBoth secrets are accepted until --finish."

    click.echo(_in_store(db, config_file, roll, write=True))


@coral.command("list")
@store_option
@config_option
def list_phases(db: str | None, config_file: Path | None) -> None:
    """List phases and how many secrets each accepts.

    Example:

        moderation coral list
    """
    from moderation.store import coral as coral_store

    found = _in_store(db, config_file, lambda c, _: coral_store.phases(c))
    for phase, count in found.items():
        click.echo(f"{phase:24} {count} secret(s) accepted")
