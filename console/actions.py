"""What a moderator does from a report page: claim, release, approve, reject, ask, undo a
rejection, merge a duplicate into a suggested report; and a lead's reassign and reopen.

Each action is one POST (CSRF-checked by the console's moderator check) that calls the
same `moderation.service` function as the JSON API, in the request's transaction, so it
is audited identically. Success redirects (post/redirect/get); an invalid form shows the
report again with the errors beside the fields. An approval the rarity check holds for a
lead (the API's 202) is said to be waiting, not published. Leads' decisions on published
and waiting incidents are in `console.confirmations`.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from starlette.responses import Response

from console.auth import ConsoleUserDep, LeadUserDep
from console.forms import incident_values, text_fields, validate, validate_incident
from console.pages import invalid_form
from console.templating import redirect_with_notice
from core.deps import SessionDep, SettingsDep
from moderation import leads, merging, service
from moderation.confirmation import HoldReason
from moderation.schemas import AskIn, MergeIn, ReassignIn, RejectIn

router = APIRouter()


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
    form = await request.form()
    result = validate_incident(form)
    if result.value is None:
        values = incident_values(form)
        return await invalid_form(request, session, user, report_id, "approve", result, values)
    outcome = await service.approve(session, user.moderator, report_id, result.value, settings)
    # A hold reason: four eyes, or rare even at the coarsest level (the API's 202).
    held = isinstance(outcome, HoldReason)
    return redirect_with_notice(request, "queue", "held" if held else "approved")


@router.post("/reports/{report_id}/reject", name="reject")
async def reject(
    request: Request, report_id: uuid.UUID, session: SessionDep, user: ConsoleUserDep
) -> Response:
    result = validate(RejectIn, text_fields(await request.form(), ("reason",)))
    if result.value is None:
        return await invalid_form(request, session, user, report_id, "reject", result)
    await service.reject(session, user.moderator, report_id, result.value.reason)
    return redirect_with_notice(request, "queue", "rejected")


@router.post("/reports/{report_id}/messages", name="ask")
async def ask(
    request: Request,
    report_id: uuid.UUID,
    session: SessionDep,
    user: ConsoleUserDep,
    settings: SettingsDep,
) -> Response:
    result = validate(AskIn, text_fields(await request.form(), ("text",)))
    if result.value is None:
        return await invalid_form(request, session, user, report_id, "ask", result)
    await service.ask_reporter(session, user.moderator, report_id, result.value.text, settings)
    return redirect_with_notice(request, "report", "asked", report_id=report_id)


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
    result = validate(ReassignIn, text_fields(await request.form(), ("moderator",)))
    if result.value is None:
        return await invalid_form(request, session, user, report_id, "reassign", result)
    await leads.reassign(session, user.moderator, report_id, result.value.moderator, settings)
    return redirect_with_notice(request, "report", "reassigned", report_id=report_id)


@router.post("/reports/{report_id}/merge", name="merge")
async def merge(
    request: Request, report_id: uuid.UUID, session: SessionDep, user: ConsoleUserDep
) -> Response:
    """ "Merge into this" on a suggestion: the claimed report closes into the suggested one,
    whose page then lists it; the moderator lands there."""
    result = validate(MergeIn, text_fields(await request.form(), ("into",)))
    if result.value is None:
        return await invalid_form(request, session, user, report_id, "merge", result)
    await merging.merge(session, user.moderator, report_id, result.value.into)
    return redirect_with_notice(request, "report", "merged", report_id=result.value.into)
