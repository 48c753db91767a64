"""`stop-intake duplicate-keys`: store the band keys of the duplicate suggestions
(`models.report_band`) for the reports past the pipeline that have none. Migration 0027
stores them for every report already queued, and the worker for each report it queues;
a worker of an earlier release, still running during or after the migration, queues
reports without them, and their copies would go unsuggested until this runs."""

from __future__ import annotations

import asyncio

import click
from sqlalchemy.ext.asyncio import AsyncEngine

from cli.common import on_engine
from core.settings import get_settings
from migrations.similarity_keys import fill_band_keys


@click.command("duplicate-keys")
def duplicate_keys() -> None:
    """Store the duplicate suggestions' keys of the reports that have none (after reports
    were queued by a worker of the release before migration 0027)."""

    async def fill(engine: AsyncEngine) -> int:
        async with engine.begin() as connection:
            return await connection.run_sync(lambda sync: fill_band_keys(sync, missing_only=True))

    stored = asyncio.run(on_engine(get_settings(), fill))
    click.echo(f"stored the keys of {stored} reports")
