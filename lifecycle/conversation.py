"""The conversation between moderators and a reporter: one place that writes and reads it,
for the moderators' side and the reporter's side alike."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import utcnow
from models.message import MessageSender, ReportMessage


async def add_message(
    session: AsyncSession,
    report_id: uuid.UUID,
    sender: MessageSender,
    text: str,
    *,
    source_language: str | None,
    target_language: str | None,
    moderator_id: uuid.UUID | None = None,
) -> ReportMessage:
    """Store a message; the worker translates it (into `target_language`) later."""
    message = ReportMessage(
        report_id=report_id,
        sender=sender,
        moderator_id=moderator_id,
        text=text,
        source_language=source_language,
        target_language=target_language,
        created_at=utcnow(),
    )
    session.add(message)
    await session.flush()
    return message


async def conversation(session: AsyncSession, report_id: uuid.UUID) -> list[ReportMessage]:
    """A report's messages, oldest first."""
    result = await session.execute(
        select(ReportMessage)
        .where(ReportMessage.report_id == report_id)
        .order_by(ReportMessage.created_at, ReportMessage.id)
    )
    return list(result.scalars())
