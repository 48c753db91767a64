"""Publishing incident versions in commit order.

The feed counter row is locked for the rest of the publishing transaction, so sequences
are handed out in the order their transactions commit: a hub that has read up to N never
later finds a version below N appearing.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import utcnow
from core.settings import Settings
from hub.schemas import IncidentFieldsIn
from intake.location import METRES_PER_DEGREE, snap
from models.incident import FeedCounter, Incident, IncidentChange
from models.moderator import Moderator
from models.report import Report


async def _next_sequence(session: AsyncSession) -> int:
    counter = (
        await session.execute(select(FeedCounter).where(FeedCounter.id == 1).with_for_update())
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


async def publish(
    session: AsyncSession,
    report: Report,
    fields: IncidentFieldsIn,
    moderator: Moderator,
    settings: Settings,
) -> Incident:
    """Publish the next version of the report's incident (version 1 on first approval)."""
    latest = (
        await session.execute(
            select(Incident.incident_id, func.max(Incident.version))
            .where(Incident.report_id == report.id)
            .group_by(Incident.incident_id)
        )
    ).first()
    incident_id, version = (latest[0], latest[1] + 1) if latest else (uuid.uuid4(), 1)
    incident = Incident(
        incident_id=incident_id,
        report_id=report.id,
        version=version,
        sequence=await _next_sequence(session),
        change=IncidentChange.PUBLISHED if version == 1 else IncidentChange.CORRECTED,
        payload=_payload(report, fields, settings),
        published_at=utcnow(),
        published_by=moderator.id,
    )
    session.add(incident)
    await session.flush()
    return incident
