"""The audit trail: one row per moderator action, in the action's own transaction."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.clock import utcnow
from models.audit import AuditEvent
from models.moderator import Moderator


async def record(
    session: AsyncSession,
    moderator: Moderator | None,
    action: str,
    report_id: uuid.UUID | None = None,
    **detail: Any,
) -> None:
    session.add(
        AuditEvent(
            at=utcnow(),
            moderator_id=moderator.id if moderator else None,
            action=action,
            report_id=report_id,
            detail=detail,
        )
    )
    await session.flush()


async def history(
    session: AsyncSession, report_id: uuid.UUID
) -> list[tuple[AuditEvent, str | None]]:
    """A report's audit events, oldest first, with the acting moderator's username."""
    result = await session.execute(
        select(AuditEvent, col(Moderator.username))
        .outerjoin(Moderator, col(Moderator.id) == col(AuditEvent.moderator_id))
        .where(col(AuditEvent.report_id) == report_id)
        .order_by(col(AuditEvent.id))
    )
    return [(event, username) for event, username in result.all()]
