"""The hub's pull feed of vetted incidents."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response

from api.deps import hub_client
from api.etags import entity_tag, matches
from api.responses import problem_responses
from core.deps import SessionDep, SettingsDep
from hub.feed import page_after
from hub.json_schema import incident_schema_json
from hub.schemas import FeedPage
from models.hub_client import HubClient, HubScope

router = APIRouter(prefix="/v1/hub", tags=["hub"])


@router.get(
    "/incidents",
    operation_id="listIncidents",
    response_model=FeedPage,
    responses={
        304: {"description": "The page is unchanged since the `ETag` sent in If-None-Match."},
        **problem_responses(401, 403, 422, 429),
    },
)
async def incidents(
    session: SessionDep,
    settings: SettingsDep,
    client: Annotated[HubClient, Depends(hub_client(HubScope.INCIDENTS_READ))],
    after: str | None = Query(None, description="The `next` cursor of the previous page."),
    limit: int = Query(100, ge=1, le=1000, description="How many versions, 1 to 1,000."),
    if_none_match: str | None = Header(
        None, description="The `ETag` of this page as last read: 304 if it has not changed."
    ),
) -> Response:
    """Incident versions published after `after`, in publication order, each an envelope
    (`schema_version`, `incident_id`, `version`, `change`) around the incident (schema at
    `GET /v1/hub/schema`). Poll with the returned `next`; corrections arrive as new
    versions with the same `incident_id`; a retraction as a last version with no content,
    and it scrubs the content of the earlier versions (a page read before may change: its
    `ETag` changes with it). An unreadable cursor is a 422. Needs the scope
    `incidents:read` (403 `hub-scope-missing` otherwise); each client has its own rate
    limit (429)."""
    page = await page_after(session, after, limit, settings)
    body = page.model_dump_json().encode()
    tag = entity_tag(body)
    if matches(if_none_match, tag):
        return Response(status_code=304, headers={"ETag": tag})
    return Response(body, media_type="application/json", headers={"ETag": tag})


@router.get(
    "/schema",
    operation_id="getIncidentSchema",
    responses={200: {"content": {"application/schema+json": {}}}, **problem_responses(401, 429)},
)
async def schema(
    client: Annotated[HubClient, Depends(hub_client(HubScope.INCIDENTS_READ))],
) -> Response:
    """The JSON Schema (draft 2020-12) every feed item validates against; its
    `schema_version` is the items' own."""
    return Response(incident_schema_json(), media_type="application/schema+json")
