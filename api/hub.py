"""The hub's pull feed of vetted incidents."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.deps import hub_client
from api.responses import problem_responses
from core.deps import SessionDep
from hub.feed import page_after
from hub.schemas import FeedPage
from models.hub_client import HubClient, HubScope

router = APIRouter(prefix="/v1/hub", tags=["hub"])


@router.get(
    "/incidents",
    operation_id="listIncidents",
    response_model=FeedPage,
    responses=problem_responses(401, 403, 422, 429),
)
async def incidents(
    session: SessionDep,
    client: Annotated[HubClient, Depends(hub_client(HubScope.INCIDENTS_READ))],
    after: str | None = Query(None, description="The `next` cursor of the previous page."),
    limit: int = Query(100, ge=1, le=1000, description="How many versions, 1 to 1,000."),
) -> FeedPage:
    """Incident versions published after `after`, in publication order. Poll with the
    returned `next`; corrections arrive as new versions with the same `incident_id`, and a
    retraction as a last version with `change: retracted` and no content. Coordinates are
    coarsened to ~1 km. An unreadable cursor is a 422. Needs the scope `incidents:read`
    (403 `hub-scope-missing` otherwise); each client has its own rate limit (429)."""
    return await page_after(session, after, limit)
