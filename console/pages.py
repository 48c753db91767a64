"""What a moderator reads: the queue, one report, its media, the languages page.

Every page calls the same `moderation.service` functions as the JSON API, so reading a
report or a media file in the console is audited exactly as it is over the API.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, StreamingResponse
from starlette.responses import Response

from console.auth import ConsoleUser, ConsoleUserDep
from console.queue_view import queue_page
from console.templating import console_path, notice, render
from core.clock import utcnow
from core.deps import SessionDep, SettingsDep, StorageDep, app_state
from core.settings import Settings
from core.streaming import media_response
from models.vocabulary import ExploitationType, TraffickingEventType
from moderation import duplicates, leads, service
from moderation.schemas import ReportDetail
from translation import get_translator

router = APIRouter()

# Fixed messages shown after an action (`?done=…`); anything else in the query is ignored.
NOTICES = {
    "claimed": "You have claimed this report; others see that you are reviewing it.",
    "released": "Released: the report is back in the queue for anyone.",
    "asked": "Your question was sent. It is translated for the reporter, who sees it with "
    "their receipt. The report waits for the answer, out of the queue and unclaimed; the "
    "answer brings it back to the queue, flagged answered.",
    "approved": "Approved: the incident is published to the hub.",
    "rejected": "Rejected: the reason is kept in the report's history. You can undo it for a "
    "short while from the report's page.",
    "undone": "The rejection is undone: the report is in review again, claimed by you.",
    "reopened": "Reopened: the report is back in the queue for anyone.",
    "reassigned": "Reassigned: the report is in review, claimed by the moderator you chose.",
    "merged": "Merged: the duplicate is closed and listed below among this report's merged "
    "reports, with its text and media. Undoing its rejection un-merges it.",
}


@router.get("/", name="home")
async def home(request: Request) -> Response:
    return RedirectResponse(console_path(request, "queue"), status_code=303)


@router.get("/queue", name="queue")
async def queue(request: Request, session: SessionDep, user: ConsoleUserDep) -> Response:
    """The queue, filtered and searched by the GET form (`console/queue_view.py`)."""
    return await queue_page(request, session, user, notice(request, NOTICES))


def _approval_defaults(report: ReportDetail) -> dict[str, Any]:
    """The approval form's starting values, taken from what the reporter gave."""
    return {
        "types_of_exploitation": list(report.categories),
        "date_from": report.occurred_from.date().isoformat() if report.occurred_from else "",
        "date_to": report.occurred_to.date().isoformat() if report.occurred_to else "",
        "include_location": "yes",
    }


async def report_page(
    request: Request,
    session: SessionDep,
    user: ConsoleUser,
    report_id: uuid.UUID,
    *,
    status_code: int = 200,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, Any] | None = None,
) -> Response:
    """The report page; actions whose form was invalid re-render it with their errors
    (keyed by form: `approve`, `reject`, `ask`, `reassign`, `merge`) and what the moderator
    typed. Likely duplicates and near places are listed beside it (`moderation.duplicates`)."""
    settings = app_state(request, "settings", Settings)
    report = await service.read_report(session, user.moderator, report_id, settings)
    can = {action.value for action in report.actions}
    return render(
        request,
        "report.html",
        user,
        status_code=status_code,
        report=report,
        now=utcnow(),
        notice=notice(request, NOTICES),
        # The buttons are the actions the action table offers this moderator now.
        can=can,
        # Whom a lead may hand the report to: read only when the table offers reassigning.
        moderators=await leads.active_usernames(session) if "reassign" in can else [],
        undo_minutes=settings.undo_window_seconds // 60,
        mine=report.claimed_by == user.moderator.username,
        errors=errors or {},
        values=values if values is not None else _approval_defaults(report),
        exploitation_types=list(ExploitationType),
        event_types=list(TraffickingEventType),
        suggestions=(await duplicates.suggest(session, report_id)).items,
        window_days=duplicates.WINDOW_DAYS,
    )


@router.get("/reports/{report_id}", name="report")
async def report(
    request: Request, report_id: uuid.UUID, session: SessionDep, user: ConsoleUserDep
) -> Response:
    return await report_page(request, session, user, report_id)


@router.get("/media/{media_id}", name="media")
async def media(
    media_id: uuid.UUID, session: SessionDep, user: ConsoleUserDep, storage: StorageDep
) -> StreamingResponse:
    found = await service.media_for_review(session, user.moderator, media_id)
    return await media_response(storage, found.storage_key, found.mime)


@router.get("/languages", name="languages")
async def languages(request: Request, settings: SettingsDep, user: ConsoleUserDep) -> Response:
    translator = get_translator(settings)
    target = translator.target_language
    return render(
        request,
        "languages.html",
        user,
        target=target,
        sources=translator.sources_into(target),
        pairs=translator.available_languages(),
    )
