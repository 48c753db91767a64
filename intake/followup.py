"""The reporter's side after submission, reached only with the receipt: status, the
moderators' questions, answers, and withdrawal.

An unknown receipt and a malformed one get the same answer, so nobody learns whether some
other report exists.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.anonymity import to_the_minute
from core.clock import utcnow
from core.hashing import KeyedHasher
from core.settings import Settings
from hub import publishing
from intake.errors import ReceiptNotRecognised
from intake.receipts import receipt_hash
from intake.schemas import ReporterMessage, ReporterStatus, ReporterView
from lifecycle.conversation import add_message, conversation
from lifecycle.erasure import erase_content
from lifecycle.states import REPORTER, Action, check
from models.incident import RetractionReason
from models.message import MessageSender, ReportMessage
from models.report import Report, ReportStatus, TranslationStatus

# States only the team sees, and what the reporter's app is shown instead. The app knows
# the statuses of `ReporterStatus` only: a report waiting for the reporter's answer, or an
# approval waiting for a lead, is still being reviewed (`awaiting_answer` says the team
# waits for the reporter).
_SHOWN_AS = {
    ReportStatus.NEEDS_INFO: ReporterStatus.IN_REVIEW,
    ReportStatus.AWAITING_LEAD: ReporterStatus.IN_REVIEW,
}


def reporter_status(status: ReportStatus) -> ReporterStatus:
    return _SHOWN_AS.get(status) or ReporterStatus(status.value)


async def report_for_receipt(session: AsyncSession, hasher: KeyedHasher, receipt: str) -> Report:
    result = await session.execute(
        select(Report)
        .where(col(Report.receipt_hash) == receipt_hash(hasher, receipt))
        .with_for_update()
    )
    report = result.scalar_one_or_none()
    if report is None:
        raise ReceiptNotRecognised()
    return report


def _for_reporter(message: ReportMessage) -> ReporterMessage:
    """A moderator's question is shown in the reporter's language when a translation exists."""
    translated = message.translation_status == TranslationStatus.DONE
    shown = (
        message.translated_text
        if translated and message.sender == MessageSender.MODERATOR
        else None
    )
    return ReporterMessage(
        id=message.id,
        sender=message.sender,
        text=shown or message.text,
        original_text=message.text,
        translated=shown is not None,
        sent_at=message.created_at,
    )


async def reporter_view(session: AsyncSession, report: Report) -> ReporterView:
    messages = await conversation(session, report.id)
    return ReporterView(
        report_id=report.id,
        status=reporter_status(report.status),
        awaiting_answer=report.status == ReportStatus.NEEDS_INFO,
        received_at=report.received_at,
        messages=[_for_reporter(message) for message in messages],
    )


async def reply(
    session: AsyncSession, report: Report, text: str, settings: Settings
) -> ReporterMessage:
    """The reporter answers; the worker translates it into the team's language. A report
    that waited for an answer (`needs_info`) goes back to the queue, flagged answered."""
    status = check(Action.REPLY, report, REPORTER)  # refused (409) once withdrawn or rejected
    if status != report.status:
        report.status = status
        report.answered_at = to_the_minute(utcnow())  # a reporter's action: to the minute
    message = await add_message(
        session,
        report.id,
        MessageSender.REPORTER,
        text,
        source_language=report.language,
        target_language=settings.target_language,
    )
    return _for_reporter(message)


async def withdraw(session: AsyncSession, report: Report) -> list[str]:
    """The reporter takes the report back: it leaves the queue at once and everything the
    reporter told us goes with it. After an approval, the incident is retracted and its
    published content scrubbed from the hub feed in the same transaction.

    Kept: the row's status, its coarse received time, language and urgency (counts of
    withdrawn reports), and the hashes that answer a retried submission. Removed: the text,
    its translation, place, coordinates, times, category hints, the conversation and the
    media rows (`lifecycle.erasure`, which the retention purge shares). Returns the storage
    keys of the media, for the caller to delete before it commits."""
    report.status = check(Action.WITHDRAW, report, REPORTER)
    if await publishing.has_live_incident(session, report):
        await publishing.retract(session, report, None, RetractionReason.WITHDRAWN_BY_REPORTER)
    report.pending_incident = None
    report.hold_reason = None
    report.claimed_by = None
    report.claim_expires_at = None
    report.answered_at = None
    return await erase_content(session, report)
