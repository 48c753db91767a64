"""Leads and admins read the audit trail: per moderator (linked from the accounts page and
from every name in a report's history), per report, per action; newest first, in pages;
and download what they see as CSV or NDJSON. The same `moderation.audit_log` functions as
GET /v1/moderation/audit and `stop-intake audit export`.

Moderators see a report's own history on the report page, as before.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from starlette.responses import Response

from console.auth import LeadUserDep
from console.templating import render
from core.clock import utcnow
from core.deps import SessionDep, SessionMakerDep
from core.streaming import download_response
from moderation import audit_log
from moderation.audit import AuditAction
from moderation.audit_log import AuditFilter, ExportFormat

router = APIRouter()

PAGE_SIZE = 100
ReportFilter = Annotated[uuid.UUID | None, Query()]
ModeratorFilter = Annotated[str | None, Query(min_length=1, max_length=64)]
ActionFilter = Annotated[AuditAction | None, Query()]


async def _filter(
    session: SessionDep,
    report_id: ReportFilter = None,
    moderator: ModeratorFilter = None,
    action: ActionFilter = None,
) -> AuditFilter:
    return await audit_log.audit_filter(
        session, report_id=report_id, moderator=moderator, action=action
    )


@router.get("/audit", name="audit")
async def audit_page(
    request: Request,
    session: SessionDep,
    user: LeadUserDep,
    report_id: ReportFilter = None,
    moderator: ModeratorFilter = None,
    action: ActionFilter = None,
    before: Annotated[int | None, Query(ge=1, le=audit_log.MAX_EVENT_ID)] = None,
) -> Response:
    filters = await _filter(session, report_id, moderator, action)
    page = await audit_log.page(
        session, filters, limit=PAGE_SIZE, before=before or audit_log.MAX_EVENT_ID
    )
    return render(
        request,
        "audit.html",
        user,
        filters=filters,
        query=filters.described(),
        page=page,
        actions=[choice.value for choice in AuditAction],
        formats=[choice.value for choice in ExportFormat],
    )


@router.get("/audit/export", name="audit_export")
async def audit_export(
    session: SessionDep,
    sessionmaker: SessionMakerDep,
    user: LeadUserDep,
    report_id: ReportFilter = None,
    moderator: ModeratorFilter = None,
    action: ActionFilter = None,
    format: ExportFormat = ExportFormat.CSV,
) -> StreamingResponse:
    filters = await _filter(session, report_id, moderator, action)
    await audit_log.record_export(session, user.moderator, filters, format, via="console")
    return download_response(
        audit_log.export(sessionmaker, filters, format),
        audit_log.MEDIA_TYPES[format],
        audit_log.export_filename(format, utcnow()),
    )
