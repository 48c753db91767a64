"""The hub's routes: the pull feed of vetted incidents, its schema, exports for
analysts, and links to the media moderators shared."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.responses import StreamingResponse

from api.deps import hub_client
from api.etags import entity_tag, matches
from api.responses import problem_responses
from core.clock import utcnow
from core.deps import HasherDep, SessionDep, SessionMakerDep, SettingsDep, StorageDep
from core.streaming import download_response, media_response
from hub.aggregates import Dimension, parse_query
from hub.export import (
    MEDIA_TYPES,
    IncidentExportFormat,
    export,
    export_filename,
    export_filter,
    snapshot,
    snapshot_cursor,
)
from hub.feed import page_after
from hub.json_schema import incident_schema_json
from hub.releases import AggregatesOut, release_aggregates
from hub.schemas import FeedPage, MediaLinkOut
from hub.shared_media import MAX_LINK_EXPIRY, check_link, link_for, shared_media
from models.hub_client import HubClient, HubScope
from models.vocabulary import ExploitationType, TraffickingEventType

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


FormatQuery = Annotated[
    IncidentExportFormat,
    Query(
        alias="format",
        description="`ndjson` (one feed item a line), `csv` (one row per incident, for "
        "spreadsheets) or `geojson` (a FeatureCollection of cell centres, for GIS tools).",
    ),
]
_EXPORT_BODY = {"schema": {"type": "string"}}
_NULLABLE_STRING = {"type": ["string", "null"]}


def _geojson(kind: str, **members: Any) -> dict[str, Any]:
    """The schema of a GeoJSON object of type `kind` with these members, all required."""
    return {
        "type": "object",
        "required": ["type", *members],
        "properties": {"type": {"const": kind}, **members},
    }


#: The GeoJSON export (RFC 7946), as hub/export.py writes it: a JSON document, so its
#: schema is the FeatureCollection's, not a string's.
_GEOJSON_BODY = {
    "schema": _geojson(
        "FeatureCollection",
        features={
            "type": "array",
            "items": _geojson(
                "Feature",
                geometry=_geojson(
                    "Point",
                    coordinates={
                        "type": "array",
                        "items": {"type": "number"},
                        "minItems": 2,
                        "maxItems": 2,
                        "description": "Longitude, latitude of the cell's centre.",
                    },
                ),
                properties={
                    "type": "object",
                    "properties": {
                        "incident_id": {"type": "string", "format": "uuid"},
                        "version": {"type": "integer"},
                        "event_type": {"type": "string"},
                        "country": _NULLABLE_STRING,
                        "cell_id": {"type": "string"},
                        "cell_resolution": {"type": "integer"},
                        "cell_area_km2": {"type": "number"},
                        "window_unit": _NULLABLE_STRING,
                        "window_start": _NULLABLE_STRING,
                        "window_end": _NULLABLE_STRING,
                    },
                },
            ),
        },
    )
}


@router.get(
    "/export",
    operation_id="exportIncidents",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "Every live incident (not retracted) as it stands now, oldest "
            "publication first, streamed. NDJSON: one item a line, as in listIncidents. CSV: "
            "UTF-8 with a byte order mark, one row per incident, one column per vocabulary "
            "value (`exploitation_types.ForcedLabour`: `yes`, `no`, or empty for not "
            "reported), the first event of each type in its own columns, and a `'` before "
            "any cell a spreadsheet would run as a formula. GeoJSON: a FeatureCollection with "
            "a Point per event published with a cell, at the cell's centre. The "
            "`X-Feed-Cursor` header is the feed cursor to continue from for every change "
            "since (retractions included).",
            "headers": {
                "X-Feed-Cursor": {
                    "description": "Pass as `after` to listIncidents for what changed since.",
                    "schema": {"type": "string"},
                }
            },
            "content": {
                "application/x-ndjson": _EXPORT_BODY,
                "text/csv": _EXPORT_BODY,
                "application/geo+json": _GEOJSON_BODY,
            },
        },
        **problem_responses(401, 403, 422, 429),
    },
)
async def export_incidents(
    session: SessionDep,
    sessionmaker: SessionMakerDep,
    settings: SettingsDep,
    client: Annotated[HubClient, Depends(hub_client(HubScope.EXPORT_READ))],
    fmt: FormatQuery = IncidentExportFormat.NDJSON,
    after: str | None = Query(
        None,
        description="A feed cursor: only incidents changed after it (e.g. the "
        "`X-Feed-Cursor` of the previous export).",
    ),
    country: str | None = Query(
        None,
        min_length=2,
        max_length=3,
        description="Only incidents with an event in this country (ISO 3166-1 alpha-3 or -2).",
    ),
    event_type: TraffickingEventType | None = Query(
        None, description="Only incidents with an event of this type (with `country`: there)."
    ),
    exploitation_type: ExploitationType | None = Query(
        None, description="Only incidents where this exploitation type is `yes`."
    ),
) -> StreamingResponse:
    """The latest state of every live incident, as a file for analysts; the filters
    narrow it (an unreadable cursor or unknown country is a 422). Needs the scope
    `export:read`. Read from the database in batches as it is sent, however many
    incidents there are."""
    filters = export_filter(
        after=after, country=country, event_type=event_type, exploitation_type=exploitation_type
    )
    upto = await snapshot(session)
    response = download_response(
        export(sessionmaker, settings, filters, fmt, upto),
        MEDIA_TYPES[fmt],
        export_filename(fmt, utcnow()),
    )
    response.headers["X-Feed-Cursor"] = snapshot_cursor(upto)
    return response


MediaId = Annotated[uuid.UUID, Path(description="A `media_id` from an incident's `media`.")]


@router.get(
    "/media/{media_id}/url",
    operation_id="getSharedMediaLink",
    response_model=MediaLinkOut,
    responses=problem_responses(401, 403, 404, 422, 429),
)
async def shared_media_link(
    request: Request,
    media_id: MediaId,
    session: SessionDep,
    settings: SettingsDep,
    hasher: HasherDep,
    storage: StorageDep,
    client: Annotated[HubClient, Depends(hub_client(HubScope.MEDIA_READ))],
) -> MediaLinkOut:
    """A short-lived link to a file a moderator shared in a live incident (404 for any
    other). Fetch it without the API key before `expires_at`
    (`STOP_HUB_MEDIA_LINK_SECONDS`, 5 minutes by default). Needs the scope `media:read`.
    Ask again for each download: links are not meant to be kept."""
    media = await shared_media(session, media_id)

    def local_url(query: dict[str, str]) -> str:
        url = request.url_for("download_shared_media", media_id=str(media_id))
        return str(url.include_query_params(**query))

    return await link_for(media, storage, hasher, settings, utcnow(), local_url)


@router.get(
    "/media/{media_id}",
    operation_id="downloadSharedMedia",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The sanitised file, with its stored media type; never cached.",
            "content": {"application/octet-stream": {"schema": {"type": "string"}}},
        },
        **problem_responses(403, 404, 422),
    },
)
async def download_shared_media(
    media_id: MediaId,
    session: SessionDep,
    hasher: HasherDep,
    storage: StorageDep,
    expires: int = Query(ge=0, le=MAX_LINK_EXPIRY, description="From the signed link."),
    signature: str = Query(max_length=128, description="From the signed link."),
) -> StreamingResponse:
    """A shared file through a link from getSharedMediaLink (local media storage). The
    link is the credential: no API key. An expired or altered link is a 403
    `media-link-refused`; a file no longer shared (the incident retracted or corrected
    without it) a 404, even with a link given before."""
    check_link(hasher, media_id, expires, signature, utcnow())
    media = await shared_media(session, media_id)
    return await media_response(storage, media.storage_key, media.mime)
