"""Merging a duplicate into the report it repeats (the primary), and listing a primary's
merged reports.

The moderator holding the claim on the duplicate merges it (`Action.MERGE` in the action
table): it is closed as `rejected` with the reason "duplicate" and `merged_into` naming
the primary, so it leaves the queue and nothing of it reaches the hub on its own. Nothing
is thrown away: its text, translation, media and conversation stay readable to
moderators, and the primary's page lists it among its sources. Duplicates that had been
merged into the report being merged move on to the new primary with it, so a primary
always lists every source and no chain of merges forms. Undoing the rejection (or a lead
reopening it) un-merges it (`moderation.leads`).

Both reports are locked, in the order of their ids so two merges of the same pair never
deadlock; each change is audited with its before and after values: `merged` on the
duplicate (and on each moved one), `merge_received` on the primary.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.clock import utcnow
from lifecycle.states import Action, check, staff
from models.media import Media
from models.moderator import Moderator
from models.report import Report, ReportStatus
from moderation import audit, redaction
from moderation.audit import AuditAction
from moderation.duplicates import EXCERPT_CHARS
from moderation.errors import InvalidMergeTarget, ReportNotFound
from moderation.schemas import MergedReport
from moderation.taking import locked

#: The rejection reason of a merged report.
DUPLICATE = "duplicate"
#: A primary must still be able to become (or be) an incident: not closed.
_CLOSED = (ReportStatus.RECEIVED, ReportStatus.REJECTED, ReportStatus.WITHDRAWN)


async def _lock_pair(
    session: AsyncSession, report_id: uuid.UUID, into_id: uuid.UUID
) -> tuple[Report, Report]:
    if report_id == into_id:
        raise InvalidMergeTarget("A report cannot be merged into itself.")
    found: dict[uuid.UUID, Report] = {}
    for each in sorted((report_id, into_id)):
        try:
            found[each] = await locked(session, each)
        except ReportNotFound:
            if each == report_id:
                raise
            raise InvalidMergeTarget("No report to merge into has this id.") from None
    return found[report_id], found[into_id]


async def merge(
    session: AsyncSession, moderator: Moderator, report_id: uuid.UUID, into_id: uuid.UUID
) -> None:
    """Close the claimed report `report_id` as a duplicate of `into_id` (the primary)."""
    report, primary = await _lock_pair(session, report_id, into_id)
    rejected = check(Action.MERGE, report, staff(moderator))
    if primary.status in _CLOSED or primary.merged_into is not None:
        raise InvalidMergeTarget(
            f"The report to merge into is {primary.status}"
            + (" and merged into another." if primary.merged_into else ".")
        )
    before = await audit.report_state(session, report)
    primary_before = await audit.report_state(session, primary)
    report.status = rejected
    report.decided_by = moderator.id
    report.decided_at = utcnow()
    report.claimed_by = None
    report.claim_expires_at = None
    report.rejection_reason = DUPLICATE
    report.merged_into = primary.id
    await audit.record_change(
        session, moderator, AuditAction.MERGED, report, before, into=str(primary.id)
    )
    await _move_sources(session, moderator, report, primary)
    await audit.record_change(
        session,
        moderator,
        AuditAction.MERGE_RECEIVED,
        primary,
        primary_before,
        merged=str(report.id),
    )


async def _move_sources(
    session: AsyncSession, moderator: Moderator, report: Report, primary: Report
) -> None:
    """The duplicates merged into `report` before: now sources of `primary` too."""
    earlier = await session.scalars(
        select(Report).where(col(Report.merged_into) == report.id).with_for_update()
    )
    for source in earlier:
        before = await audit.report_state(session, source)
        source.merged_into = primary.id
        await audit.record_change(
            session, moderator, AuditAction.MERGED, source, before, into=str(primary.id)
        )


async def merged_into(session: AsyncSession, primary_id: uuid.UUID) -> list[MergedReport]:
    """The reports merged into this one, oldest first, for its page."""
    media_count = (
        select(func.count(col(Media.id)))
        .where(col(Media.report_id) == col(Report.id))
        .scalar_subquery()
    )
    rows = await session.execute(
        select(Report, media_count)
        .where(col(Report.merged_into) == primary_id)
        .order_by(col(Report.received_at), col(Report.id))
    )
    found = [(source, count) for source, count in rows]
    excerpts = await redaction.excerpts(session, [source for source, _ in found], EXCERPT_CHARS)
    return [
        MergedReport(
            id=source.id,
            received_at=source.received_at,
            language=source.language,
            excerpt=excerpts[source.id],
            media_count=count,
        )
        for source, count in found
    ]
