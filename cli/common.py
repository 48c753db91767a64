"""What the database commands share: one transaction per command, and plain tables."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import click
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from core.db import create_engine, create_sessionmaker, transaction
from core.errors import StopError
from core.settings import Settings, get_settings
from migrations.secret_key import OtherSecretKey, check_secret_key

T = TypeVar("T")


async def on_engine(settings: Settings, work: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    """`work` on an engine of the configured database, disposed of afterwards."""
    engine = create_engine(settings)
    try:
        return await work(engine)
    finally:
        await engine.dispose()


def in_transaction(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """`work` in one transaction on the configured database; a service's refusal ends the
    command with its message."""
    settings = get_settings()

    async def checked(engine: AsyncEngine) -> T:
        await check_secret_key(engine, settings)  # accounts and keys are hashed under it
        async with transaction(create_sessionmaker(engine)) as session:
            return await work(session)

    try:
        return asyncio.run(on_engine(settings, checked))
    except StopError as error:
        raise click.ClickException(error.detail) from None
    except OtherSecretKey as error:
        raise click.ClickException(str(error)) from None


def same_secret_key(settings: Settings) -> bool:
    """Whether this host's secret key was checked against the database's (recorded there
    on first use): False when the database could not tell (unreachable, or not migrated
    yet); another key ends the command with one line naming the setting."""
    try:
        return asyncio.run(on_engine(settings, lambda engine: check_secret_key(engine, settings)))
    except OtherSecretKey as error:
        raise click.ClickException(str(error)) from None
    except (OSError, DBAPIError) as error:
        click.echo(f"The database is unreachable ({type(error).__name__}).", err=True)
        return False


def require_same_secret_key(settings: Settings) -> None:
    """`same_secret_key` before a service starts; one that cannot be checked now starts
    anyway (each API process checks again until the database answers, see `api.key_check`)."""
    if not same_secret_key(settings):
        click.echo("warning: the secret key could not be checked yet", err=True)


def echo_table(lines: Sequence[Sequence[str]]) -> None:
    """Rows of cells (the first is the header) in columns as wide as their widest cell."""
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    for line in lines:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
