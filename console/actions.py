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

import uuid
from collections.abc import Awaitable

from fastapi import APIRouter, Request
from starlette.responses import Response

from console.auth import ConsoleUserDep, LeadUserDep
from console.submitting import ReportForm, submit, submit_incident
from console.templating import redirect_with_notice
from core.deps import SessionDep, SettingsDep
from moderation import bulk, leads, merging, service
from moderation.bulk import BulkAction, BulkIn, BulkOut
from moderation.confirmation import HoldReason
from moderation.schemas import AskIn, MergeIn, ReassignIn, RejectIn
from moderation.tags import TagIn

router = APIRouter()

REJECT = ReportForm("reject", RejectIn, ("reason",))
ASK = ReportForm("ask", AskIn, ("text",))
REASSIGN = ReportForm("reassign", ReassignIn, ("moderator",))
MERGE = ReportForm("merge", MergeIn, ("into",))
TAG = ReportForm("tag", TagIn, ("tag",))


@router.post("/reports/{report_id}/claim", name="claim")
async def claim(
    request: Request,
    report_id: uuid.UUID,
    session: SessionDep,
    user: ConsoleUserDep,
    settings: SettingsDep,
) -> Response:
    await service.claim(session, user.moderator, report_id, settings)
    return redirect_with_notice(request, "report", "claimed", report_id=report_id)


@router.post("/reports/{report_id}/release", name="release")
async def release(
    request: Request, report_id: uuid.UUID, session: SessionDep, user: ConsoleUserDep
) -> Response:
    await service.release(session, user.moderator, report_id)
    return redirect_with_notice(request, "report", "released", report_id=report_id)


@router.post("/reports/{report_id}/approve", name="approve")
async def approve(
    request: Request,
    report_id: uuid.UUID,
    session: SessionDep,
    user: ConsoleUserDep,
    settings: SettingsDep,
) -> Response:
    outcome = await submit_incident(
        request,
        session,
        user,
        report_id,
        "approve",
        lambda fields: service.approve(session, user.moderator, report_id, fields, settings),
    )
    if isinstance(outcome, Response):
        return outcome
    # A hold reason: four eyes, or rare even at the coarsest level (the API's 202).
    held = isinstance(outcome, HoldReason)
    return redirect_with_notice(request, "queue", "held" if held else "approved")


@router.post("/reports/{report_id}/reject", name="reject")
async def reject(
    request: Request, report_id: uuid.UUID, session: SessionDep, user: ConsoleUserDep
) -> Response:
    return await submit(
        request,
        session,
        user,
        report_id,
        REJECT,
        lambda body: service.reject(session, user.moderator, report_id, body.reason),
        "rejected",
        page="queue",
    )


@router.post("/reports/{report_id}/messages", name="ask")
async def ask(
    request: Request,
    report_id: uuid.UUID,
    session: SessionDep,
    user: ConsoleUserDep,
    settings: SettingsDep,
) -> Response:
    return await submit(
        request,
        session,
        user,
        report_id,
        ASK,
        lambda body: service.ask_reporter(session, user.moderator, report_id, body.text, settings),
        "asked",
    )


@router.post("/reports/{report_id}/undo", name="undo")
async def undo(
    request: Request,
    report_id: uuid.UUID,
    session: SessionDep,
    user: ConsoleUserDep,
    settings: SettingsDep,
) -> Response:
    await leads.undo_decision(session, user.moderator, report_id, settings)
    return redirect_with_notice(request, "report", "undone", report_id=report_id)


@router.post("/reports/{report_id}/reopen", name="reopen")
async def reopen(
    request: Request, report_id: uuid.UUID, session: SessionDep, user: LeadUserDep
) -> Response:
    await leads.reopen(session, user.moderator, report_id)
    return redirect_with_notice(request, "report", "reopened", report_id=report_id)


@router.post("/reports/{report_id}/reassign", name="reassign")
async def reassign(
    request: Request,
    report_id: uuid.UUID,
    session: SessionDep,
    user: LeadUserDep,
    settings: SettingsDep,
) -> Response:
    return await submit(
        request,
        session,
        user,
        report_id,
        REASSIGN,
        lambda body: leads.reassign(session, user.moderator, report_id, body.moderator, settings),
        "reassigned",
    )


@router.post("/reports/{report_id}/merge", name="merge")
async def merge(
    request: Request, report_id: uuid.UUID, session: SessionDep, user: ConsoleUserDep
) -> Response:
    """ "Merge into this" on a suggestion: the claimed report closes into the suggested one,
    whose page then lists it; the moderator lands there."""
    return await submit(
        request,
        session,
        user,
        report_id,
        MERGE,
        lambda body: merging.merge(session, user.moderator, report_id, body.into),
        "merged",
        landing=lambda body: body.into,
    )


#: The notice after adding or removing a tag.
TAG_NOTICES = {BulkAction.TAG: "tagged", BulkAction.UNTAG: "untagged"}


async def _change_tag(
    request: Request,
    report_id: uuid.UUID,
    session: SessionDep,
    user: ConsoleUserDep,
    settings: SettingsDep,
    action: BulkAction,
) -> Response:
    """The bulk action over this one report, so one report or five thousand are tagged,
    and audited, alike."""

    def change(body: TagIn) -> Awaitable[BulkOut]:
        selection = BulkIn(action=action, report_ids=[report_id], tag=body.tag)
        return bulk.run(session, user.moderator, selection, settings)

    return await submit(request, session, user, report_id, TAG, change, TAG_NOTICES[action])


@router.post("/reports/{report_id}/tags", name="tag")
async def tag(
    request: Request,
    report_id: uuid.UUID,
    session: SessionDep,
    user: ConsoleUserDep,
    settings: SettingsDep,
) -> Response:
    return await _change_tag(request, report_id, session, user, settings, BulkAction.TAG)


@router.post("/reports/{report_id}/tags/remove", name="untag")
async def untag(
    request: Request,
    report_id: uuid.UUID,
    session: SessionDep,
    user: ConsoleUserDep,
    settings: SettingsDep,
) -> Response:
    return await _change_tag(request, report_id, session, user, settings, BulkAction.UNTAG)
