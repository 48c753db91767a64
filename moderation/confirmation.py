"""Approvals that wait for a lead: the lead publishes them or sends them back.

An approval waits when the four-eyes policy asks for a lead's confirmation
(`moderation.four_eyes`), or when the incident would single people out even at the
coarsest level the hub can receive (`hub.rarity`): the moderator's fields are kept on the
report, and a lead decides. Confirming publishes (at the coarsest level, marked as
released by a lead, if still rare); sending back returns the report to the queue with
nothing published. Nobody confirms
their own approval: the point is a second pair of eyes.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.errors import Forbidden
from core.settings import Settings
from hub import publishing
from hub.fields import LEGACY_FIELDS, IncidentFieldsIn
from lifecycle.states import Action
from models.incident import Incident
from models.moderator import Moderator
from models.report import Report, ReportStatus
from moderation import audit, redaction
from moderation.audit import AuditAction
from moderation.taking import take


class HoldReason(StrEnum):
    RARE = "rare"  # rare even at the coarsest level
    FOUR_EYES = "four_eyes"  # STOP_FOUR_EYES asks a lead to confirm (moderation.four_eyes)


class OwnApproval(Forbidden):
    slug = "own-approval"
    title = "A second lead must confirm this approval"


def pending(fields: IncidentFieldsIn) -> dict[str, Any]:
    """The fields as kept while the approval waits (the first-version fields were already
    merged into the current ones)."""
    return fields.model_dump(mode="json", exclude=set(LEGACY_FIELDS))


async def _waiting(
    session: AsyncSession, lead: Moderator, report_id: uuid.UUID, action: Action
) -> tuple[Report, ReportStatus]:
    report, to = await take(session, lead, report_id, action)
    if action == Action.CONFIRM and report.decided_by == lead.id:
        raise OwnApproval()
    return report, to


async def confirm(
    session: AsyncSession, lead: Moderator, report_id: uuid.UUID, settings: Settings
) -> Incident:
    """Publish a waiting approval, at the coarsest level if it is still rare."""
    report, approved = await _waiting(session, lead, report_id, Action.CONFIRM)
    before = await audit.publication_state(session, report)
    fields = IncidentFieldsIn.model_validate(report.pending_incident or {})
    # Redacted since the moderator approved? Then the lead sends it back or un-redacts.
    await redaction.refuse_redacted_summary(session, report, fields.summary)
    incident = await publishing.publish(session, report, fields, lead, settings, release_rare=True)
    reason = report.hold_reason
    report.status = approved
    report.pending_incident = None
    report.hold_reason = None
    await audit.record_publication(
        session, lead, AuditAction.CONFIRMED, report, before, incident, held_because=reason or ""
    )
    return incident


async def send_back(
    session: AsyncSession, lead: Moderator, report_id: uuid.UUID, reason: str
) -> None:
    """Return a waiting approval to the queue; nothing was published."""
    report, queued = await _waiting(session, lead, report_id, Action.SEND_BACK)
    before = await audit.report_state(session, report)
    report.status = queued
    report.pending_incident = None
    report.hold_reason = None
    report.decided_by = None
    report.decided_at = None
    await audit.record_change(session, lead, AuditAction.SENT_BACK, report, before, reason=reason)


async def awaiting(session: AsyncSession, limit: int = 100) -> list[Report]:
    """Approvals waiting for a lead, oldest first."""
    result = await session.execute(
        select(Report)
        .where(col(Report.status) == ReportStatus.AWAITING_LEAD)
        .order_by(col(Report.decided_at), col(Report.id))
        .limit(limit)
    )
    return list(result.scalars())


async def count_awaiting(session: AsyncSession) -> int:
    """How many approvals wait for a lead (the console's nav shows it to leads)."""
    counted = await session.scalar(
        select(func.count())
        .select_from(Report)
        .where(col(Report.status) == ReportStatus.AWAITING_LEAD)
    )
    return int(counted or 0)


async def pending_fields(session: AsyncSession, report_id: uuid.UUID) -> IncidentFieldsIn | None:
    """The fields of an approval that waits for a lead, as the moderator stated them."""
    report = await session.get(Report, report_id)
    if report is None or report.status != ReportStatus.AWAITING_LEAD:
        return None
    return IncidentFieldsIn.model_validate(report.pending_incident or {})
