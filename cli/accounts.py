"""Commands that create accounts: moderators and hub clients."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import create_engine, create_sessionmaker, transaction
from core.errors import StopError
from core.hashing import keyed_hasher
from core.settings import get_settings
from hub.clients import create_hub_client
from models.moderator import ModeratorRole
from moderation.accounts import create_moderator, generate_password

moderators_app = typer.Typer(help="Moderator accounts.", no_args_is_help=True)
hub_clients_app = typer.Typer(help="Machine clients of the hub feed.", no_args_is_help=True)

T = TypeVar("T")


def _in_transaction(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def main() -> T:
        engine = create_engine(get_settings())
        try:
            async with transaction(create_sessionmaker(engine)) as session:
                return await work(session)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(main())
    except StopError as error:
        typer.echo(f"error: {error.detail}", err=True)
        raise typer.Exit(1) from None


@moderators_app.command("add")
def add_moderator(
    username: str,
    role: ModeratorRole = typer.Option(ModeratorRole.MODERATOR, help="moderator, lead or admin."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from stdin."
    ),
) -> None:
    """Create a moderator; prints a generated password unless one is read from stdin."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else generate_password()
    if len(password) < 12:
        typer.echo("error: the password must have at least 12 characters", err=True)
        raise typer.Exit(1)
    _in_transaction(lambda session: create_moderator(session, username, role, password))
    typer.echo(f"Moderator {username!r} created with role {role}.")
    if not password_stdin:
        typer.echo(f"Password (shown once): {password}")


@hub_clients_app.command("add")
def add_hub_client(name: str) -> None:
    """Create a hub client; prints its API key once."""
    hasher = keyed_hasher(get_settings())
    key = _in_transaction(lambda session: create_hub_client(session, hasher, name))
    typer.echo(f"Hub client {name!r} created. API key (shown once): {key}")
