"""Moderation use cases: the queue (`moderation.queue`), reading a report, claiming,
approving and rejecting.

Every action locks the report row, asks the action table (`lifecycle.states`: the role,
the state and the claim), and writes its audit row in the same transaction. Services only
flush; the caller commits.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.clock import utcnow
from core.settings import Settings
from core.storage import MediaNotFound
from hub import publishing
from hub.fields import IncidentFieldsIn
from lifecycle.conversation import add_message, conversation
from lifecycle.states import Action, available, staff
from models.incident import Incident, RetractionReason
from models.media import Media
from models.message import MessageSender, ReportMessage
from models.moderator import Moderator
from models.redaction import RedactionTarget
from models.report import Report, ReportStatus
from moderation import audit, redaction, tags
from moderation.audit import AuditAction
from moderation.confirmation import HoldReason, pending
from moderation.errors import ReportNotFound
from moderation.four_eyes import FourEyes
from moderation.merging import merged_into
from moderation.schemas import (
    ClaimOut,
    HistoryEntry,
    MediaOut,
    MessageOut,
    ReportDetail,
    TranslationOut,
)
from moderation.taking import take


async def username_of(session: AsyncSession, moderator_id: uuid.UUID | None) -> str | None:
    if moderator_id is None:
        return None
    return await session.scalar(
        select(col(Moderator.username)).where(col(Moderator.id) == moderator_id)
    )


async def read_report(
    session: AsyncSession,
    moderator: Moderator,
    report_id: uuid.UUID,
    settings: Settings,
    *,
    original: bool = False,
) -> ReportDetail:
    """The full report for review; reading is audited too (who saw what, and when).
    `actions` is what the action table lets this moderator do now (the settings give the
    window in which a decision may be undone). The texts are redacted
    (`moderation.redaction`), unless a lead or admin asks for the `original` (403 for
    anyone else)."""
    if original:
        redaction.refuse_originals(moderator)
    report = await session.get(Report, report_id)
    if report is None or report.status == ReportStatus.RECEIVED:
        raise ReportNotFound()
    # A lead reading the originals of redacted text is on the record as such.
    if original:
        await audit.record(session, moderator, AuditAction.VIEWED, report.id, original="yes")
    else:
        await audit.record(session, moderator, AuditAction.VIEWED, report.id)
    messages = await conversation(session, report.id)
    redactions = await redaction.active(session, [report.id])
    reading = redaction.Reading(redactions, original)
    target = RedactionTarget
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
        text=reading.text(target.TEXT, report.text) or "",
        locale=report.locale,
        app_check=report.app_check,
        language=report.language,
        language_confidence=report.language_confidence,
        translation=TranslationOut(
            status=report.translation_status,
            text=reading.text(target.TRANSLATION, report.translated_text),
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
        claimed_by=await username_of(session, report.claimed_by),
        claim_expires_at=report.claim_expires_at,
        messages=[
            MessageOut.model_validate(message, from_attributes=True).model_copy(
                update={
                    "text": reading.text(target.MESSAGE, message.text, message.id),
                    "translated_text": reading.text(
                        target.MESSAGE_TRANSLATION, message.translated_text, message.id
                    ),
                }
            )
            for message in messages
        ],
        answered_at=report.answered_at,
        actions=available(report, staff(moderator, undo_window(settings))),
        history=[
            HistoryEntry(
                at=event.at,
                action=event.action,
                moderator=username,
                detail=event.detail,
                changes=event.changes,
            )
            for event, username in await audit.history(session, report.id)
        ],
        merged_into=report.merged_into,
        merged=await merged_into(session, report.id),
        tags=(await tags.of_reports(session, [report.id])).get(report.id, []),
        redactions=redaction.describe(
            redactions,
            redaction.texts_of(report, messages),
            await audit.usernames(session, *(r.created_by for r in redactions)),
        ),
        original=original,
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


def undo_window(settings: Settings) -> timedelta:
    return timedelta(seconds=settings.undo_window_seconds)


async def claim(
    session: AsyncSession, moderator: Moderator, report_id: uuid.UUID, settings: Settings
) -> ClaimOut:
    """Take a report for review, or renew one's own claim; a live claim of another is a 409."""
    report, new_status = await take(session, moderator, report_id, Action.CLAIM)
    before = await audit.report_state(session, report)
    report.status = new_status
    claimed = give_claim(report, moderator, settings)
    await audit.record_change(session, moderator, AuditAction.CLAIMED, report, before)
    return claimed


def claim_values(to: Moderator, settings: Settings) -> dict[str, Any]:
    """What claiming for `to` sets on a report: on one (`give_claim`) or, in one UPDATE, on
    many (`moderation.bulk`)."""
    return {
        "claimed_by": to.id,
        "claim_expires_at": utcnow() + timedelta(seconds=settings.moderation_claim_seconds),
    }


def decision_values(moderator: Moderator, status: ReportStatus) -> dict[str, Any]:
    """What deciding sets on a report (the claim ends with it): on one (`_decide`) or, in
    one UPDATE, on many (`moderation.bulk`)."""
    return {
        "status": status,
        "decided_by": moderator.id,
        "decided_at": utcnow(),
        "claimed_by": None,
        "claim_expires_at": None,
    }


def _apply(report: Report, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(report, name, value)


def give_claim(report: Report, to: Moderator, settings: Settings) -> ClaimOut:
    """Claim the report for `to`, a fresh lease (claiming, and a lead's reassigning)."""
    _apply(report, claim_values(to, settings))
    return ClaimOut(
        id=report.id,
        status=report.status,
        claimed_by=to.username,
        claim_expires_at=report.claim_expires_at,
    )


async def release(session: AsyncSession, moderator: Moderator, report_id: uuid.UUID) -> None:
    """Give a claimed report back to the queue."""
    report, queued = await take(session, moderator, report_id, Action.RELEASE)
    before = await audit.report_state(session, report)
    report.status = queued
    report.claimed_by = None
    report.claim_expires_at = None
    await audit.record_change(session, moderator, AuditAction.RELEASED, report, before)


async def approve(
    session: AsyncSession,
    moderator: Moderator,
    report_id: uuid.UUID,
    fields: IncidentFieldsIn,
    settings: Settings,
) -> Incident | HoldReason:
    """Approve a claimed report and publish its incident to the hub feed; or, when the
    four-eyes policy asks for a lead or the incident is rare even at the coarsest level,
    keep the approval waiting for a lead (`awaiting_lead`, the reason returned) with
    nothing published yet."""
    report, approved = await take(session, moderator, report_id, Action.APPROVE)
    await redaction.refuse_redacted_summary(session, report, fields.summary)
    before = await audit.publication_state(session, report)
    if FourEyes.from_settings(settings).applies(moderator, report, fields):
        await publishing.check_shared_media(session, report, fields)
        return await _hold(session, moderator, report, fields, before, HoldReason.FOUR_EYES)
    incident = await publishing.publish(session, report, fields, moderator, settings)
    if incident is None:
        return await _hold(session, moderator, report, fields, before, HoldReason.RARE)
    _decide(report, moderator, approved)
    await audit.record_publication(
        session, moderator, AuditAction.APPROVED, report, before, incident
    )
    return incident


async def _hold(
    session: AsyncSession,
    moderator: Moderator,
    report: Report,
    fields: IncidentFieldsIn,
    before: audit.State,
    reason: HoldReason,
) -> HoldReason:
    _decide(report, moderator, ReportStatus.AWAITING_LEAD)
    report.pending_incident = pending(fields)
    report.hold_reason = reason
    await audit.record_change(
        session, moderator, AuditAction.APPROVAL_HELD, report, before, reason=reason
    )
    return reason


async def reject(
    session: AsyncSession, moderator: Moderator, report_id: uuid.UUID, reason: str
) -> None:
    report, rejected = await take(session, moderator, report_id, Action.REJECT)
    before = await audit.report_state(session, report)
    _decide(report, moderator, rejected)
    report.rejection_reason = reason
    await audit.record_change(
        session, moderator, AuditAction.REJECTED, report, before, reason=reason
    )


def _decide(report: Report, moderator: Moderator, status: ReportStatus) -> None:
    _apply(report, decision_values(moderator, status))


async def ask_reporter(
    session: AsyncSession, moderator: Moderator, report_id: uuid.UUID, text: str, settings: Settings
) -> ReportMessage:
    """Send the reporter a question; the worker translates it into the report's language.

    The report waits for the answer (`needs_info`), out of the queue and unclaimed; the
    reporter's answer brings it back (`intake.followup.reply`)."""
    report, needs_info = await take(session, moderator, report_id, Action.ASK)
    before = await audit.report_state(session, report)
    report.status = needs_info
    report.claimed_by = None
    report.claim_expires_at = None
    report.answered_at = None  # a new question: the earlier answer no longer puts it ahead
    message = await add_message(
        session,
        report.id,
        MessageSender.MODERATOR,
        text,
        source_language=settings.target_language,
        target_language=report.language,
        moderator_id=moderator.id,
    )
    await audit.record_change(
        session, moderator, AuditAction.ASKED_REPORTER, report, before, message_id=str(message.id)
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
    version with the same incident_id). A lead corrects: if the correction makes the
    incident rare even at the coarsest level, that lead's decision releases it there."""
    report, _ = await take(session, moderator, report_id, Action.CORRECT)
    await redaction.refuse_redacted_summary(session, report, fields.summary)
    before = await audit.publication_state(session, report)
    incident = await publishing.publish(
        session, report, fields, moderator, settings, release_rare=True, correction=True
    )
    await audit.record_publication(
        session, moderator, AuditAction.CORRECTED, report, before, incident
    )
    return incident


async def retract(
    session: AsyncSession,
    moderator: Moderator,
    report_id: uuid.UUID,
    reason: str,
    category: RetractionReason,
) -> Incident:
    """Tell the hub to disregard a published incident and scrub what it said; the hub gets
    the reason's category, the words stay in the audit trail."""
    report, _ = await take(session, moderator, report_id, Action.RETRACT)
    before = await audit.publication_state(session, report)
    incident = await publishing.retract(session, report, moderator, category)
    await audit.record_publication(
        session,
        moderator,
        AuditAction.RETRACTED,
        report,
        before,
        incident,
        reason=reason,
        category=category,
    )
    return incident
