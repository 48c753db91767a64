"""What a moderator does from a report page: claim, release, approve, reject, ask, undo a
decision, merge a duplicate into a suggested report, tag; and a lead's reassign and reopen.

Each action is one POST (CSRF-checked by the console's moderator check) that calls the
same `moderation` function as the JSON API, in the request's transaction, so it is audited
identically. Success redirects (post/redirect/get); an invalid form shows the report again
with the errors beside the fields (`console.submitting`). An approval that waits for a lead
(the API's 202) is said to be waiting, not published. Leads' decisions on published and
waiting incidents are in `console.confirmations`.
"""

from __future__ import annotations

from collections.abc import Awaitable

from fastapi import APIRouter, Depends
from starlette.responses import Response

from console.auth import lead_user
from console.forms import MergeForm
from console.submitting import ReportForm, ReportPost, ReportPostDep
from moderation import bulk, leads, merging, service
from moderation.bulk import BulkAction, BulkIn, BulkOut
from moderation.confirmation import HoldReason
from moderation.schemas import AskIn, ReassignIn, RejectIn
from moderation.tags import TagIn

router = APIRouter()
#: Leads and admins only, checked before any report is looked up (a moderator: the 403 page).
LEADS = [Depends(lead_user)]

REJECT = ReportForm("reject", RejectIn, ("reason",))
ASK = ReportForm("ask", AskIn, ("text",))
REASSIGN = ReportForm("reassign", ReassignIn, ("moderator",))
MERGE = ReportForm("merge", MergeForm, ("into",))
TAG = ReportForm("tag", TagIn, ("tag",))


@router.post("/reports/{report_id}/claim", name="claim")
async def claim(post: ReportPostDep) -> Response:
    await service.claim(post.session, post.moderator, post.report_id, post.settings)
    return post.done("claimed")


@router.post("/reports/{report_id}/release", name="release")
async def release(post: ReportPostDep) -> Response:
    await service.release(post.session, post.moderator, post.report_id)
    return post.done("released")


@router.post("/reports/{report_id}/approve", name="approve")
async def approve(post: ReportPostDep) -> Response:
    outcome = await post.submit_incident(
        "approve",
        lambda fields: service.approve(
            post.session, post.moderator, post.report_id, fields, post.settings
        ),
    )
    if isinstance(outcome, Response):
        return outcome
    # A hold reason: four eyes, or rare even at the coarsest level (the API's 202).
    return post.done("held" if isinstance(outcome, HoldReason) else "approved", page="queue")


@router.post("/reports/{report_id}/reject", name="reject")
async def reject(post: ReportPostDep) -> Response:
    return await post.submit(
        REJECT,
        lambda body: service.reject(post.session, post.moderator, post.report_id, body.reason),
        "rejected",
        page="queue",
    )


@router.post("/reports/{report_id}/messages", name="ask")
async def ask(post: ReportPostDep) -> Response:
    return await post.submit(
        ASK,
        lambda body: service.ask_reporter(
            post.session, post.moderator, post.report_id, body.text, post.settings
        ),
        "asked",
    )


@router.post("/reports/{report_id}/undo", name="undo")
async def undo(post: ReportPostDep) -> Response:
    await leads.undo_decision(post.session, post.moderator, post.report_id, post.settings)
    return post.done("undone")


@router.post("/reports/{report_id}/reopen", name="reopen", dependencies=LEADS)
async def reopen(post: ReportPostDep) -> Response:
    await leads.reopen(post.session, post.moderator, post.report_id)
    return post.done("reopened")


@router.post("/reports/{report_id}/reassign", name="reassign", dependencies=LEADS)
async def reassign(post: ReportPostDep) -> Response:
    return await post.submit(
        REASSIGN,
        lambda body: leads.reassign(
            post.session, post.moderator, post.report_id, body.moderator, post.settings
        ),
        "reassigned",
    )


@router.post("/reports/{report_id}/merge", name="merge")
async def merge(post: ReportPostDep) -> Response:
    """ "Merge into this" on a suggestion, or into a report named by its id or link: the
    claimed report closes into that one, whose page then lists it; the moderator lands
    there."""
    return await post.submit(
        MERGE,
        lambda body: merging.merge(post.session, post.moderator, post.report_id, body.into),
        "merged",
        landing=lambda body: body.into,
    )


async def _change_tag(post: ReportPost, action: BulkAction, notice: str) -> Response:
    """The bulk action over this one report, so one report or five thousand are tagged,
    and audited, alike."""

    def change(body: TagIn) -> Awaitable[BulkOut]:
        selection = BulkIn(action=action, report_ids=[post.report_id], tag=body.tag)
        return bulk.run(post.session, post.moderator, selection, post.settings)

    return await post.submit(TAG, change, notice)


@router.post("/reports/{report_id}/tags", name="tag")
async def tag(post: ReportPostDep) -> Response:
    return await _change_tag(post, BulkAction.TAG, "tagged")


@router.post("/reports/{report_id}/tags/remove", name="untag")
async def untag(post: ReportPostDep) -> Response:
    return await _change_tag(post, BulkAction.UNTAG, "untagged")
