"""`stop-intake audit export`: the audit trail (or the part the filters pick) to stdout,
as CSV or NDJSON, streamed from the database in batches. The same filters (`AuditQuery`),
rows and form as GET /v1/moderation/audit/export; the operator reads the whole trail, and
the export is audited as made on the command line."""

from __future__ import annotations

import asyncio
import sys
import uuid

import click
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from core.db import create_engine, create_sessionmaker, transaction
from core.errors import StopError
from core.settings import get_settings
from moderation import audit_log
from moderation.audit_log import AuditQuery, ExportFormat


@click.group()
def audit() -> None:
    """The audit trail: every moderator action, with before and after values."""


@audit.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice([choice.value for choice in ExportFormat]),
    default=ExportFormat.CSV.value,
    show_default=True,
    help="CSV (one row per event; changes and detail as JSON) or NDJSON (one event a line).",
)
@click.option("--report", "report_id", type=click.UUID, help="Only events about this report.")
@click.option("--moderator", help="Only events done by this moderator (a username).")
@click.option("--since", metavar="YYYY-MM-DD", help="Only events on or after this day (UTC).")
@click.option("--until", metavar="YYYY-MM-DD", help="Only events on or before this day (UTC).")
def export(
    fmt: str,
    report_id: uuid.UUID | None,
    moderator: str | None,
    since: str | None,
    until: str | None,
) -> None:
    """Write the audit trail to stdout, oldest event first."""
    chosen = ExportFormat(fmt)
    given = {"report_id": report_id, "moderator": moderator, "since": since, "until": until}
    query = _query({name: value for name, value in given.items() if value is not None})

    async def main() -> None:
        engine = create_engine(get_settings())
        try:
            sessionmaker = create_sessionmaker(engine)
            async with transaction(sessionmaker) as session:
                filters = await audit_log.audit_filter(session, query)
                await audit_log.record_export(session, None, filters, chosen, via="cli")
            out = sys.stdout.buffer  # UTF-8 whatever the locale
            async for chunk in audit_log.export(sessionmaker, filters, chosen):
                out.write(chunk.encode())
            out.flush()
        finally:
            await engine.dispose()

    try:
        asyncio.run(main())
    except StopError as error:
        raise click.ClickException(error.detail) from None


def _query(given: dict[str, object]) -> AuditQuery:
    """The options as the API reads them; a bad one is a usage error naming the option."""
    try:
        return AuditQuery.model_validate(given)
    except ValidationError as error:
        raise click.UsageError("; ".join(_said(item) for item in error.errors())) from None


def _said(item: ErrorDetails) -> str:
    message = item["msg"].removeprefix("Value error, ")
    return f"--{item['loc'][0]}: {message}" if item["loc"] else message
