"""What leads (and admins) do to other moderators' work: reassign a report, reopen a
rejected one, and, with the moderator who decided, undo a rejection soon after it.

Like every moderation service, each locks the report, asks the action table
(`lifecycle.states`: role, state, claim or decision) and writes its audit row in the same
transaction; the caller commits. Undoing an approval is not here: it needs the incident
already published to the hub taken back, which the hub side does not offer yet.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.settings import Settings
from hub import publishing
from lifecycle.states import Action, check, staff
from models.incident import RetractionReason
from models.moderator import Moderator
from models.report import Report, ReportStatus
from moderation import audit
from moderation.audit import AuditAction
from moderation.errors import UnknownModerator
from moderation.schemas import ClaimOut
from moderation.service import give_claim, undo_window
from moderation.taking import locked, take
from moderation.usernames import could_be_username, normalise_username


def _undecide(report: Report) -> None:
    """Forget the decision on the report row; the audit trail keeps it (and its reason). A
    merged duplicate is no longer merged: the primary stops listing it."""
    report.decided_by = None
    report.decided_at = None
    report.rejection_reason = None
    report.merged_into = None


async def active_account(session: AsyncSession, username: str) -> Moderator:
    """An active account by its username, as typed (any case); 422 otherwise."""
    if not could_be_username(username):
        raise UnknownModerator()
    account = await session.scalar(
        select(Moderator).where(
            col(Moderator.username) == normalise_username(username),
            col(Moderator.is_active).is_(True),
        )
    )
    if account is None:
        raise UnknownModerator()
    return account


async def active_usernames(session: AsyncSession) -> list[str]:
    """Who a report can be reassigned to: every active account, by username."""
    result = await session.scalars(
        select(col(Moderator.username))
        .where(col(Moderator.is_active).is_(True))
        .order_by(col(Moderator.username))
    )
    return list(result)


async def reassign(
    session: AsyncSession,
    lead: Moderator,
    report_id: uuid.UUID,
    username: str,
    settings: Settings,
) -> ClaimOut:
    """Give an undecided report's claim to another active moderator (or to oneself), over
    anyone's claim: someone is away, or the report needs a particular language."""
    report = await locked(session, report_id)
    in_review = check(Action.REASSIGN, report, staff(lead))
    to = await active_account(session, username)
    before = await audit.report_state(session, report)
    report.status = in_review
    claim = give_claim(report, to, settings)
    await audit.record_change(session, lead, AuditAction.REASSIGNED, report, before, to=to.username)
    return claim


async def reopen(session: AsyncSession, lead: Moderator, report_id: uuid.UUID) -> None:
    """Put a rejected report back in the queue, unclaimed, as if it had never been decided."""
    report, queued = await take(session, lead, report_id, Action.REOPEN)
    before = await audit.report_state(session, report)
    report.status = queued
    _undecide(report)
    await audit.record_change(session, lead, AuditAction.REOPENED, report, before)


async def undo_decision(
    session: AsyncSession, moderator: Moderator, report_id: uuid.UUID, settings: Settings
) -> ClaimOut:
    """Take a rejection or an approval back within the undo window: the report is in
    review again, claimed by whoever undid it. Only the moderator who decided may, or a
    lead. An approval's published incident is retracted (its content scrubbed from the
    feed); approving again publishes a new incident."""
    report = await locked(session, report_id)
    in_review = check(Action.UNDO, report, staff(moderator, undo_window(settings)))
    before = await audit.publication_state(session, report)
    undone = (
        AuditAction.REJECTION_UNDONE
        if report.status == ReportStatus.REJECTED
        else AuditAction.APPROVAL_UNDONE
    )
    if await publishing.has_live_incident(session, report):
        await publishing.retract(session, report, moderator, RetractionReason.OTHER)
    report.status = in_review
    report.pending_incident = None
    report.hold_reason = None
    _undecide(report)
    claim = give_claim(report, moderator, settings)
    after = audit.incident_state(await publishing.latest(session, report.id))
    await audit.record_change(session, moderator, undone, report, before, after)
    return claim
