"""The moderators' JSON API: queue, report, media, claim, release, approve, reject, ask,
duplicate suggestions, merge and bulk actions, redaction and its suggestions; and for
leads reassign, reopen, undo, correct, retract and un-redact."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status
from fastapi.responses import JSONResponse, StreamingResponse

from api.deps import ModeratorDep, require_role
from api.responses import problem_responses
from core.deps import SessionDep, SettingsDep, StorageDep
from core.streaming import media_response
from hub.feed import incident_out
from hub.fields import IncidentFieldsIn
from hub.schemas import IncidentOut
from models.moderator import Moderator, ModeratorRole
from moderation import (
    bulk,
    clusters,
    confirmation,
    duplicates,
    leads,
    merging,
    redaction,
    service,
)
from moderation import queue as moderation_queue
from moderation.bulk import BulkIn, BulkOut
from moderation.confirmation import HoldReason
from moderation.queue import QueueQuery, Viewer
from moderation.redaction_schemas import RedactionIn, RedactionOut, RedactionSuggestions
from moderation.schemas import (
    ApprovalHeld,
    AskIn,
    ClaimOut,
    DuplicateList,
    MergeIn,
    MessageOut,
    QueuePage,
    ReassignIn,
    RejectIn,
    ReportDetail,
    RetractIn,
)

# 403: a lead or admin who has not set up the second factor their role requires.
router = APIRouter(
    prefix="/v1/moderation", tags=["moderation"], responses=problem_responses(401, 403)
)

ReportId = Annotated[uuid.UUID, Path(description="The report's id (from the queue).")]
MediaId = Annotated[uuid.UUID, Path(description="The media file's id (from ReportDetail.media).")]
RedactionId = Annotated[
    uuid.UUID, Path(description="The redaction's id (ReportDetail.redactions).")
]
LeadDep = Annotated[Moderator, Depends(require_role(ModeratorRole.LEAD, ModeratorRole.ADMIN))]
_MEDIA_BODY = {"schema": {"type": "string", "format": "binary"}}


@router.get(
    "/queue",
    operation_id="listQueue",
    response_model=QueuePage,
    responses=problem_responses(422),
)
async def queue(
    session: SessionDep, moderator: ModeratorDep, query: Annotated[QueueQuery, Query()]
) -> QueuePage:
    """Reports awaiting a decision: most urgent first, then those the reporter has answered
    a question about, then oldest first; filtered by the parameters given, searched with
    `q`, and paged with `after` (the previous page's `next`). Reports waiting for an answer
    are listed only when asked for (`status=needs_info`). `urgent_open` counts the urgent
    reports waiting, whatever the filters. Open reports about one place within days of
    each other carry their `cluster` (its count, and the report that leads its line).
    `claimed=me` lists the reports you hold a live claim on."""
    page = await moderation_queue.page(session, query, Viewer.of(moderator))
    return await clusters.with_clusters(session, page)


@router.post(
    "/bulk",
    operation_id="bulkModerate",
    response_model=BulkOut,
    responses=problem_responses(403, 422),
)
async def bulk_action(
    body: BulkIn, session: SessionDep, moderator: ModeratorDep, settings: SettingsDep
) -> BulkOut:
    """Act on many reports at once: the ones named by `report_ids`, or every report a queue
    `filter` matches (up to 10,000). `reject` (as spam, with `reason`) and `assign` (claim
    for `moderator`) are for leads and admins (403 otherwise) and start from any undecided
    state; `tag` and `untag` are for everyone. A report the action may not touch (another
    moderator's live claim, a state the action does not start from, already tagged…) is
    skipped and counted under `skipped`, never an error. Each changed report gets its own
    audit row with its before and after. `dry_run` answers the counts and changes nothing."""
    return await bulk.run(session, moderator, body, settings)


@router.get(
    "/reports/{report_id}",
    operation_id="getReport",
    response_model=ReportDetail,
    responses=problem_responses(404),
)
async def read_report(
    report_id: ReportId,
    session: SessionDep,
    moderator: ModeratorDep,
    settings: SettingsDep,
    original: Annotated[
        bool,
        Query(
            description="Leads and admins: the texts as stored, redactions not applied "
            "(`redactions` says where they are). Anyone else: 403 `originals-for-leads`."
        ),
    ] = False,
) -> ReportDetail:
    """The whole report with its translation, media, conversation and audit trail; the
    reading itself is audited. Redacted spans of the texts read `[redacted: <reason>]`.
    Reports still being processed are not found (404)."""
    return await service.read_report(session, moderator, report_id, settings, original=original)


@router.get(
    "/reports/{report_id}/redaction-suggestions",
    operation_id="listRedactionSuggestions",
    response_model=RedactionSuggestions,
    responses=problem_responses(404),
)
async def redaction_suggestions(
    report_id: ReportId, session: SessionDep, moderator: ModeratorDep
) -> RedactionSuggestions:
    """Spans of the report's texts likely to identify someone, not yet redacted: phone
    numbers, e-mail addresses, links, plates and names in quotes (the detectors that
    protect them from machine translation), and other copies of strings already redacted.
    Each can be sent as it is to `createRedaction`."""
    return await redaction.suggest(session, moderator, report_id)


@router.post(
    "/reports/{report_id}/redactions",
    operation_id="createRedaction",
    response_model=RedactionOut,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(404, 409, 422),
)
async def create_redaction(
    report_id: ReportId, body: RedactionIn, session: SessionDep, moderator: ModeratorDep
) -> RedactionOut:
    """Hide a span of the report's text, translation or a message (offsets into the stored
    text) with a reason: everyone but leads then reads `[redacted: <reason>]` there, in
    the report, the queue excerpt and search results, and an approval whose summary
    repeats it is refused. Audited with the offsets, length and reason, never the text.
    A span outside the text is `422 redaction-out-of-range`; a withdrawn report is 409."""
    return await redaction.redact(session, moderator, report_id, body)


@router.delete(
    "/reports/{report_id}/redactions/{redaction_id}",
    operation_id="removeRedaction",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(403, 404, 409),
)
async def remove_redaction(
    report_id: ReportId, redaction_id: RedactionId, session: SessionDep, lead: LeadDep
) -> None:
    """Leads: show a redacted span again (audited). One not in force is
    `404 redaction-not-found`."""
    await redaction.unredact(session, lead, report_id, redaction_id)


@router.get(
    "/reports/{report_id}/duplicates",
    operation_id="listDuplicateSuggestions",
    response_model=DuplicateList,
    responses=problem_responses(404),
)
async def duplicate_suggestions(
    report_id: ReportId, session: SessionDep, moderator: ModeratorDep
) -> DuplicateList:
    """Likely duplicates of the report and reports about places near it, received within
    `window_days` before or after it, strongest first, each with its reasons: similar text
    (trigram similarity of the translations, or the originals where none was needed), the
    same photo (perceptual hashes a few bits apart), the distance between the stored
    coarse positions, and the same country within three days. Reports still in the
    pipeline, withdrawn, or already merged into another are never suggested."""
    return await duplicates.suggest(session, report_id)


@router.post(
    "/reports/{report_id}/merge",
    operation_id="mergeReport",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404, 409, 422),
)
async def merge(
    report_id: ReportId, body: MergeIn, session: SessionDep, moderator: ModeratorDep
) -> None:
    """Merge a claimed report into the report it repeats (`into`, the primary): it is
    closed as `rejected` with the reason `duplicate` and `merged_into` set, leaves the
    queue, and the primary lists it under `merged` (its text and media stay readable).
    Reports merged into it before move to the primary with it. The claim rules are
    those of `reject` (409); a primary that is the report itself, rejected, withdrawn or
    itself merged is `422 invalid-merge-target`. Undoing the rejection un-merges it."""
    await merging.merge(session, moderator, report_id, body.into)


@router.get(
    "/media/{media_id}",
    operation_id="getMedia",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The sanitised file, with its stored media type; not cacheable "
            "(`Cache-Control: no-store`), sandboxed by its Content-Security-Policy.",
            "content": {"image/*": _MEDIA_BODY, "video/*": _MEDIA_BODY, "audio/*": _MEDIA_BODY},
        },
        **problem_responses(404),
    },
)
async def media(
    media_id: MediaId, session: SessionDep, moderator: ModeratorDep, storage: StorageDep
) -> StreamingResponse:
    """A report's sanitised media file (the only copy ever stored); each fetch is audited."""
    found = await service.media_for_review(session, moderator, media_id)
    return await media_response(storage, found.storage_key, found.mime)


@router.post(
    "/reports/{report_id}/claim",
    operation_id="claimReport",
    response_model=ClaimOut,
    responses=problem_responses(404, 409),
)
async def claim(
    report_id: ReportId, session: SessionDep, moderator: ModeratorDep, settings: SettingsDep
) -> ClaimOut:
    """Take the report for review (a lease, renewed by claiming again). A live claim of
    another moderator is a 409."""
    return await service.claim(session, moderator, report_id, settings)


@router.post(
    "/reports/{report_id}/release",
    operation_id="releaseReport",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404, 409),
)
async def release(report_id: ReportId, session: SessionDep, moderator: ModeratorDep) -> None:
    """Give a report one has claimed back to the queue."""
    await service.release(session, moderator, report_id)


@router.post(
    "/reports/{report_id}/approve",
    operation_id="approveReport",
    response_model=IncidentOut,
    responses={
        202: {
            "model": ApprovalHeld,
            "description": "Approved, but the incident is rare even at the coarsest level: "
            "nothing was published; a lead confirms or sends it back.",
        },
        **problem_responses(404, 409, 422),
    },
)
async def approve(
    report_id: ReportId,
    fields: IncidentFieldsIn,
    session: SessionDep,
    moderator: ModeratorDep,
    settings: SettingsDep,
) -> IncidentOut | JSONResponse:
    """Approve and publish the incident to the hub feed; answers the incident as published
    (200), or 202 when the approval waits for a lead (see `ApprovalHeld`)."""
    outcome = await service.approve(session, moderator, report_id, fields, settings)
    if isinstance(outcome, HoldReason):
        held = ApprovalHeld(report_id=report_id, hold_reason=outcome)
        return JSONResponse(held.model_dump(mode="json"), status_code=status.HTTP_202_ACCEPTED)
    return incident_out(outcome, settings)


@router.post(
    "/reports/{report_id}/reject",
    operation_id="rejectReport",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404, 409, 422),
)
async def reject(
    report_id: ReportId, body: RejectIn, session: SessionDep, moderator: ModeratorDep
) -> None:
    """Reject a claimed report; nothing reaches the hub and the reason is audited."""
    await service.reject(session, moderator, report_id, body.reason)


@router.post(
    "/reports/{report_id}/messages",
    operation_id="askReporter",
    response_model=MessageOut,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(404, 409, 422),
)
async def ask_reporter(
    report_id: ReportId,
    body: AskIn,
    session: SessionDep,
    moderator: ModeratorDep,
    settings: SettingsDep,
) -> MessageOut:
    """Ask the reporter a question; they read it, translated, with their receipt. The report
    leaves the queue and its claim is released (`needs_info`) until the reporter answers;
    then it comes back to the queue ahead of its age group."""
    message = await service.ask_reporter(session, moderator, report_id, body.text, settings)
    return MessageOut.model_validate(message, from_attributes=True)


@router.post(
    "/reports/{report_id}/undo",
    operation_id="undoDecision",
    response_model=ClaimOut,
    responses=problem_responses(404, 409),
)
async def undo(
    report_id: ReportId, session: SessionDep, moderator: ModeratorDep, settings: SettingsDep
) -> ClaimOut:
    """Take back a rejection or an approval within `STOP_UNDO_WINDOW_SECONDS` (15 min by
    default): the report is in review again, claimed by the caller. Only the moderator
    who decided, or a lead or admin (403 `decided-by-another-moderator`); later, `409
    undo-window-closed` (a lead can reopen a rejected report instead). An approval's
    published incident is retracted (the hub gets a tombstone and the content of its
    versions is scrubbed); approving again publishes a new incident."""
    return await leads.undo_decision(session, moderator, report_id, settings)


@router.post(
    "/reports/{report_id}/reassign",
    operation_id="reassignReport",
    response_model=ClaimOut,
    responses=problem_responses(403, 404, 409, 422),
)
async def reassign(
    report_id: ReportId,
    body: ReassignIn,
    session: SessionDep,
    lead: LeadDep,
    settings: SettingsDep,
) -> ClaimOut:
    """Leads: give an undecided report's claim to an active moderator (or take it oneself),
    over anyone's claim; it is in review, claimed by them for a fresh lease. An unknown or
    disabled account is `422 unknown-moderator`."""
    return await leads.reassign(session, lead, report_id, body.moderator, settings)


@router.post(
    "/reports/{report_id}/reopen",
    operation_id="reopenReport",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(403, 404, 409),
)
async def reopen(report_id: ReportId, session: SessionDep, lead: LeadDep) -> None:
    """Leads: put a rejected report back in the queue, unclaimed (the rejection and its
    reason stay in the audit trail)."""
    await leads.reopen(session, lead, report_id)


@router.post(
    "/reports/{report_id}/correct",
    operation_id="correctIncident",
    response_model=IncidentOut,
    responses=problem_responses(403, 404, 409, 422),
)
async def correct(
    report_id: ReportId,
    fields: IncidentFieldsIn,
    session: SessionDep,
    lead: LeadDep,
    settings: SettingsDep,
) -> IncidentOut:
    """Leads: publish a corrected version of an approved report's incident."""
    incident = await service.correct(session, lead, report_id, fields, settings)
    return incident_out(incident, settings)


@router.post(
    "/reports/{report_id}/retract",
    operation_id="retractIncident",
    response_model=IncidentOut,
    responses=problem_responses(403, 404, 409, 422),
)
async def retract(
    report_id: ReportId, body: RetractIn, session: SessionDep, lead: LeadDep, settings: SettingsDep
) -> IncidentOut:
    """Leads: retract a published incident. The hub receives a last version with no content
    and the reason's `category`, and the content of every earlier version is scrubbed."""
    incident = await service.retract(session, lead, report_id, body.reason, body.category)
    return incident_out(incident, settings)


@router.post(
    "/reports/{report_id}/confirm",
    operation_id="confirmApproval",
    response_model=IncidentOut,
    responses=problem_responses(403, 404, 409),
)
async def confirm(
    report_id: ReportId, session: SessionDep, lead: LeadDep, settings: SettingsDep
) -> IncidentOut:
    """Leads: publish an approval that waits (`awaiting_lead`), at the coarsest
    level if still rare. Not one's own approval (403 `own-approval`)."""
    incident = await confirmation.confirm(session, lead, report_id, settings)
    return incident_out(incident, settings)


@router.post(
    "/reports/{report_id}/send-back",
    operation_id="sendBackApproval",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(403, 404, 409, 422),
)
async def send_back(
    report_id: ReportId, body: RejectIn, session: SessionDep, lead: LeadDep
) -> None:
    """Leads: return an approval that waits to the queue; nothing is published."""
    await confirmation.send_back(session, lead, report_id, body.reason)
