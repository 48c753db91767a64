"""Exports for analysts: the latest state of every live incident, as NDJSON, CSV or GeoJSON.

The feed tells a hub every version; an analyst wants the incidents as they stand now. An
export holds, for each incident not retracted, its latest version (the same `IncidentOut`
as the feed's item for it), in publication order. A retracted incident is absent: its
content is gone everywhere (see `hub.publishing.retract`).

An export is a snapshot as of the feed counter when it starts: versions published later
are left out, so the `X-Feed-Cursor` it comes with (`snapshot`) is where to continue with
the feed to get every change since, retractions included. Versions are read from a
server-side cursor in batches of `EXPORT_BATCH` (asyncpg on PostgreSQL, fetchmany on
SQLite) and written as they come: a million incidents never sit in memory at once.

Filters (every part left out matches everything): `after` (a feed cursor: only incidents
whose latest version was published after it), `country` (an event in that country),
`event_type` (an event of that type; with `country`, the same event must match both) and
`exploitation_type` (that type answered "yes"). They are applied to the content as the
hub sees it, so they mean what the published data says; an export filtered narrowly still
reads every live incident once.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, and_, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from core.csv_cells import BOM, csv_cell, csv_rows
from core.db import SessionMaker
from core.settings import Settings
from hub.codes import country_alpha3
from hub.errors import InvalidExportFilter
from hub.facts import TriState
from hub.feed import decode_cursor, encode_cursor, incident_out
from hub.flat import COLUMNS, flat_row
from hub.schemas import Event, IncidentOut, PlacePrecision
from models.incident import FeedCounter, Incident, IncidentChange
from models.vocabulary import ExploitationType, TraffickingEventType

EXPORT_BATCH = 500


class IncidentExportFormat(StrEnum):
    NDJSON = "ndjson"
    CSV = "csv"
    GEOJSON = "geojson"


MEDIA_TYPES = {
    IncidentExportFormat.NDJSON: "application/x-ndjson",
    IncidentExportFormat.CSV: "text/csv; charset=utf-8",
    IncidentExportFormat.GEOJSON: "application/geo+json",
}


@dataclass(frozen=True)
class ExportFilter:
    """Which incidents to export; each part left out matches everything."""

    after: int = 0  # a feed sequence
    country: str | None = None  # ISO 3166-1 alpha-3
    event_type: TraffickingEventType | None = None
    exploitation_type: ExploitationType | None = None


def export_filter(
    *,
    after: str | None = None,
    country: str | None = None,
    event_type: TraffickingEventType | None = None,
    exploitation_type: ExploitationType | None = None,
) -> ExportFilter:
    """The filter for these parts: an unreadable cursor or an unknown country is a 422."""
    alpha3 = None
    if country is not None:
        try:
            alpha3 = country_alpha3(country)
        except ValueError:
            raise InvalidExportFilter("country: not an ISO 3166-1 code.") from None
    return ExportFilter(decode_cursor(after), alpha3, event_type, exploitation_type)


def matching_events(item: IncidentOut, filters: ExportFilter) -> list[Event]:
    """The item's events that the filter's country and event type pick (all of them when
    it names neither)."""
    content = item.incident
    if content is None or isinstance(content.events, str):
        return []
    return [
        event
        for event in content.events
        if (filters.event_type is None or event.type == filters.event_type)
        and (filters.country is None or event.place.country == filters.country)
    ]


def matches(item: IncidentOut, filters: ExportFilter) -> bool:
    content = item.incident
    if content is None:
        return False
    wanted = filters.exploitation_type
    if wanted is not None and content.exploitation_types.get(wanted.value) != TriState.YES:
        return False
    if filters.country is not None or filters.event_type is not None:
        return bool(matching_events(item, filters))
    return True


async def snapshot(session: AsyncSession) -> int:
    """The last sequence committed: every version up to it is visible, none after it is
    (sequences are handed out under a lock in commit order, see `hub.publishing`)."""
    last = await session.scalar(
        select(col(FeedCounter.last_sequence)).where(col(FeedCounter.id) == 1)
    )
    return int(last or 0)


def snapshot_cursor(upto: int) -> str:
    """The feed cursor that continues after an export made at `upto`."""
    return encode_cursor(upto)


def _latest_live(filters: ExportFilter, upto: int) -> Select[Incident]:
    """Each incident's latest version up to `upto`, unless it is a retraction or was
    scrubbed by one (committed after the snapshot, too: a retraction always wins)."""
    later = aliased(Incident)
    newer = exists().where(
        and_(
            col(later.incident_id) == col(Incident.incident_id),
            col(later.version) > col(Incident.version),
            col(later.sequence) <= upto,
        )
    )
    return (
        select(Incident)
        .where(
            col(Incident.sequence) > filters.after,
            col(Incident.sequence) <= upto,
            col(Incident.change) != IncidentChange.RETRACTED,
            col(Incident.scrubbed).is_(False),
            ~newer,
        )
        .order_by(col(Incident.sequence))
    )


async def latest_live(
    session: AsyncSession, filters: ExportFilter, upto: int, settings: Settings
) -> AsyncIterator[IncidentOut]:
    """The live incidents the filter picks, oldest publication first, read from a
    server-side cursor `EXPORT_BATCH` rows at a time."""
    result = await session.stream(
        _latest_live(filters, upto).execution_options(yield_per=EXPORT_BATCH)
    )
    async for incident in result.scalars():
        item = incident_out(incident, settings)
        if matches(item, filters):
            yield item


def _feature(item: IncidentOut, event: Event) -> dict[str, Any] | None:
    """A GeoJSON Point at the centre of the event's cell (None: no cell published)."""
    cell = event.place.cell
    if event.place.precision != PlacePrecision.CELL or cell is None:
        return None
    window = event.window
    return {
        "type": "Feature",
        "geometry": {
            "type": "Point",
            "coordinates": [cell.centre.longitude, cell.centre.latitude],
        },
        "properties": {
            "incident_id": str(item.incident_id),
            "version": item.version,
            "event_type": event.type.value,
            "country": event.place.country,
            "cell_id": cell.id,
            "cell_resolution": cell.resolution,
            "cell_area_km2": cell.area_km2,
            "window_unit": str(window.unit) if window else None,
            "window_start": window.start.isoformat() if window else None,
            "window_end": window.end.isoformat() if window else None,
        },
    }


class _Writer:
    """Turns items into the chosen format, one chunk per batch."""

    def __init__(self, fmt: IncidentExportFormat, filters: ExportFilter) -> None:
        self.fmt = fmt
        self.filters = filters
        self.features = 0

    def head(self) -> str:
        if self.fmt == IncidentExportFormat.CSV:
            return BOM + csv_rows([list(COLUMNS)])
        if self.fmt == IncidentExportFormat.GEOJSON:
            return '{"type":"FeatureCollection","features":['
        return ""

    def chunk(self, items: list[IncidentOut]) -> str:
        if self.fmt == IncidentExportFormat.NDJSON:
            return "".join(item.model_dump_json() + "\n" for item in items)
        if self.fmt == IncidentExportFormat.CSV:
            return csv_rows([[csv_cell(value) for value in flat_row(item)] for item in items])
        parts = []
        for item in items:
            for event in matching_events(item, self.filters):
                feature = _feature(item, event)
                if feature is not None:
                    parts.append(("," if self.features else "") + json.dumps(feature))
                    self.features += 1
        return "".join(parts)

    def tail(self) -> str:
        return "]}\n" if self.fmt == IncidentExportFormat.GEOJSON else ""


async def export(
    sessionmaker: SessionMaker,
    settings: Settings,
    filters: ExportFilter,
    fmt: IncidentExportFormat,
    upto: int,
) -> AsyncIterator[str]:
    """The export as text chunks, one per `EXPORT_BATCH` incidents. NDJSON: one feed item
    a line. CSV: UTF-8 with a byte order mark, the `hub.flat` columns, one row per
    incident, formula-safe cells. GeoJSON: a FeatureCollection with a Point per event
    published with a cell (its centre). Its own session: a streamed answer outlives the
    request's."""
    writer = _Writer(fmt, filters)
    if head := writer.head():
        yield head
    async with sessionmaker() as session:
        batch: list[IncidentOut] = []
        async for item in latest_live(session, filters, upto, settings):
            batch.append(item)
            if len(batch) == EXPORT_BATCH:
                if text := writer.chunk(batch):
                    yield text
                batch = []
        if batch and (text := writer.chunk(batch)):
            yield text
    if tail := writer.tail():
        yield tail


def export_filename(fmt: IncidentExportFormat, now: datetime) -> str:
    return f"incidents-{now.strftime('%Y%m%dT%H%M%SZ')}.{fmt.value}"
