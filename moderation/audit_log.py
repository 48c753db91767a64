"""Reading the audit trail: per report, per moderator, per action; in pages or exported.

One query serves every reader: the JSON API (`listAuditEvents`, keyset pages by event
id), the console's audit page (newest first), and the exports (CSV and NDJSON, over the
API, the console and `stop-intake audit export`), which stream rows from a server-side
cursor in batches, never holding the whole table in memory. Every reader sees the same
`AuditEventOut`, so an export line equals the API's item for the same event.

Every reader asks with one `AuditQuery` (report, moderator, action, and a span of UTC
days) and gets one `AuditFilter` from `audit_filter`, which also says who may read what:
leads and admins (and the operator on the command line) read the whole trail, a moderator
only their own events. A span of days is a half-open range of `at`, read through
`ix_audit_events_at` (migration 0030), not a scan of the whole trail.

The trail holds no report text and no secret (see `moderation.audit`), so reading it is
not itself audited; an export, a copy leaving the service, is (`audit_exported`).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import ConfigDict, Field, model_validator
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.clock import end_of, start_of
from core.csv_cells import BOM, csv_cell, csv_rows
from core.db import SessionMaker
from core.schemas import PlausibleDate, StrictInput
from models.audit import AuditEvent
from models.moderator import Moderator, ModeratorRole
from moderation import audit
from moderation.audit import AuditAction
from moderation.errors import OwnTrailOnly, UnknownModerator
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


#: The roles that read the whole trail; any other reads only its own events.
WHOLE_TRAIL = (ModeratorRole.LEAD, ModeratorRole.ADMIN)


class AuditQuery(StrictInput):
    """What a reader asks of the trail, as the JSON API's query string, the console's
    filter form and the command line's options all give it. Each part left out matches
    everything (but see `audit_filter` for a moderator's `moderator`)."""

    model_config = ConfigDict(extra="ignore")  # the routes' own parameters (`after`, …)

    report_id: uuid.UUID | None = Field(
        default=None, description="Only events about this report (its id)."
    )
    moderator: Annotated[str | None, Field(min_length=1, max_length=64)] = Field(
        default=None,
        description="Only events done by this moderator (a username); an unknown name is a "
        "422 `unknown-moderator`. A moderator reads only their own events: for them this "
        "defaults to themself, and any other name is a 403 `own-trail-only`.",
    )
    action: AuditAction | None = Field(default=None, description="Only events of this kind.")
    since: PlausibleDate | None = Field(
        default=None, description="Only events on or after this day (UTC), `YYYY-MM-DD`."
    )
    until: PlausibleDate | None = Field(
        default=None,
        description="Only events on or before this day (UTC), `YYYY-MM-DD`; not before `since`.",
    )

    @model_validator(mode="after")
    def _days_in_order(self) -> AuditQuery:
        if self.since and self.until and self.since > self.until:
            raise ValueError("since is after until")
        return self


@dataclass(frozen=True)
class AuditFilter:
    """Which events to read; each part left out matches everything. The days are UTC and
    both included."""

    report_id: uuid.UUID | None = None
    moderator: str | None = None  # a username, normalised
    moderator_id: uuid.UUID | None = None
    action: AuditAction | None = None
    since: date | None = None
    until: date | None = None

    def described(self) -> dict[str, str]:
        """The filter as the `audit_exported` event records it (and the console's links
        carry it)."""
        parts = {
            "report_id": str(self.report_id) if self.report_id else None,
            "moderator": self.moderator,
            "action": self.action.value if self.action else None,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }
        return {name: value for name, value in parts.items() if value is not None}


async def audit_filter(
    session: AsyncSession, query: AuditQuery, reader: Moderator | None = None
) -> AuditFilter:
    """The filter for `query`, as `reader` may read it (None: the operator on the command
    line, who reads everything, as leads and admins do).

    A moderator reads only their own events: `moderator` defaults to them, and any other
    name is a 403 `own-trail-only`, refused before any lookup, so the answer never tells
    a moderator which accounts exist. For the others a username no account has is a 422
    `unknown-moderator` (a filter that can never match is a mistake, not an empty answer)."""
    if reader is not None and reader.role not in WHOLE_TRAIL:
        own = normalise_username(reader.username)
        if query.moderator is not None and normalise_username(query.moderator) != own:
            raise OwnTrailOnly("You may read only your own events in the audit trail.")
        return _picked(query, reader.username, reader.id)
    moderator_id = None
    name = None
    if query.moderator is not None:
        name = normalise_username(query.moderator)
        if could_be_username(name):
            moderator_id = await session.scalar(
                select(col(Moderator.id)).where(col(Moderator.username) == name)
            )
        if moderator_id is None:
            raise UnknownModerator(f"No moderator account is called {name!r}.")
    return _picked(query, name, moderator_id)


def _picked(
    query: AuditQuery, moderator: str | None, moderator_id: uuid.UUID | None
) -> AuditFilter:
    return AuditFilter(
        query.report_id, moderator, moderator_id, query.action, query.since, query.until
    )


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
    if filters.since is not None:
        query = query.where(col(AuditEvent.at) >= start_of(filters.since))
    if filters.until is not None:
        query = query.where(col(AuditEvent.at) < end_of(filters.until))
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
