"""Redaction from the report page: redact a selection or a suggestion ("Redact this"),
and for leads un-redact. The same `moderation.redaction` functions as the JSON API, so
both are audited alike; the lead's "Show original" is the report page's `?original=1`.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from console.auth import ConsoleUserDep, LeadUserDep
from console.submitting import ReportForm, submit
from console.templating import console_path
from core.deps import SessionDep
from moderation import redaction
from moderation.redaction_schemas import RedactionIn

router = APIRouter()

REDACT = ReportForm(
    "redact", RedactionIn, ("target", "message_id", "start", "end", "reason", "note")
)


@router.post("/reports/{report_id}/redactions", name="redact")
async def redact(
    request: Request, report_id: uuid.UUID, session: SessionDep, user: ConsoleUserDep
) -> Response:
    return await submit(
        request,
        session,
        user,
        report_id,
        REDACT,
        lambda body: redaction.redact(session, user.moderator, report_id, body),
        "redacted",
    )


@router.post("/reports/{report_id}/redactions/{redaction_id}/remove", name="unredact")
async def unredact(
    request: Request,
    report_id: uuid.UUID,
    redaction_id: uuid.UUID,
    session: SessionDep,
    user: LeadUserDep,
) -> Response:
    await redaction.unredact(session, user.moderator, report_id, redaction_id)
    # back to the original view the lead un-redacted from
    path = console_path(request, "report", report_id=report_id)
    return RedirectResponse(f"{path}?original=1&done=unredacted", status_code=303)
