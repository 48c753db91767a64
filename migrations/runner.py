"""Run and inspect migrations from code: `stop-intake migrate`, `serve`, `/readyz` and tests.

Alembic is the only way the schema is created, everywhere.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from core.settings import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parent


def alembic_config(
    settings: Settings | None = None, connection: Connection | None = None
) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if settings is not None:
        config.attributes["settings"] = settings
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade_head(settings: Settings) -> None:
    """Blocking: bring the configured database to the latest revision."""
    command.upgrade(alembic_config(settings), "head")


async def upgrade_head_on(connection: AsyncConnection) -> None:
    """The same, on a connection an async caller already holds."""
    await connection.run_sync(lambda sync: command.upgrade(alembic_config(connection=sync), "head"))


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def current_revision(connection: AsyncConnection) -> str | None:
    return await connection.run_sync(
        lambda sync: MigrationContext.configure(sync).get_current_revision()
    )
