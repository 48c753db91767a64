"""What the navigation bar shows besides links, on every page: how many urgent reports
await a decision (everyone; `console.js` keeps it current and says when one arrives), and
for leads and admins how many approvals wait for them. An urgent report or a held
approval is never left unseen because its moderator was on another page."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from console.auth import EnrollingUserDep
from core.deps import SessionDep
from models.moderator import ModeratorRole
from moderation import confirmation, queue

LEAD_ROLES = (ModeratorRole.LEAD, ModeratorRole.ADMIN)


@dataclass(frozen=True)
class NavCounts:
    urgent: int
    awaiting_lead: int | None  # None: not a lead


async def nav_counts(request: Request, session: SessionDep, user: EnrollingUserDep) -> None:
    """Put the counts on the request for `render` (indexed counts; none before a required
    second factor is set up, when the nav shows no queue)."""
    if user.session.must_enrol:
        return
    lead = user.moderator.role in LEAD_ROLES
    request.state.nav_counts = NavCounts(
        urgent=await queue.urgent_open(session),
        awaiting_lead=await confirmation.count_awaiting(session) if lead else None,
    )


def counts_of(request: Request) -> NavCounts | None:
    """The counts `nav_counts` found, or None (a page without the nav)."""
    counts = getattr(request.state, "nav_counts", None)
    return counts if isinstance(counts, NavCounts) else None
