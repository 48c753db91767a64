"""The hub's pull feed of vetted incidents."""

from __future__ import annotations

from fastapi import APIRouter, Query

from api.deps import HubClientDep
from api.responses import problem_responses
from core.deps import SessionDep
from hub.feed import page_after
from hub.schemas import FeedPage

router = APIRouter(prefix="/v1/hub", tags=["hub"])


@router.get(
    "/incidents",
    operation_id="listIncidents",
    response_model=FeedPage,
    responses=problem_responses(401, 422),
)
async def incidents(
    session: SessionDep,
    client: HubClientDep,
    after: str | None = Query(None, description="The `next` cursor of the previous page."),
    limit: int = Query(100, ge=1, le=1000, description="How many versions, 1 to 1,000."),
) -> FeedPage:
    """Incident versions published after `after`, in publication order. Poll with the
    returned `next`; corrections arrive as new versions with the same `incident_id`, and a
    retraction as a last version with `change: retracted` and no content. Coordinates are
    coarsened to ~1 km. An unreadable cursor is a 422."""
    return await page_after(session, after, limit)
