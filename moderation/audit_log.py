"""Reading the audit trail: per report, per moderator, per action; in pages or exported.

One query serves every reader: the JSON API (`listAuditEvents`, keyset pages by event
id), the console's audit page (newest first), and the exports (CSV and NDJSON, over the
API, the console and `stop-intake audit export`), which stream rows from a server-side
cursor in batches, never holding the whole table in memory. Every reader sees the same
`AuditEventOut`, so an export line equals the API's item for the same event.

The trail holds no report text and no secret (see `moderation.audit`), so reading it is
not itself audited; an export, a copy leaving the service, is (`audit_exported`).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.csv_cells import BOM, csv_cell, csv_rows
from core.db import SessionMaker
from models.audit import AuditEvent
from models.moderator import Moderator
from moderation import audit
from moderation.audit import AuditAction
from moderation.errors import UnknownModerator
from moderation.schemas import AuditEventOut, AuditPage
from moderation.usernames import could_be_username, normalise_username

MAX_EVENT_ID = 2**63 - 1  # the id is a BIGINT: a larger cursor would overflow the query
EXPORT_BATCH = 500


class ExportFormat(StrEnum):
    CSV = "csv"
    NDJSON = "ndjson"


MEDIA_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.NDJSON: "application/x-ndjson",
}


@dataclass(frozen=True)
class AuditFilter:
    """Which events to read; each part left out matches everything."""

    report_id: uuid.UUID | None = None
    moderator: str | None = None  # a username, normalised
    moderator_id: uuid.UUID | None = None
    action: AuditAction | None = None

    def described(self) -> dict[str, str]:
        """The filter as the `audit_exported` event records it."""
        parts = {
            "report_id": str(self.report_id) if self.report_id else None,
            "moderator": self.moderator,
            "action": self.action.value if self.action else None,
        }
        return {name: value for name, value in parts.items() if value is not None}


async def audit_filter(
    session: AsyncSession,
    *,
    report_id: uuid.UUID | None = None,
    moderator: str | None = None,
    action: AuditAction | None = None,
) -> AuditFilter:
    """The filter for these parts; a username no account has is a 422 `unknown-moderator`
    (a filter that can never match is a mistake, not an empty answer)."""
    moderator_id = None
    name = None
    if moderator is not None:
        name = normalise_username(moderator)
        if could_be_username(name):
            moderator_id = await session.scalar(
                select(col(Moderator.id)).where(col(Moderator.username) == name)
            )
        if moderator_id is None:
            raise UnknownModerator(f"No moderator account is called {name!r}.")
    return AuditFilter(report_id, name, moderator_id, action)


def _query(filters: AuditFilter) -> Select[AuditEvent, str]:
    query = select(AuditEvent, col(Moderator.username)).outerjoin(
        Moderator, col(Moderator.id) == col(AuditEvent.moderator_id)
    )
    if filters.report_id is not None:
        query = query.where(col(AuditEvent.report_id) == filters.report_id)
    if filters.moderator_id is not None:
        query = query.where(col(AuditEvent.moderator_id) == filters.moderator_id)
    if filters.action is not None:
        query = query.where(col(AuditEvent.action) == filters.action.value)
    return query


def event_out(event: AuditEvent, username: str | None) -> AuditEventOut:
    assert event.id is not None
    return AuditEventOut(
        id=event.id,
        at=event.at,
        moderator=username,
        action=AuditAction(event.action),
        report_id=event.report_id,
        changes=event.changes,
        detail=event.detail,
    )


async def page(
    session: AsyncSession,
    filters: AuditFilter,
    *,
    limit: int,
    after: int | None = None,
    before: int | None = None,
) -> AuditPage:
    """Keyset pages by event id: oldest first after `after`, or, given `before`, newest
    first below it (the console's order). `next` continues in the same direction."""
    query = _query(filters)
    if before is not None:
        query = query.where(col(AuditEvent.id) < before).order_by(col(AuditEvent.id).desc())
    else:
        query = query.where(col(AuditEvent.id) > (after or 0)).order_by(col(AuditEvent.id))
    rows = (await session.execute(query.limit(limit))).all()
    items = [event_out(event, username) for event, username in rows]
    return AuditPage(items=items, next=items[-1].id if len(items) == limit else None)


async def stream(session: AsyncSession, filters: AuditFilter) -> AsyncIterator[AuditEventOut]:
    """Every matching event, oldest first, read from a server-side cursor in batches."""
    result = await session.stream(
        _query(filters).order_by(col(AuditEvent.id)).execution_options(yield_per=EXPORT_BATCH)
    )
    async for event, username in result:
        yield event_out(event, username)


CSV_COLUMNS = ("id", "at", "moderator", "action", "report_id", "changes", "detail")


async def export(
    sessionmaker: SessionMaker, filters: AuditFilter, fmt: ExportFormat
) -> AsyncIterator[str]:
    """The matching events as CSV (a header, then one row per event; UTF-8 with a BOM so
    spreadsheets read accents right) or NDJSON (one `AuditEventOut` per line), in chunks
    of `EXPORT_BATCH` events. Its own session: a streamed answer outlives the request's."""
    if fmt == ExportFormat.CSV:
        yield BOM + csv_rows([list(CSV_COLUMNS)])
    async with sessionmaker() as session:
        batch: list[AuditEventOut] = []
        async for event in stream(session, filters):
            batch.append(event)
            if len(batch) == EXPORT_BATCH:
                yield _format(batch, fmt)
                batch = []
        if batch:
            yield _format(batch, fmt)


def _format(events: list[AuditEventOut], fmt: ExportFormat) -> str:
    if fmt == ExportFormat.NDJSON:
        return "".join(event.model_dump_json() + "\n" for event in events)
    rows = [event.model_dump(mode="json") for event in events]
    return csv_rows([[csv_cell(row[column]) for column in CSV_COLUMNS] for row in rows])


async def record_export(
    session: AsyncSession,
    moderator: Moderator | None,
    filters: AuditFilter,
    fmt: ExportFormat,
    via: str,
) -> None:
    """An export is a copy of the trail leaving the service: who took it, which part, how."""
    await audit.record(
        session,
        moderator,
        AuditAction.AUDIT_EXPORTED,
        format=fmt.value,
        via=via,
        filters=filters.described(),
    )


def export_filename(fmt: ExportFormat, now: datetime) -> str:
    return f"audit-{now.strftime('%Y%m%dT%H%M%SZ')}.{fmt.value}"
