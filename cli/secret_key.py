"""`stop-intake secret-key check | adopt`: whether this host's STOP_SECRET_KEY is the one
the database was set up with, and changing that key on purpose (`migrations.secret_key`)."""

from __future__ import annotations

import asyncio

import click

from cli.common import on_engine, same_secret_key
from core.settings import get_settings
from migrations.secret_key import adopt_secret_key


@click.group("secret-key")
def secret_key() -> None:
    """Check or change the secret key every host and worker must share."""


@secret_key.command("check")
def check() -> None:
    """Exit 0 when this host's key is the database's (recording it if none is yet), 1
    with the reason when it is not: run it before a new host joins."""
    if not same_secret_key(get_settings()):
        raise click.ClickException(
            "Not checked: the database is unreachable or not migrated (`stop-intake migrate`)."
        )
    click.echo("STOP_SECRET_KEY is the key this database was set up with.")


@secret_key.command("adopt")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def adopt(yes: bool) -> None:
    """Make this host's key the database's. Every receipt, moderator session and hub
    client key made under the old key stops working; give the same key to every host and
    worker, then restart them."""
    if not yes:
        click.confirm(
            "Receipts, sessions and hub client keys made under the old key will stop "
            "working. Adopt this host's STOP_SECRET_KEY?",
            abort=True,
        )
    settings = get_settings()
    adopted = asyncio.run(on_engine(settings, lambda engine: adopt_secret_key(engine, settings)))
    if adopted:
        click.echo("The database now expects this host's STOP_SECRET_KEY.")
    else:
        click.echo("The database already expects this host's STOP_SECRET_KEY; nothing changed.")
