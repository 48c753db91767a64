"""The audit trail: leads and admins read all of it, a moderator their own events; per
report, per moderator, per action and per span of days, in keyset pages, or exported
whole as CSV or NDJSON (streamed). Who may read what is `moderation.audit_log`'s rule,
the same for the console."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from api.deps import ModeratorDep
from api.responses import problem_responses
from core.clock import utcnow
from core.deps import SessionDep, SessionMakerDep
from core.streaming import download_response
from moderation import audit_log
from moderation.audit_log import AuditQuery, ExportFormat
from moderation.schemas import AuditPage

router = APIRouter(
    prefix="/v1/moderation/audit",
    tags=["moderation"],
    responses=problem_responses(401, 403, 422),
)

QueryDep = Annotated[AuditQuery, Query()]


@router.get("", operation_id="listAuditEvents", response_model=AuditPage)
async def list_events(
    session: SessionDep,
    reader: ModeratorDep,
    query: QueryDep,
    after: int = Query(
        0, ge=0, le=audit_log.MAX_EVENT_ID, description="The `next` of the previous page."
    ),
    limit: int = Query(100, ge=1, le=1000, description="How many events, 1 to 1,000."),
) -> AuditPage:
    """Audit events oldest first, each with what it changed (`changes`: `[before, after]`
    per field). Page with `after`. Leads and admins read every event; a moderator reads
    only their own (403 `own-trail-only` for anyone else's). A report's own history is
    also in GET /v1/moderation/reports/{report_id}."""
    filters = await audit_log.audit_filter(session, query, reader)
    return await audit_log.page(session, filters, after=after, limit=limit)


_EXPORT_BODY = {"schema": {"type": "string"}}


@router.get(
    "/export",
    operation_id="exportAuditEvents",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "Every matching event, oldest first, streamed. CSV: UTF-8 with a "
            "byte order mark, a header row (`id, at, moderator, action, report_id, changes, "
            "detail`; `changes` and `detail` as JSON), one row per event, and a `'` before "
            "any cell a spreadsheet would run as a formula. NDJSON: one event per line, as "
            "in listAuditEvents.",
            "content": {"text/csv": _EXPORT_BODY, "application/x-ndjson": _EXPORT_BODY},
        }
    },
)
async def export_events(
    session: SessionDep,
    sessionmaker: SessionMakerDep,
    reader: ModeratorDep,
    query: QueryDep,
    format: ExportFormat = Query(ExportFormat.CSV, description="`csv` or `ndjson`."),
) -> StreamingResponse:
    """The audit trail (or the part the filters pick) as a file: all of it for leads and
    admins, a moderator's own events for them. The export itself is audited
    (`audit_exported`)."""
    filters = await audit_log.audit_filter(session, query, reader)
    await audit_log.record_export(session, reader, filters, format, via="api")
    return download_response(
        audit_log.export(sessionmaker, filters, format),
        audit_log.MEDIA_TYPES[format],
        audit_log.export_filename(format, utcnow()),
    )
