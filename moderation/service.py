"""Moderation use cases: the queue (`moderation.queue`), reading a report, claiming,
approving and rejecting.

Every action locks the report row, asks the action table (`lifecycle.states`: the role,
the state and the claim), and writes its audit row in the same transaction. Services only
flush; the caller commits.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.clock import utcnow
from core.settings import Settings
from core.storage import MediaNotFound
from hub import publishing
from hub.schemas import IncidentFieldsIn
from lifecycle.conversation import add_message, conversation
from lifecycle.states import Action, available, check, staff
from models.incident import Incident
from models.media import Media
from models.message import MessageSender, ReportMessage
from models.moderator import Moderator
from models.report import Report, ReportStatus
from moderation import audit
from moderation.audit import AuditAction
from moderation.errors import ReportNotFound
from moderation.queue import QueueQuery
from moderation.queue import page as queue_page
from moderation.schemas import (
    ClaimOut,
    HistoryEntry,
    MediaOut,
    MessageOut,
    QueueItem,
    ReportDetail,
    TranslationOut,
)


async def queue(session: AsyncSession, limit: int = 50) -> list[QueueItem]:
    """Reports awaiting a decision: urgent first, then oldest first (the first page of
    `moderation.queue`, which also filters, searches and pages)."""
    return (await queue_page(session, QueueQuery(limit=limit))).items


async def _locked(session: AsyncSession, report_id: uuid.UUID) -> Report:
    result = await session.execute(
        select(Report).where(col(Report.id) == report_id).with_for_update()
    )
    report = result.scalar_one_or_none()
    if report is None or report.status == ReportStatus.RECEIVED:
        raise ReportNotFound()
    return report


async def _username(session: AsyncSession, moderator_id: uuid.UUID | None) -> str | None:
    if moderator_id is None:
        return None
    return await session.scalar(
        select(col(Moderator.username)).where(col(Moderator.id) == moderator_id)
    )


async def read_report(
    session: AsyncSession, moderator: Moderator, report_id: uuid.UUID
) -> ReportDetail:
    """The full report for review; reading is audited too (who saw what, and when)."""
    report = await session.get(Report, report_id)
    if report is None or report.status == ReportStatus.RECEIVED:
        raise ReportNotFound()
    await audit.record(session, moderator, AuditAction.VIEWED, report.id)
    media = (
        await session.execute(
            select(Media).where(col(Media.report_id) == report.id).order_by(col(Media.created_at))
        )
    ).scalars()
    return ReportDetail(
        id=report.id,
        status=report.status,
        urgent=report.urgent,
        received_at=report.received_at,
        text=report.text,
        locale=report.locale,
        app_check=report.app_check,
        language=report.language,
        language_confidence=report.language_confidence,
        translation=TranslationOut(
            status=report.translation_status,
            text=report.translated_text,
            engine=report.translation_engine,
            model_version=report.translation_model_version,
            path=report.translation_path,
            score=report.translation_score,
        ),
        location=report.location(),
        place=report.place,
        country=report.country_code,
        occurred_from=report.occurred_from,
        occurred_to=report.occurred_to,
        categories=report.category_hints,
        media=[MediaOut.model_validate(item, from_attributes=True) for item in media],
        claimed_by=await _username(session, report.claimed_by),
        claim_expires_at=report.claim_expires_at,
        messages=[
            MessageOut.model_validate(message, from_attributes=True)
            for message in await conversation(session, report.id)
        ],
        actions=available(report, staff(moderator)),
        history=[
            HistoryEntry(at=event.at, action=event.action, moderator=username, detail=event.detail)
            for event, username in await audit.history(session, report.id)
        ],
    )


async def media_for_review(
    session: AsyncSession, moderator: Moderator, media_id: uuid.UUID
) -> Media:
    """A report's sanitised media file, for a moderator to look at or listen to.

    Only media of reports that reached moderation are served (as with `read_report`), and
    every fetch is audited: who saw which file, and when."""
    result = await session.execute(
        select(Media)
        .join(Report, col(Report.id) == col(Media.report_id))
        .where(col(Media.id) == media_id, col(Report.status) != ReportStatus.RECEIVED)
    )
    media = result.scalar_one_or_none()
    if media is None:
        raise MediaNotFound()
    await audit.record(
        session, moderator, AuditAction.VIEWED_MEDIA, media.report_id, media_id=str(media.id)
    )
    return media


async def _take(
    session: AsyncSession, moderator: Moderator, report_id: uuid.UUID, action: Action
) -> tuple[Report, ReportStatus]:
    """Lock the report and ask the action table whether this moderator may take `action`
    now (403 for the role, 409 for the state or the claim); the state it leads to."""
    report = await _locked(session, report_id)
    return report, check(action, report, staff(moderator))


async def claim(
    session: AsyncSession, moderator: Moderator, report_id: uuid.UUID, settings: Settings
) -> ClaimOut:
    """Take a report for review, or renew one's own claim; a live claim of another is a 409."""
    report, new_status = await _take(session, moderator, report_id, Action.CLAIM)
    report.status = new_status
    report.claimed_by = moderator.id
    report.claim_expires_at = utcnow() + timedelta(seconds=settings.moderation_claim_seconds)
    await audit.record(session, moderator, AuditAction.CLAIMED, report.id)
    return ClaimOut(
        id=report.id,
        status=report.status,
        claimed_by=moderator.username,
        claim_expires_at=report.claim_expires_at,
    )


async def release(session: AsyncSession, moderator: Moderator, report_id: uuid.UUID) -> None:
    """Give a claimed report back to the queue."""
    report, queued = await _take(session, moderator, report_id, Action.RELEASE)
    report.status = queued
    report.claimed_by = None
    report.claim_expires_at = None
    await audit.record(session, moderator, AuditAction.RELEASED, report.id)


async def approve(
    session: AsyncSession,
    moderator: Moderator,
    report_id: uuid.UUID,
    fields: IncidentFieldsIn,
    settings: Settings,
) -> Incident:
    """Approve a claimed report and publish its incident to the hub feed."""
    report, approved = await _take(session, moderator, report_id, Action.APPROVE)
    incident = await publishing.publish(session, report, fields, moderator, settings)
    _decide(report, moderator, approved)
    await _audit_publication(session, moderator, AuditAction.APPROVED, incident)
    return incident


async def reject(
    session: AsyncSession, moderator: Moderator, report_id: uuid.UUID, reason: str
) -> None:
    report, rejected = await _take(session, moderator, report_id, Action.REJECT)
    _decide(report, moderator, rejected)
    report.rejection_reason = reason
    await audit.record(session, moderator, AuditAction.REJECTED, report.id, reason=reason)


async def _audit_publication(
    session: AsyncSession,
    moderator: Moderator,
    action: AuditAction,
    incident: Incident,
    **detail: str,
) -> None:
    """Audit an action that published an incident version, naming the version."""
    await audit.record(
        session,
        moderator,
        action,
        incident.report_id,
        incident_id=str(incident.incident_id),
        version=incident.version,
        **detail,
    )


def _decide(report: Report, moderator: Moderator, status: ReportStatus) -> None:
    report.status = status
    report.decided_by = moderator.id
    report.decided_at = utcnow()
    report.claimed_by = None
    report.claim_expires_at = None


async def ask_reporter(
    session: AsyncSession, moderator: Moderator, report_id: uuid.UUID, text: str, settings: Settings
) -> ReportMessage:
    """Send the reporter a question; the worker translates it into the report's language."""
    report, _ = await _take(session, moderator, report_id, Action.ASK)
    message = await add_message(
        session,
        report.id,
        MessageSender.MODERATOR,
        text,
        source_language=settings.target_language,
        target_language=report.language,
        moderator_id=moderator.id,
    )
    await audit.record(
        session, moderator, AuditAction.ASKED_REPORTER, report.id, message_id=str(message.id)
    )
    return message


async def correct(
    session: AsyncSession,
    moderator: Moderator,
    report_id: uuid.UUID,
    fields: IncidentFieldsIn,
    settings: Settings,
) -> Incident:
    """Publish a corrected version of an approved report's incident (the hub sees a new
    version with the same incident_id)."""
    report, _ = await _take(session, moderator, report_id, Action.CORRECT)
    incident = await publishing.publish(session, report, fields, moderator, settings)
    await _audit_publication(session, moderator, AuditAction.CORRECTED, incident)
    return incident


async def retract(
    session: AsyncSession, moderator: Moderator, report_id: uuid.UUID, reason: str
) -> Incident:
    """Tell the hub to disregard a published incident; the reason stays in the audit trail."""
    report, _ = await _take(session, moderator, report_id, Action.RETRACT)
    incident = await publishing.retract(session, report, moderator)
    await _audit_publication(session, moderator, AuditAction.RETRACTED, incident, reason=reason)
    return incident
