"""What the navigation bar shows besides links: for leads and admins, how many approvals
wait for them, so a held approval is never left unseen."""

from __future__ import annotations

from fastapi import Request

from console.auth import EnrollingUserDep
from core.deps import SessionDep
from models.moderator import ModeratorRole
from moderation import confirmation

LEAD_ROLES = (ModeratorRole.LEAD, ModeratorRole.ADMIN)


async def lead_counts(request: Request, session: SessionDep, user: EnrollingUserDep) -> None:
    """Put the count on the request for `render` (one indexed count, leads only)."""
    if user.moderator.role in LEAD_ROLES and not user.session.must_enrol:
        request.state.awaiting_lead = await confirmation.count_awaiting(session)


def awaiting_lead(request: Request) -> int | None:
    """The count `lead_counts` found, or None (not a lead, or a page without the nav)."""
    count = getattr(request.state, "awaiting_lead", None)
    return count if isinstance(count, int) else None
