"""What a moderator does from a report page: claim, release, approve, reject, ask, undo a
rejection, merge a duplicate into a suggested report; and a lead's reassign and reopen.

Each action is one POST (CSRF-checked by the console's moderator check) that calls the
same `moderation.service` function as the JSON API, in the request's transaction, so it
is audited identically. Success redirects (post/redirect/get); an invalid form shows the
report again with the errors beside the fields.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from starlette.responses import Response

from console.auth import ConsoleUser, ConsoleUserDep, LeadUserDep
from console.forms import form_values, incident_data, text_fields, validate
from console.pages import report_page
from console.templating import redirect_with_notice
from core.deps import SessionDep, SettingsDep
from hub.fields import IncidentFieldsIn
from moderation import leads, merging, service
from moderation.schemas import AskIn, MergeIn, ReassignIn, RejectIn

router = APIRouter()


async def _invalid(
    request: Request,
    session: SessionDep,
    user: ConsoleUser,
    report_id: uuid.UUID,
    form_name: str,
    errors: dict[str, str],
) -> Response:
    return await report_page(
        request,
        session,
        user,
        report_id,
        status_code=422,
        errors={form_name: errors},
        values=form_values(await request.form()),
    )


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
    result = validate(IncidentFieldsIn, incident_data(await request.form()))
    if result.value is None:
        return await _invalid(request, session, user, report_id, "approve", result.errors)
    await service.approve(session, user.moderator, report_id, result.value, settings)
    return redirect_with_notice(request, "queue", "approved")


@router.post("/reports/{report_id}/reject", name="reject")
async def reject(
    request: Request, report_id: uuid.UUID, session: SessionDep, user: ConsoleUserDep
) -> Response:
    result = validate(RejectIn, text_fields(await request.form(), ("reason",)))
    if result.value is None:
        return await _invalid(request, session, user, report_id, "reject", result.errors)
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
        return await _invalid(request, session, user, report_id, "ask", result.errors)
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
    await leads.undo_rejection(session, user.moderator, report_id, settings)
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
        return await _invalid(request, session, user, report_id, "reassign", result.errors)
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
        return await _invalid(request, session, user, report_id, "merge", result.errors)
    await merging.merge(session, user.moderator, report_id, result.value.into)
    return redirect_with_notice(request, "report", "merged", report_id=result.value.into)
