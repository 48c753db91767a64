"""The reporter's side after submission, reached only with the receipt: status, the
moderators' questions, answers, and withdrawal.

An unknown receipt and a malformed one get the same answer, so nobody learns whether some
other report exists.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.hashing import KeyedHasher
from core.settings import Settings
from intake.errors import ReceiptNotRecognised
from intake.receipts import receipt_hash
from intake.schemas import ReporterMessage, ReporterView
from lifecycle.conversation import add_message, conversation
from lifecycle.states import next_status
from models.message import MessageSender, ReportMessage
from models.report import Report, TranslationStatus


async def report_for_receipt(session: AsyncSession, hasher: KeyedHasher, receipt: str) -> Report:
    result = await session.execute(
        select(Report).where(Report.receipt_hash == receipt_hash(hasher, receipt)).with_for_update()
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
        status=report.status,
        received_at=report.received_at,
        messages=[_for_reporter(message) for message in messages],
    )


async def reply(
    session: AsyncSession, report: Report, text: str, settings: Settings
) -> ReporterMessage:
    """The reporter answers; the worker translates it into the team's language."""
    message = await add_message(
        session,
        report.id,
        MessageSender.REPORTER,
        text,
        source_language=report.language,
        target_language=settings.target_language,
    )
    return _for_reporter(message)


async def withdraw(session: AsyncSession, report: Report) -> None:
    """The reporter takes the report back before a decision; it leaves the queue at once."""
    report.status = next_status("withdraw", report.status)
    report.claimed_by = None
    report.claim_expires_at = None
    await session.flush()
