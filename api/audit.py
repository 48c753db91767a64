"""The audit trail for leads and admins: read it per report, per moderator or per action,
in keyset pages, or export it whole as CSV or NDJSON (streamed)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from api.moderation import LeadDep
from api.responses import problem_responses
from core.clock import utcnow
from core.deps import SessionDep, SessionMakerDep
from core.streaming import download_response
from moderation import audit_log
from moderation.audit import AuditAction
from moderation.audit_log import AuditFilter, ExportFormat
from moderation.schemas import AuditPage

router = APIRouter(
    prefix="/v1/moderation/audit",
    tags=["moderation"],
    responses=problem_responses(401, 403, 422),
)

ReportFilter = Annotated[
    uuid.UUID | None, Query(description="Only events about this report (its id).")
]
ModeratorFilter = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=64,
        description="Only events done by this moderator (a username). An unknown name is a "
        "422 `unknown-moderator`.",
    ),
]
ActionFilter = Annotated[AuditAction | None, Query(description="Only events of this kind.")]


async def _filter(
    session: SessionDep,
    report_id: ReportFilter = None,
    moderator: ModeratorFilter = None,
    action: ActionFilter = None,
) -> AuditFilter:
    return await audit_log.audit_filter(
        session, report_id=report_id, moderator=moderator, action=action
    )


@router.get("", operation_id="listAuditEvents", response_model=AuditPage)
async def list_events(
    session: SessionDep,
    lead: LeadDep,
    report_id: ReportFilter = None,
    moderator: ModeratorFilter = None,
    action: ActionFilter = None,
    after: int = Query(
        0, ge=0, le=audit_log.MAX_EVENT_ID, description="The `next` of the previous page."
    ),
    limit: int = Query(100, ge=1, le=1000, description="How many events, 1 to 1,000."),
) -> AuditPage:
    """Leads and admins: audit events oldest first, each with what it changed
    (`changes`: `[before, after]` per field). Page with `after`. Moderators see a report's
    own history in GET /v1/moderation/reports/{report_id}."""
    filters = await _filter(session, report_id, moderator, action)
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
    lead: LeadDep,
    report_id: ReportFilter = None,
    moderator: ModeratorFilter = None,
    action: ActionFilter = None,
    format: ExportFormat = Query(ExportFormat.CSV, description="`csv` or `ndjson`."),
) -> StreamingResponse:
    """Leads and admins: the audit trail (or the part the filters pick) as a file. The
    export itself is audited (`audit_exported`)."""
    filters = await _filter(session, report_id, moderator, action)
    await audit_log.record_export(session, lead, filters, format, via="api")
    return download_response(
        audit_log.export(sessionmaker, filters, format),
        audit_log.MEDIA_TYPES[format],
        audit_log.export_filename(format, utcnow()),
    )
