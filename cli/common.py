"""What the database commands share: one transaction per command, and plain tables."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import create_engine, create_sessionmaker, transaction
from core.errors import StopError
from core.settings import Settings, get_settings
from migrations.secret_key import OtherSecretKey, check_secret_key

T = TypeVar("T")


def in_transaction(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """`work` in one transaction on the configured database; a service's refusal ends the
    command with its message."""

    async def main() -> T:
        settings = get_settings()
        engine = create_engine(settings)
        try:
            await check_secret_key(engine, settings)  # accounts and keys are hashed under it
            async with transaction(create_sessionmaker(engine)) as session:
                return await work(session)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(main())
    except StopError as error:
        raise click.ClickException(error.detail) from None
    except OtherSecretKey as error:
        raise click.ClickException(str(error)) from None


def require_same_secret_key(settings: Settings) -> None:
    """Stop the command, naming the setting, when this host's secret key is not the one
    the database was set up with (`migrations.secret_key`); record it on first use."""

    async def main() -> None:
        engine = create_engine(settings)
        try:
            await check_secret_key(engine, settings)
        finally:
            await engine.dispose()

    try:
        asyncio.run(main())
    except OtherSecretKey as error:
        raise click.ClickException(str(error)) from None


def echo_table(lines: Sequence[Sequence[str]]) -> None:
    """Rows of cells (the first is the header) in columns as wide as their widest cell."""
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    for line in lines:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
