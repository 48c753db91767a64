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
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core import cursors
from core.errors import Forbidden
from core.schemas import QueryInput
from core.settings import Settings
from hub import publishing
from hub.fields import LEGACY_FIELDS, IncidentFieldsIn
from lifecycle.states import Action
from models.incident import Incident
from models.moderator import Moderator
from models.report import Report, ReportStatus, in_states
from moderation import audit, redaction
from moderation.audit import AuditAction
from moderation.errors import InvalidAwaitingCursor
from moderation.taking import take


class HoldReason(StrEnum):
    RARE = "rare"  # rare even at the coarsest level
    FOUR_EYES = "four_eyes"  # STOP_FOUR_EYES asks a lead to confirm (moderation.four_eyes)


#: The most waiting approvals one page lists.
MAX_AWAITING_PAGE = 200


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


class AwaitingQuery(QueryInput):
    """What a lead asks of the approvals that wait: why they wait, and a page (the
    console's waiting list reads it from its GET form and links)."""

    reason: HoldReason | None = Field(
        default=None, description="Only the approvals that wait for this reason."
    )
    after: Annotated[str | None, Field(max_length=200)] = Field(
        default=None,
        description="The `next` cursor of the previous page; send the same `reason` with it.",
    )
    limit: int = Field(ge=1, le=MAX_AWAITING_PAGE, description="How many, 1 to 200.")


@dataclass(frozen=True)
class Waiting:
    """How many approvals wait for a lead: in all, and for each reason (0 when none)."""

    total: int
    by_reason: Mapping[HoldReason, int]


@dataclass(frozen=True)
class AwaitingPage:
    """One page of the approvals that wait, oldest approval first."""

    reports: list[Report]
    next: str | None  # the cursor of the next page; None on the last
    waiting: Waiting  # how many wait in all, whatever the page and the reason asked for


_HEAD = "a1"  # the waiting list's cursors: `a1:<approved at>:<id>`


def _decode(cursor: str) -> cursors.Keyset:
    place = cursors.decode_keyset(cursor)
    if place is None or place.head != _HEAD:
        raise InvalidAwaitingCursor()
    return place


async def awaiting(session: AsyncSession, query: AwaitingQuery) -> AwaitingPage:
    """Approvals waiting for a lead, oldest approval first (then by id), a page at a time
    from the cursor on: a page costs the same however deep, and an approval held while a
    lead pages through lands at the end, never shifting the pages."""
    statement = (
        select(Report)
        .where(in_states([ReportStatus.AWAITING_LEAD]))  # `ix_reports_awaiting`'s condition
        .order_by(col(Report.decided_at), col(Report.id))
        .limit(query.limit + 1)
    )
    if query.reason is not None:
        statement = statement.where(col(Report.hold_reason) == query.reason.value)
    if query.after:
        table = Report.__table__.c  # type: ignore[attr-defined]
        statement = statement.where(cursors.after(_decode(query.after), table.decided_at, table.id))
    reports = list((await session.execute(statement)).scalars())
    shown = reports[: query.limit]
    return AwaitingPage(
        reports=shown,
        next=_cursor(shown[-1]) if len(reports) > query.limit else None,
        waiting=await count_waiting(session),
    )


def _cursor(report: Report) -> str:
    # Every waiting approval was decided (`service._hold`): it has its time.
    assert report.decided_at is not None
    return cursors.encode_keyset(cursors.Keyset(_HEAD, report.decided_at, report.id))


async def count_waiting(session: AsyncSession) -> Waiting:
    """How many approvals wait for a lead, in all and by why (one grouped count)."""
    rows = (
        await session.execute(
            select(col(Report.hold_reason), func.count())
            .where(col(Report.status) == ReportStatus.AWAITING_LEAD)
            .group_by(col(Report.hold_reason))
        )
    ).all()
    by_reason = dict.fromkeys(HoldReason, 0)
    for reason, count in rows:
        if reason in by_reason:
            by_reason[HoldReason(reason)] = count
    return Waiting(total=sum(count for _, count in rows), by_reason=by_reason)


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
