"""Alembic environment: async, for PostgreSQL (asyncpg) and SQLite (aiosqlite, batch mode).

Callers that already hold a connection (tests, `serve`) pass it in
`config.attributes["connection"]`; otherwise an engine is made from the settings.
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal

import sqlalchemy as sa
from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection

import models
from core.db import create_engine
from core.settings import Settings
from migrations.report_search import include_name
from models.base import EnumText, UTCDateTime

config = context.config
target_metadata = models.metadata


def _render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Write the project's own column types as their plain SQL type, so migrations stand alone."""
    if type_ == "type" and isinstance(obj, UTCDateTime | EnumText):
        return f"sa.{obj.impl!r}"
    return False


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        render_item=_render_item,
        compare_type=True,
        compare_server_default=False,
        include_name=include_name,
    )


def _run(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(settings: Settings) -> None:
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if isinstance(connection, Connection):
        _run(connection)
        return
    settings = config.attributes.get("settings") or Settings()
    asyncio.run(_run_async(settings))


if context.is_offline_mode():
    context.configure(
        url=(config.attributes.get("settings") or Settings()).effective_database_url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()

__all__ = ["sa"]
