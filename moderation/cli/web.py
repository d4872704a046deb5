"""Commands for the review UI: serve it, and manage its accounts."""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import click

from moderation.cli.base import cli, config_option, store_option
from moderation.records import ROLES


@cli.command()
@store_option
@click.option(
    "--rules", type=click.Path(path_type=Path), help="Rule file [default: the configured one]."
)
@config_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, help="Port to listen on.")
def serve(
    db: str | None, rules: Path | None, config_file: Path | None, host: str, port: int
) -> None:
    """Run the review UI and the live endpoints (Flask's own server; see the README for
    production). The models load once, before the first request.

    Serves the queue at /, the Perspective-compatible API at /v1alpha1/comments:analyze
    (keys: `moderation keys add`), the Coral phase at /coral/moderation (secrets:
    `moderation coral add-phase`) and /healthz. Example:

        moderation serve --db moderation.db --port 8080
    """
    from webui import create_app

    app = create_app({"MODERATION_DB": db, "MODERATION_RULES": str(rules) if rules else None,
                      "MODERATION_CONFIG": str(config_file) if config_file else None})  # fmt: skip
    _log_requests()
    moderator = app.extensions["moderation"].moderator  # opens (and migrates) the store
    moderator.load()
    moderator.rules.prepare()  # the first requests are not the ones to compile patterns
    click.echo(f"Models: {moderator.sentiment.model_id}, {moderator.toxicity_id}", err=True)
    click.echo(
        f"Review queue and live endpoints on http://{host}:{port}/ (Ctrl-C to stop)", err=True
    )
    app.run(host=host, port=port, threaded=True)


@cli.group()
def users() -> None:
    """Accounts for the review UI.

    Example:

        moderation users add ana --role moderator
    """


@users.command("add")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(ROLES),
    default="moderator",
    show_default=True,
    help="What the account may do.",
)
@click.password_option(help="Asked for when not given (twice, not echoed).")
@store_option
@config_option
def add(name: str, role: str, password: str, db: str | None, config_file: Path | None) -> None:
    """Create an account; the password is stored hashed.

    Example:

        moderation users add ana --role editor
    """
    from moderation.store import users as user_store

    with _accounts(db, config_file) as connection:
        user_store.add(connection, name, role, password, datetime.now(UTC))
    click.echo(f"Added {name} ({role}).")


@users.command("list")
@store_option
@config_option
def list_users(db: str | None, config_file: Path | None) -> None:
    """Every account: name, role, last login, and whether it is disabled.

    Example:

        moderation users list --db moderation.db
    """
    from moderation.store import users as user_store

    with _accounts(db, config_file) as connection:
        for user in user_store.everyone(connection):
            state = f"disabled {user['disabled_at']:%Y-%m-%d}" if user["disabled_at"] else "active"
            last = f"{user['last_login']:%Y-%m-%d %H:%M}" if user["last_login"] else "never"
            click.echo(f"{user['name']}\t{user['role']}\tlast login {last}\t{state}")


@users.command("password")
@click.argument("name")
@click.password_option(help="Asked for when not given (twice, not echoed).")
@store_option
@config_option
def reset_password(name: str, password: str, db: str | None, config_file: Path | None) -> None:
    """Give an account a new password (its sessions end): for an admin locked out.

    Example:

        moderation users password ana
    """
    from moderation.store import users as user_store

    with _accounts(db, config_file) as connection:
        user_store.set_password(connection, _account(connection, name)["id"], password)
    click.echo(f"{name} has a new password; their sessions ended.")


@users.command("role")
@click.argument("name")
@click.argument("role", type=click.Choice(ROLES))
@store_option
@config_option
def change_role(name: str, role: str, db: str | None, config_file: Path | None) -> None:
    """Give an account another role (the last admin keeps theirs).

    Example:

        moderation users role ana editor
    """
    from moderation.store import users as user_store

    with _accounts(db, config_file) as connection:
        user_store.set_role(connection, _account(connection, name)["id"], role)
    click.echo(f"{name} is now {role}.")


@users.command("disable")
@click.argument("name")
@store_option
@config_option
def disable(name: str, db: str | None, config_file: Path | None) -> None:
    """Stop an account from logging in and end its sessions (its decisions stay audited).

    Example:

        moderation users disable ana
    """
    from moderation.store import users as user_store

    with _accounts(db, config_file) as connection:
        user_store.disable(connection, _account(connection, name)["id"], datetime.now(UTC))
    click.echo(f"{name} is disabled; their sessions ended.")


@users.command("enable")
@click.argument("name")
@store_option
@config_option
def enable(name: str, db: str | None, config_file: Path | None) -> None:
    """Let a disabled account log in again.

    Example:

        moderation users enable ana
    """
    from moderation.store import users as user_store

    with _accounts(db, config_file) as connection:
        user_store.enable(connection, _account(connection, name)["id"])
    click.echo(f"{name} may log in again.")


@contextmanager
def _accounts(db: str | None, config_file: Path | None):
    """A write transaction on the configured store, closed after."""
    from moderation.settings import load_settings
    from moderation.store import open_store

    store = open_store(load_settings(config_file, db=db).db_url)
    try:
        with store.transaction(immediate=True) as connection:
            yield connection
    finally:
        store.close()


def _account(connection, name: str) -> dict:
    from moderation.errors import ModerationError
    from moderation.store import users as user_store

    found = user_store.find(connection, name)
    if found is None:
        raise ModerationError(f"no account named '{name}'")
    return found


class _HideKeys(logging.Filter):
    """API keys travel in the query string (?key=...): the access log shows them hidden."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _KEY.sub(r"\1key=***", str(record.msg))
        record.args = tuple(_KEY.sub(r"\1key=***", str(a)) for a in record.args or ())
        return True


_KEY = re.compile(r"([?&])key=[^&\s\"]*")


def _log_requests() -> None:
    """The access log without keys, and one line per live request naming its key."""
    logging.getLogger("werkzeug").addFilter(_HideKeys())
    live = logging.getLogger("moderation.live")
    live.setLevel(logging.INFO)
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
    live.addHandler(handler)
    live.propagate = False
