"""The pull feed: incident versions after an opaque cursor, in publication order."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core import cursors
from hub.errors import InvalidCursor
from hub.schemas import FeedPage, IncidentOut
from models.incident import Incident

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


def incident_out(incident: Incident) -> IncidentOut:
    return IncidentOut.model_validate(
        incident.payload
        | {
            "incident_id": incident.incident_id,
            "version": incident.version,
            "change": incident.change,
            "published_at": incident.published_at,
        }
    )


async def page_after(session: AsyncSession, cursor: str | None, limit: int) -> FeedPage:
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
        items=[incident_out(incident) for incident in incidents],
        next=encode_cursor(last) if (incidents or cursor) else None,
    )
