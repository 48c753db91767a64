"""Commands that create accounts: moderators and hub clients."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import create_engine, create_sessionmaker, transaction
from core.errors import StopError
from core.hashing import keyed_hasher
from core.passwords import PasswordHashing
from core.settings import get_settings
from hub.clients import create_hub_client
from models.moderator import ModeratorRole
from moderation.accounts import create_moderator, generate_password


@click.group()
def moderators() -> None:
    """Moderator accounts."""


@click.group("hub-clients")
def hub_clients() -> None:
    """Machine clients of the hub feed."""


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
        raise click.ClickException(error.detail) from None


@moderators.command("add")
@click.argument("username")
@click.option(
    "--role",
    type=click.Choice([role.value for role in ModeratorRole]),
    default=ModeratorRole.MODERATOR.value,
    show_default=True,
    help="What the account may do.",
)
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin.")
def add_moderator(username: str, role: str, password_stdin: bool) -> None:
    """Create a moderator; prints a generated password unless one is read from stdin."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else generate_password()
    if len(password) < 12:
        raise click.ClickException("the password must have at least 12 characters")
    chosen = ModeratorRole(role)
    passwords = PasswordHashing.from_settings(get_settings())
    _in_transaction(
        lambda session: create_moderator(session, passwords, username, chosen, password)
    )
    click.echo(f"Moderator {username!r} created with role {role}.")
    if not password_stdin:
        click.echo(f"Password (shown once): {password}")


@hub_clients.command("add")
@click.argument("name")
def add_hub_client(name: str) -> None:
    """Create a hub client; prints its API key once."""
    hasher = keyed_hasher(get_settings())
    key = _in_transaction(lambda session: create_hub_client(session, hasher, name))
    click.echo(f"Hub client {name!r} created. API key (shown once): {key}")
