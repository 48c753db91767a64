"""Publishing incident versions in commit order.

The feed counter row is locked for the rest of the publishing transaction, so sequences
are handed out in the order their transactions commit: a hub that has read up to N never
later finds a version below N appearing.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.anonymity import METRES_PER_DEGREE, snap
from core.clock import utcnow
from core.settings import Settings
from hub.errors import IncidentRetracted, NoIncident
from hub.schemas import IncidentFieldsIn
from models.incident import FeedCounter, Incident, IncidentChange
from models.moderator import Moderator
from models.report import Report


async def _next_sequence(session: AsyncSession) -> int:
    counter = (
        await session.execute(select(FeedCounter).where(col(FeedCounter.id) == 1).with_for_update())
    ).scalar_one()
    counter.last_sequence += 1
    await session.flush()
    return counter.last_sequence


def _payload(report: Report, fields: IncidentFieldsIn, settings: Settings) -> dict[str, Any]:
    payload = fields.model_dump(mode="json", exclude={"include_location"})
    payload["location"] = None
    if fields.include_location and report.latitude is not None and report.longitude is not None:
        grid = settings.hub_location_grid_degrees
        payload["location"] = {
            "latitude": snap(report.latitude, grid),
            "longitude": snap(report.longitude, grid),
            "precision_m": round(max(grid * METRES_PER_DEGREE, report.location_accuracy_m or 0)),
        }
    payload["urgent"] = report.urgent
    payload["original_language"] = report.language
    return payload


async def latest(session: AsyncSession, report_id: uuid.UUID) -> Incident | None:
    """The report's incident as last published (any change), or None."""
    result = await session.execute(
        select(Incident)
        .where(col(Incident.report_id) == report_id)
        .order_by(col(Incident.version).desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


async def _append(
    session: AsyncSession,
    report: Report,
    change: IncidentChange,
    payload: dict[str, Any],
    moderator: Moderator,
) -> Incident:
    previous = await latest(session, report.id)
    incident = Incident(
        incident_id=previous.incident_id if previous else uuid.uuid4(),
        report_id=report.id,
        version=previous.version + 1 if previous else 1,
        sequence=await _next_sequence(session),
        change=change,
        payload=payload,
        published_at=utcnow(),
        published_by=moderator.id,
    )
    session.add(incident)
    await session.flush()
    return incident


async def publish(
    session: AsyncSession,
    report: Report,
    fields: IncidentFieldsIn,
    moderator: Moderator,
    settings: Settings,
) -> Incident:
    """Publish the report's incident: version 1 on approval, a correction after that."""
    previous = await latest(session, report.id)
    if previous is not None and previous.change == IncidentChange.RETRACTED:
        raise IncidentRetracted()
    change = IncidentChange.CORRECTED if previous else IncidentChange.PUBLISHED
    return await _append(session, report, change, _payload(report, fields, settings), moderator)


async def retract(session: AsyncSession, report: Report, moderator: Moderator) -> Incident:
    """Tell the hub to disregard the incident: a last version that carries no content."""
    previous = await latest(session, report.id)
    if previous is None:
        raise NoIncident()
    if previous.change == IncidentChange.RETRACTED:
        raise IncidentRetracted()
    payload: dict[str, Any] = {
        "summary": None,
        "types_of_exploitation": [],
        "location": None,
        "urgent": report.urgent,
    }
    return await _append(session, report, IncidentChange.RETRACTED, payload, moderator)
