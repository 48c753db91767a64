"""Taking a report for an action: lock its row, then ask the action table.

Every moderation use case starts here, so the role, state and claim rules
(`lifecycle.states`) are checked the same way under the same lock.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from lifecycle.states import Action, check, staff
from models.moderator import Moderator
from models.report import Report, ReportStatus
from moderation.errors import ReportNotFound


async def locked(session: AsyncSession, report_id: uuid.UUID) -> Report:
    """The report, locked for the rest of the transaction; reports still in the pipeline
    are not found."""
    result = await session.execute(
        select(Report).where(col(Report.id) == report_id).with_for_update()
    )
    report = result.scalar_one_or_none()
    if report is None or report.status == ReportStatus.RECEIVED:
        raise ReportNotFound()
    return report


async def take(
    session: AsyncSession, moderator: Moderator, report_id: uuid.UUID, action: Action
) -> tuple[Report, ReportStatus]:
    """Lock the report and ask the action table whether this moderator may take `action`
    now (403 for the role, 409 for the state or the claim); the state it leads to."""
    report = await locked(session, report_id)
    return report, check(action, report, staff(moderator))
