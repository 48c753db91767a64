"""The hub's pull feed of vetted incidents."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response

from api.deps import hub_client
from api.etags import entity_tag, matches
from api.responses import problem_responses
from core.clock import utcnow
from core.deps import SessionDep, SettingsDep
from hub.aggregates import Dimension, parse_query
from hub.feed import page_after
from hub.json_schema import incident_schema_json
from hub.releases import AggregatesOut, release_aggregates
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


@router.get(
    "/aggregates",
    operation_id="getAggregates",
    response_model=AggregatesOut,
    responses=problem_responses(401, 403, 422, 429),
)
async def aggregates(
    session: SessionDep,
    settings: SettingsDep,
    client: Annotated[HubClient, Depends(hub_client(HubScope.AGGREGATES_READ))],
    by: str = Query(
        description=f"1 to 3 of {', '.join(Dimension)}, comma-separated (at most one of "
        "month, quarter, year).",
        examples=["country,month,exploitation"],
        max_length=200,
    ),
    since: str | None = Query(
        None,
        description="First month (YYYY-MM) of a time dimension; default: 11 months before `until`.",
        max_length=7,
    ),
    until: str | None = Query(
        None,
        description="Last month (YYYY-MM) of a time dimension; default: this month.",
        max_length=7,
    ),
    countries: str | None = Query(
        None,
        description="ISO 3166-1 codes, comma-separated, with `country` in `by`: only these "
        "countries' cells (default: every country).",
        max_length=2000,
    ),
) -> AggregatesOut:
    """Counts of live incidents (latest version not retracted) by the dimensions asked for,
    made differentially private with OpenDP: every cell of the public categories gets
    discrete Laplace noise; negative counts are released as 0 and cells released as 0 are
    left out. Each incident counts in at most `STOP_AGGREGATES_MAX_CELLS_PER_INCIDENT`
    cells. Each new release costs `STOP_AGGREGATES_EPSILON` of one budget shared by every
    client (`STOP_AGGREGATES_BUDGET_EPSILON` per `STOP_AGGREGATES_BUDGET_DAYS`); once
    spent, 429 `privacy-budget-spent` with `Retry-After`. The same query again within
    `STOP_AGGREGATES_REFRESH_HOURS` gets the same numbers at no cost (`reused`). An unknown
    dimension is 422 `unknown-dimension`, another bad parameter 422
    `invalid-aggregate-query`. Needs the scope `aggregates:read` (403
    `hub-scope-missing`). See docs/aggregates.md for what the guarantee means."""
    query = parse_query(
        by, since, until, countries, utcnow().date(), settings.aggregates_max_months
    )
    return await release_aggregates(session, client, query, settings)
