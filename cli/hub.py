"""`stop-intake hub export`: the latest state of every live incident to stdout, as NDJSON,
CSV or GeoJSON, streamed from the database in batches. The same content, in the same form,
as GET /v1/hub/export; the feed cursor to continue from goes to stderr."""

from __future__ import annotations

import asyncio
import sys

import click

from core.db import create_engine, create_sessionmaker
from core.errors import StopError
from core.settings import get_settings
from hub.export import IncidentExportFormat, export, export_filter, snapshot, snapshot_cursor
from models.vocabulary import ExploitationType, TraffickingEventType


@click.group()
def hub() -> None:
    """What the hub receives: exports of the published incidents."""


@hub.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice([choice.value for choice in IncidentExportFormat]),
    default=IncidentExportFormat.NDJSON.value,
    show_default=True,
    help="NDJSON (one feed item a line), CSV (one row per incident) or GeoJSON (cell centres).",
)
@click.option("--after", help="A feed cursor: only incidents changed after it.")
@click.option("--country", help="Only incidents with an event in this country (ISO 3166-1).")
@click.option(
    "--event-type",
    type=click.Choice([choice.value for choice in TraffickingEventType]),
    help="Only incidents with an event of this type (with --country: there).",
)
@click.option(
    "--exploitation-type",
    type=click.Choice([choice.value for choice in ExploitationType]),
    help="Only incidents where this exploitation type is yes.",
)
def export_command(
    fmt: str,
    after: str | None,
    country: str | None,
    event_type: str | None,
    exploitation_type: str | None,
) -> None:
    """Write every live incident, as it stands now, to stdout (oldest publication first)."""
    settings = get_settings()

    async def main() -> None:
        filters = export_filter(
            after=after,
            country=country,
            event_type=TraffickingEventType(event_type) if event_type else None,
            exploitation_type=ExploitationType(exploitation_type) if exploitation_type else None,
        )
        engine = create_engine(settings)
        try:
            sessionmaker = create_sessionmaker(engine)
            async with sessionmaker() as session:
                upto = await snapshot(session)
            out = sys.stdout.buffer  # UTF-8 whatever the locale
            async for chunk in export(
                sessionmaker, settings, filters, IncidentExportFormat(fmt), upto
            ):
                out.write(chunk.encode())
            out.flush()
        finally:
            await engine.dispose()
        click.echo(f"feed cursor after this export: {snapshot_cursor(upto)}", err=True)

    try:
        asyncio.run(main())
    except StopError as error:
        raise click.ClickException(error.detail) from None
