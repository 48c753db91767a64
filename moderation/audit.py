"""The audit trail: one row per moderator action, in the action's own transaction."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.clock import utcnow
from models.audit import AuditEvent
from models.moderator import Moderator


class AuditAction(StrEnum):
    """The name of every audited event, as stored in `audit_events.action`. The stored
    strings never change: older rows and readers of the trail depend on them."""

    # a report (report_id set)
    VIEWED = "viewed"
    VIEWED_MEDIA = "viewed_media"
    CLAIMED = "claimed"
    RELEASED = "released"
    ASKED_REPORTER = "asked_reporter"
    APPROVED = "approved"
    APPROVAL_HELD = "approval_held"
    CONFIRMED = "confirmed"
    SENT_BACK = "sent_back"
    REJECTED = "rejected"
    REJECTION_UNDONE = "rejection_undone"
    REOPENED = "reopened"
    REASSIGNED = "reassigned"
    CORRECTED = "corrected"
    RETRACTED = "retracted"
    # logins and sessions
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGIN_REFUSED = "login_refused"
    LOGOUT = "logout"
    # accounts
    ACCOUNT_CREATED = "account_created"
    ACCOUNT_DISABLED = "account_disabled"
    ACCOUNT_ENABLED = "account_enabled"
    ROLE_CHANGED = "role_changed"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 (an event name)
    PASSWORD_RESET = "password_reset"  # noqa: S105 (an event name)
    TWO_FACTOR_ENABLED = "two_factor_enabled"
    TWO_FACTOR_REMOVED = "two_factor_removed"
    TWO_FACTOR_RESET = "two_factor_reset"
    RECOVERY_CODES_RENEWED = "recovery_codes_renewed"


async def record(
    session: AsyncSession,
    moderator: Moderator | None,
    action: AuditAction,
    report_id: uuid.UUID | None = None,
    **detail: Any,
) -> None:
    session.add(
        AuditEvent(
            at=utcnow(),
            moderator_id=moderator.id if moderator else None,
            action=action.value,
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
