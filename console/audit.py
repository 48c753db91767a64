"""The audit trail in the console: leads and admins read all of it, per moderator (linked
from the accounts page and from every name in a report's history), per report, per action
and per span of days; a moderator reads their own events ("My activity"). Newest first, in
pages, with a download of what the page shows as CSV or NDJSON. The same
`moderation.audit_log` functions, and the same rule of who reads what, as
GET /v1/moderation/audit and `stop-intake audit export`.

The filter form is a GET form that sends every field, blank or not: a blank field means
"any", and a value the trail cannot take is said beside its field.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from console.auth import ConsoleUser, ConsoleUserDep
from console.forms import FormResult, text_fields, validate
from console.templating import render
from core.clock import utcnow
from core.deps import SessionDep, SessionMakerDep
from core.errors import InvalidInput
from core.streaming import download_response
from moderation import audit_log
from moderation.audit import AuditAction
from moderation.audit_log import WHOLE_TRAIL, AuditQuery, ExportFormat

router = APIRouter()

PAGE_SIZE = 100
FIELDS = tuple(AuditQuery.model_fields)


def _asked(request: Request) -> tuple[dict[str, object], FormResult[AuditQuery]]:
    """The filters as the form sent them (blank ones left out), and validated."""
    values = text_fields(request.query_params, FIELDS)
    return values, validate(AuditQuery, values)


@router.get("/audit", name="audit")
async def audit_page(
    request: Request,
    session: SessionDep,
    user: ConsoleUserDep,
    before: Annotated[int | None, Query(ge=1, le=audit_log.MAX_EVENT_ID)] = None,
) -> Response:
    values, asked = _asked(request)
    filters = page = None
    if asked.value is not None:
        filters = await audit_log.audit_filter(session, asked.value, user.moderator)
        page = await audit_log.page(
            session, filters, limit=PAGE_SIZE, before=before or audit_log.MAX_EVENT_ID
        )
    return render(
        request,
        "audit.html",
        user,
        status_code=422 if asked.errors else 200,
        whole_trail=user.moderator.role in WHOLE_TRAIL,
        values=values,
        errors=asked.errors,
        filters=filters,
        query=filters.described() if filters else {},
        page=page,
        actions=[choice.value for choice in AuditAction],
        formats=[choice.value for choice in ExportFormat],
    )


@router.get("/audit/export", name="audit_export")
async def audit_export(
    request: Request,
    session: SessionDep,
    sessionmaker: SessionMakerDep,
    user: ConsoleUserDep,
    format: ExportFormat = ExportFormat.CSV,
) -> StreamingResponse:
    filters = await _export_filter(request, session, user)
    await audit_log.record_export(session, user.moderator, filters, format, via="console")
    return download_response(
        audit_log.export(sessionmaker, filters, format),
        audit_log.MEDIA_TYPES[format],
        audit_log.export_filename(format, utcnow()),
    )


async def _export_filter(
    request: Request, session: AsyncSession, user: ConsoleUser
) -> audit_log.AuditFilter:
    """The download's filter: its link comes from a page whose filters were valid, so a
    bad one was typed by hand and gets the error page."""
    _, asked = _asked(request)
    if asked.value is None:
        raise InvalidInput(
            "; ".join(f"{name or 'filters'}: {says}" for name, says in asked.errors.items())
        )
    return await audit_log.audit_filter(session, asked.value, user.moderator)
