"""Leads' (and admins') decisions on what reaches the hub, in the console: the approvals
that wait for a lead (a list, then confirm or send back from the report page), and
corrections and retractions of a published incident.

The same `moderation.confirmation` and `moderation.service` functions as the JSON API's
`confirm`, `send-back`, `correct` and `retract`, with the same validation models (the
correction form is read into `IncidentFieldsIn` by `console.forms`), so both surfaces
decide and audit alike. The router is mounted behind the console's lead check: a moderator
gets the 403 page before any report is looked up.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from console.auth import LeadUserDep
from console.pages import NOTICES
from console.submitting import ReportForm, ReportPostDep
from console.templating import notice, render
from core.clock import utcnow
from core.deps import SessionDep
from moderation import confirmation, service
from moderation.schemas import RejectIn, RetractIn

router = APIRouter()

#: How many waiting approvals the page lists at once, oldest first.
AWAITING_PAGE = 100
SEND_BACK = ReportForm("send_back", RejectIn, ("reason",))
RETRACT = ReportForm("retract", RetractIn, ("reason", "category"))


@router.get("/awaiting", name="awaiting")
async def awaiting(request: Request, session: SessionDep, user: LeadUserDep) -> Response:
    """Approvals waiting for a lead, oldest first; each links to its report page."""
    reports = await confirmation.awaiting(session, limit=AWAITING_PAGE)
    deciders = {report.decided_by for report in reports if report.decided_by}
    names = {
        moderator_id: await service.username_of(session, moderator_id) for moderator_id in deciders
    }
    return render(
        request,
        "awaiting.html",
        user,
        reports=reports,
        names=names,
        now=utcnow(),
        limit=AWAITING_PAGE,
        notice=notice(request, NOTICES),
    )


@router.post("/reports/{report_id}/confirm", name="confirm")
async def confirm(post: ReportPostDep) -> Response:
    await confirmation.confirm(post.session, post.moderator, post.report_id, post.settings)
    return post.done("confirmed", page="awaiting")


@router.post("/reports/{report_id}/send-back", name="send_back")
async def send_back(post: ReportPostDep) -> Response:
    return await post.submit(
        SEND_BACK,
        lambda body: confirmation.send_back(
            post.session, post.moderator, post.report_id, body.reason
        ),
        "sent_back",
        page="awaiting",
    )


@router.post("/reports/{report_id}/correct", name="correct")
async def correct(post: ReportPostDep) -> Response:
    outcome = await post.submit_incident(
        "correct",
        lambda fields: service.correct(
            post.session, post.moderator, post.report_id, fields, post.settings
        ),
    )
    return outcome if isinstance(outcome, Response) else post.done("corrected")


@router.post("/reports/{report_id}/retract", name="retract")
async def retract(post: ReportPostDep) -> Response:
    return await post.submit(
        RETRACT,
        lambda body: service.retract(
            post.session, post.moderator, post.report_id, body.reason, body.category
        ),
        "retracted",
    )
