"""The conversation between moderators and a reporter: one place that writes and reads it,
for the moderators' side and the reporter's side alike."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.anonymity import to_the_minute
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
    """Store a message; the worker translates it (into `target_language`) later.

    Its time is kept to the minute only; its place in the conversation is a counter."""
    last = await session.scalar(
        select(func.max(col(ReportMessage.position))).where(
            col(ReportMessage.report_id) == report_id
        )
    )
    message = ReportMessage(
        report_id=report_id,
        sender=sender,
        moderator_id=moderator_id,
        text=text,
        source_language=source_language,
        target_language=target_language,
        position=(last or 0) + 1,
        created_at=to_the_minute(utcnow()),
    )
    session.add(message)
    await session.flush()
    return message


async def conversation(session: AsyncSession, report_id: uuid.UUID) -> list[ReportMessage]:
    """A report's messages, oldest first."""
    result = await session.execute(
        select(ReportMessage)
        .where(col(ReportMessage.report_id) == report_id)
        .order_by(col(ReportMessage.position))
    )
    return list(result.scalars())


async def forget_conversation(session: AsyncSession, report_id: uuid.UUID) -> None:
    """Delete every message of a report (the reporter withdrew it)."""
    await session.execute(delete(ReportMessage).where(col(ReportMessage.report_id) == report_id))
