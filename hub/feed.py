"""The pull feed: incident versions after an opaque cursor, in publication order."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core import cursors
from core.settings import Settings
from hub.coarse import Level
from hub.content import Source, build
from hub.errors import InvalidCursor
from hub.fields import IncidentFieldsIn
from hub.schemas import FeedPage, IncidentOut
from models.incident import Incident

_FIRST_VERSION_FIELDS = (
    "summary",
    "types_of_exploitation",
    "event_type",
    "country",
    "date_from",
    "date_to",
    "victims_estimate",
)

_PREFIX = "seq1:"
_SEQUENCE = re.compile(re.escape(_PREFIX) + "([0-9]{1,19})")
MAX_SEQUENCE = 2**63 - 1  # the sequence is a BIGINT: a larger cursor would overflow the query


def encode_cursor(sequence: int) -> str:
    return cursors.encode_cursor(f"{_PREFIX}{sequence}")


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    match = _SEQUENCE.fullmatch(cursors.decode_cursor(cursor) or "")
    if match is None or int(match[1]) > MAX_SEQUENCE:
        raise InvalidCursor()
    return int(match[1])


def content_of(payload: dict[str, Any], settings: Settings) -> dict[str, Any] | None:
    """A stored version's content as schema 2.0; None when empty (retracted, scrubbed)."""
    if not payload:
        return None
    if "generalisation" not in payload:
        return upgrade_first_version(payload, settings)
    return payload


def incident_out(incident: Incident, settings: Settings) -> IncidentOut:
    content = content_of(incident.payload, settings)
    return IncidentOut.model_validate(
        {
            "incident_id": incident.incident_id,
            "version": incident.version,
            "change": incident.change,
            "published_at": incident.published_at,
            "incident": content,
            "scrubbed": incident.scrubbed,
            "retraction": {"reason": incident.retraction_reason}
            if incident.retraction_reason
            else None,
        }
    )


def upgrade_first_version(payload: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """Content published before schema 2.0 (stored as the moderator's first-version form
    plus a 0.01° point), read as schema 2.0: what it listed is "yes", the rest "not
    reported"; its point becomes a cell."""
    point = payload.get("location") or {}
    fields = IncidentFieldsIn.model_validate(
        {key: payload.get(key) for key in _FIRST_VERSION_FIELDS} | {"include_location": bool(point)}
    )
    source = Source(
        urgent=bool(payload.get("urgent")),
        language=payload.get("original_language"),
        point=(point["latitude"], point["longitude"]) if point else None,
    )
    return build(fields, source, settings, Level.FINE)


async def page_after(
    session: AsyncSession, cursor: str | None, limit: int, settings: Settings
) -> FeedPage:
    after = decode_cursor(cursor)
    result = await session.execute(
        select(Incident)
        .where(col(Incident.sequence) > after)
        .order_by(col(Incident.sequence))
        .limit(limit)
    )
    incidents = list(result.scalars())
    last = incidents[-1].sequence if incidents else after
    return FeedPage(
        items=[incident_out(incident, settings) for incident in incidents],
        next=encode_cursor(last) if (incidents or cursor) else None,
    )
