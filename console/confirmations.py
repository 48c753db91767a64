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
from console.forms import validate
from console.pages import NOTICES
from console.submitting import ReportForm, ReportPostDep
from console.templating import notice, page_link, render
from core.clock import utcnow
from core.deps import SessionDep
from moderation import confirmation, service
from moderation.confirmation import AwaitingQuery, HoldReason
from moderation.schemas import RejectIn, RetractIn

router = APIRouter()

#: How many waiting approvals the page lists at once, oldest first, unless the link says
#: otherwise (`limit`, 1 to 200).
AWAITING_PAGE = 100
SEND_BACK = ReportForm("send_back", RejectIn, ("reason",))
RETRACT = ReportForm("retract", RetractIn, ("reason", "category"))


@router.get("/awaiting", name="awaiting")
async def awaiting(request: Request, session: SessionDep, user: LeadUserDep) -> Response:
    """Approvals waiting for a lead, oldest first, a page at a time (a "Next page" link
    with the cursor), filtered by why they wait (a GET form); each links to its report
    page. A bad filter shows the form again with its error and lists nothing."""
    params = request.query_params
    values = {name: params[name] for name in AwaitingQuery.model_fields if name in params}
    result = validate(AwaitingQuery, {"limit": AWAITING_PAGE, **values})
    if result.value is None:
        reports, next_link = [], None
        waiting = await confirmation.count_waiting(session)
    else:
        page = await confirmation.awaiting(session, result.value)
        reports, waiting = page.reports, page.waiting
        next_link = page_link(request, "awaiting", values, after=page.next) if page.next else None
    deciders = {report.decided_by for report in reports if report.decided_by}
    names = {
        moderator_id: await service.username_of(session, moderator_id) for moderator_id in deciders
    }
    return render(
        request,
        "awaiting.html",
        user,
        status_code=422 if result.errors else 200,
        reports=reports,
        names=names,
        now=utcnow(),
        waiting=waiting,
        reasons=list(HoldReason),
        values=values,
        errors=result.errors,
        paged="after" in values,
        next_link=next_link,
        first_link=page_link(request, "awaiting", values, after=None),
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
