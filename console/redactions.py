"""Redaction from the report page: redact a selection or a suggestion ("Redact this"),
and for leads un-redact. The same `moderation.redaction` functions as the JSON API, so
both are audited alike; the lead's "Show original" is the report page's `?original=1`.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends
from starlette.responses import RedirectResponse, Response

from console.auth import lead_user
from console.submitting import ReportForm, ReportPostDep
from console.templating import console_path
from moderation import redaction
from moderation.redaction_schemas import RedactionIn

router = APIRouter()

REDACT = ReportForm(
    "redact", RedactionIn, ("target", "message_id", "start", "end", "reason", "note")
)


@router.post("/reports/{report_id}/redactions", name="redact")
async def redact(post: ReportPostDep) -> Response:
    return await post.submit(
        REDACT,
        lambda body: redaction.redact(post.session, post.moderator, post.report_id, body),
        "redacted",
    )


@router.post(
    "/reports/{report_id}/redactions/{redaction_id}/remove",
    name="unredact",
    dependencies=[Depends(lead_user)],
)
async def unredact(post: ReportPostDep, redaction_id: uuid.UUID) -> Response:
    await redaction.unredact(post.session, post.moderator, post.report_id, redaction_id)
    # back to the original view the lead un-redacted from
    path = console_path(post.request, "report", report_id=post.report_id)
    return RedirectResponse(f"{path}?original=1&done=unredacted", status_code=303)
