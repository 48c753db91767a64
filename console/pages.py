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
from console.facts import FACT_GROUPS, STATES, fact_words
from console.forms import FormResult, form_values
from console.incident_view import (
    approval_values,
    correction_values,
    event_slots,
    pending_view,
    published_view,
)
from console.queue_view import queue_page
from console.templating import console_path, notice, render
from core.clock import utcnow
from core.deps import SessionDep, SettingsDep, StorageDep, app_state
from core.settings import Settings
from core.streaming import media_response
from hub import publishing
from hub.feed import incident_out
from hub.fields import Confidence
from hub.schemas import IncidentContent, IncidentOut
from lifecycle.states import RULES, Action
from models.incident import RetractionReason
from models.redaction import RedactionReason, RedactionTarget
from models.report import ReportStatus
from models.vocabulary import TraffickingEventType, TraffickingStatus
from moderation import confirmation, duplicates, leads, redaction, service
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
    "held": "Approved, but not published yet: it waits for a lead to confirm it or send it "
    "back (four eyes, or the incident's place, time and people are rare in the hub's data "
    "even at the coarsest level).",
    "corrected": "Corrected: the hub receives a new version of the incident.",
    "confirmed": "Confirmed: the incident is published to the hub.",
    "sent_back": "Sent back: the report is in the queue again; nothing was published.",
    "retracted": "Retracted: the hub is told to disregard the incident, and what it said is "
    "removed from every earlier version.",
    "rejected": "Rejected: the reason is kept in the report's history. You can undo it for a "
    "short while, here or from the report's page.",
    "undone": "The rejection is undone: the report is in review again, claimed by you.",
    "reopened": "Reopened: the report is back in the queue for anyone.",
    "reassigned": "Reassigned: the report is in review, claimed by the moderator you chose.",
    "redacted": "Redacted: moderators now read the reason in its place, here, in the queue "
    "and in search results; only leads can read the original or un-redact it.",
    "unredacted": "Un-redacted: the span is readable by every moderator again.",
    "tagged": "Tagged: the queue's tag filter lists this report with the others carrying it.",
    "untagged": "The tag is taken off this report.",
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


def _form_values(
    report: ReportDetail, can: set[str], published: IncidentContent | None
) -> tuple[dict[str, Any], dict[str, str]]:
    """The incident form's starting values and hints: from the report when approving,
    from the incident as published when a lead corrects it."""
    if "approve" in can:
        return approval_values(report)
    if "correct" in can and published is not None:
        return correction_values(published)
    return {}, {}


async def _published(
    session: SessionDep, report: ReportDetail, settings: Settings
) -> IncidentOut | None:
    """The report's incident as the hub has it now (its latest version), if any."""
    if report.status not in (ReportStatus.APPROVED, ReportStatus.WITHDRAWN):
        return None
    latest = await publishing.latest(session, report.id)
    return incident_out(latest, settings) if latest is not None else None


async def report_page(
    request: Request,
    session: SessionDep,
    user: ConsoleUser,
    report_id: uuid.UUID,
    *,
    status_code: int = 200,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, Any] | None = None,
    original: bool = False,
) -> Response:
    """The report page; actions whose form was invalid re-render it with their errors
    (keyed by form: `approve`, `correct`, `retract`, `send_back`, `reject`, `ask`,
    `reassign`, `merge`, `redact`, `tag`) and what the moderator typed (over the forms'
    starting values). Likely duplicates and near places are listed beside it
    (`moderation.duplicates`)."""
    settings = app_state(request, "settings", Settings)
    report = await service.read_report(
        session, user.moderator, report_id, settings, original=original
    )
    can = {action.value for action in report.actions}
    if report.status in RULES[Action.TAG].start:  # a bulk action, taken over this one report
        can.add(Action.TAG.value)
    published = await _published(session, report, settings)
    content = published.incident if published else None
    pending = await confirmation.pending_fields(session, report.id)
    defaults, hints = _form_values(report, can, content)
    values = defaults | (values or {})
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
        values=values,
        hints=hints,
        fact_groups=FACT_GROUPS,
        fact_words=fact_words,
        states=STATES,
        event_types=list(TraffickingEventType),
        event_slots=event_slots(values),
        trafficking_statuses=list(TraffickingStatus),
        confidences=list(Confidence),
        retraction_reasons=list(RetractionReason),
        published=published,
        published_view=published_view(content) if content else None,
        pending_view=pending_view(pending) if pending else None,
        suggestions=(await duplicates.suggest(session, report_id)).items,
        window_days=duplicates.WINDOW_DAYS,
        # Redaction: the texts cut at their redactions, what to redact, who sees originals.
        original=original,
        segments=await redaction.page_segments(session, report.id, original),
        segment_key=redaction.segment_key,
        message_target=RedactionTarget.MESSAGE,
        translation_target=RedactionTarget.MESSAGE_TRANSLATION,
        redaction_suggestions=(
            (await redaction.suggest(session, user.moderator, report.id)).items
            if "redact" in can
            else []
        ),
        redaction_reasons=list(RedactionReason),
        reads_originals=redaction.reads_originals(user.moderator),
    )


async def invalid_form(
    request: Request,
    session: SessionDep,
    user: ConsoleUser,
    report_id: uuid.UUID,
    form_name: str,
    result: FormResult[Any],
    values: dict[str, Any] | None = None,
) -> Response:
    """The report page again (422), the form's errors beside its fields and what was typed
    still in them (`values`; by default the posted form as it came)."""
    if values is None:
        values = form_values(await request.form())
    return await report_page(
        request,
        session,
        user,
        report_id,
        status_code=422,
        errors={form_name: result.errors},
        values=values,
    )


@router.get("/reports/{report_id}", name="report")
async def report(
    request: Request,
    report_id: uuid.UUID,
    session: SessionDep,
    user: ConsoleUserDep,
    original: bool = False,
) -> Response:
    """The report; `?original=1` shows leads and admins the texts before redaction (403
    for anyone else)."""
    return await report_page(request, session, user, report_id, original=original)


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
