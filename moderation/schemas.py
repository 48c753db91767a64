"""What moderators see and send through the JSON API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from core.schemas import StrictInput
from lifecycle.states import Action
from models.incident import RetractionReason
from models.report import ReportStatus, TranslationStatus
from moderation.audit import AuditAction
from moderation.redaction_schemas import RedactionOut

_UTC = " (UTC)"


class LoginIn(StrictInput):
    """A moderator's credentials, as JSON or as an OAuth2 password form."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"username": "analyst", "password": "correct horse battery staple"}]
        }
    )

    username: str = Field(min_length=1, max_length=64, description="1 to 64 characters.")
    password: str = Field(min_length=1, max_length=1024, description="1 to 1,024 characters.")
    otp: str | None = Field(
        default=None,
        max_length=32,
        description="With two-factor login: the 6-digit code of the authenticator app, or one "
        "of the account's recovery codes (each works once). Ignored for accounts without a "
        "second factor. At most 32 characters.",
    )


class TokenOut(BaseModel):
    """A bearer token for the moderation API."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"access_token": "stopmod_q3Vb0T…", "token_type": "bearer", "expires_in": 43200}
            ]
        }
    )

    access_token: str = Field(description="Opaque; send as `Authorization: Bearer <access_token>`.")
    token_type: str = Field(default="bearer", description="Always `bearer`.")
    expires_in: int = Field(
        description="Seconds until the token expires (12 h by default); it ends sooner when "
        "unused for 30 minutes (`STOP_MODERATOR_IDLE_MINUTES`)."
    )


def _answered_at() -> Any:
    return Field(
        default=None,
        description="When the reporter's answer to a question brought the report back to the "
        "queue" + _UTC + ", to the minute; null if none was asked or a newer question waits. "
        "Answered reports come before the others of the same urgency.",
    )


class QueueCluster(BaseModel):
    """The place cluster a listed report is in: open reports about the same area received
    within days of each other, which the console shows as one line with its count."""

    lead: uuid.UUID = Field(
        description="The report that leads the cluster's line on this page: the first of the "
        "cluster in the queue's order (the report itself when it leads). A client that shows "
        "one line per cluster, as the console does, folds the others into it."
    )
    count: int = Field(
        ge=2,
        description="Open reports (`queued`, `in_review`) in the cluster, on any page: those "
        "about the same area of about 5 km² (an H3 cell of resolution 7) received within 3 "
        "days of the lead.",
    )
    days: int = Field(ge=1, description="Days from its first report to its last, at least 1.")
    summary: str = Field(
        description="The same in words, as the console says it: `7 reports about this place "
        "in 3 days`."
    )


class QueueItem(BaseModel):
    """A report awaiting a decision, as listed in the queue."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "0b7e8c52-3c55-4f0e-8d0a-4f7b9f3e2d61",
                    "status": "in_review",
                    "urgent": True,
                    "received_at": "2024-05-03T21:02:00Z",
                    "language": "es",
                    "translation_status": "done",
                    "excerpt": "There are five women locked in the workshop on 8th street…",
                    "media_count": 3,
                    "claimed_by": "analyst",
                    "claim_expires_at": "2024-05-04T10:45:00Z",
                    "answered_at": None,
                }
            ]
        }
    )

    id: uuid.UUID = Field(description="The report's id.")
    status: ReportStatus = Field(
        description="`queued` or `in_review`; a decided state only when the `status` filter "
        "asks for it."
    )
    urgent: bool = Field(description="The reporter said someone is in danger now.")
    received_at: datetime = Field(description="When the report was received" + _UTC + ".")
    language: str | None = Field(
        description="Detected language of the text: ISO 639-1 (`es`), or a BCP 47 tag with "
        "its script when typed in another one (`ur-Latn`); `und` if undecided, null until "
        "detected."
    )
    translation_status: TranslationStatus = Field(
        description="Progress of the translation into the team's language."
    )
    excerpt: str = Field(
        description="The first 240 characters, translated where a translation exists."
    )
    media_count: int = Field(description="How many sanitised media files the report has.")
    claimed_by: str | None = Field(
        description="Username of the moderator holding the claim, if any (it may have expired)."
    )
    claim_expires_at: datetime | None = Field(
        description="When the claim lapses" + _UTC + "; after that anyone may claim it."
    )
    answered_at: datetime | None = _answered_at()
    tags: list[str] = Field(
        default_factory=list,
        description="The team's labels on the report (`spam-wave-nov`), in alphabetical order.",
    )
    cluster: QueueCluster | None = Field(
        default=None,
        description="Set when the report is one of at least two open reports about the same "
        "place within days (`moderation/clusters.py`), on the lead of its line and on the "
        "page's other members alike; null otherwise (and for decided reports).",
    )


class QueuePage(BaseModel):
    """One page of the queue: urgent reports first, then reports the reporter has answered
    a question about, then oldest first. Reports waiting for an answer (`needs_info`) are
    in it only when asked for."""

    items: list[QueueItem] = Field(description="At most `limit` reports (50 by default).")
    next: str | None = Field(
        default=None,
        description="Opaque cursor of the next page: send it back as `after` with the same "
        "filters. Null on the last page.",
    )
    urgent_open: int = Field(
        default=0,
        description="How many urgent reports await a decision (`queued` or `in_review`), "
        "whatever the filters: a view that leaves some out can say so.",
    )


class MediaOut(BaseModel):
    """A sanitised media file of a report; fetch it from GET /v1/moderation/media/{id}."""

    id: uuid.UUID = Field(description="The file's id.")
    kind: str = Field(description="`image`, `video` or `audio`.")
    mime: str = Field(
        description="Media type of the stored, sanitised file.", examples=["image/jpeg"]
    )
    size_bytes: int = Field(description="Size of the stored file in bytes.")
    reencoded: bool = Field(
        description="Whether the sanitiser re-encoded the content (rather than only stripping "
        "metadata)."
    )
    notes: str = Field(description="What the sanitiser did or dropped; empty if nothing notable.")


class HistoryEntry(BaseModel):
    """One line of the report's audit trail."""

    at: datetime = Field(description="When it happened" + _UTC + ".")
    action: str = Field(
        description="`viewed`, `viewed_media`, `claimed`, `released`, `approved`, `rejected`, "
        "`asked_reporter`, `rejection_undone`, `reopened`, `reassigned`, `corrected` or "
        "`retracted`."
    )
    moderator: str | None = Field(
        description="Username of who did it; null if the account no longer exists."
    )
    detail: dict[str, Any] = Field(
        description="Action-specific details, e.g. `reason` or `media_id`; never report text."
    )
    changes: dict[str, list[Any]] = Field(
        default_factory=dict,
        description="What the action changed: each field's `[before, after]` (e.g. `status`, "
        "`claimed_by`, `incident.types_of_exploitation`). Free text that carries report "
        'content appears as its length (`{"chars": 84}`). Empty for actions that change '
        "nothing, such as viewing.",
    )


class TranslationOut(BaseModel):
    """The machine translation of the report into the team's language."""

    status: TranslationStatus = Field(description="Progress of the translation.")
    text: str | None = Field(description="The translated text; null unless `status` is `done`.")
    engine: str | None = Field(
        description="What translated it, with its version.", examples=["argos-translate 1.9.6"]
    )
    model_version: str | None = Field(description="Version of the translation model used.")
    path: str | None = Field(description="'direct', or 'pivot:en' when it went through English.")
    score: float | None = Field(
        description="How much to trust the text: the model's mean token probability, 0 to 1 "
        "(multiplied over the hops of a pivot)."
    )


class MessageOut(BaseModel):
    """A message with its original beside its translation, so the moderator can check both."""

    id: uuid.UUID = Field(description="The message's id.")
    sender: str = Field(description="'moderator' or 'reporter'.")
    text: str = Field(description="What was written, untranslated.")
    source_language: str | None = Field(description="Language `text` is in, if known.")
    target_language: str | None = Field(description="Language it is translated into.")
    translation_status: TranslationStatus = Field(description="Progress of the translation.")
    translated_text: str | None = Field(
        description="The translation; null unless `translation_status` is `done`."
    )
    translation_path: str | None = Field(description="'direct', or 'pivot:en' via English.")
    translation_score: float | None = Field(
        description="How much to trust the translation, 0 to 1 (see TranslationOut.score)."
    )
    created_at: datetime = Field(description="When the message was sent" + _UTC + ".")


class AskIn(StrictInput):
    """A question for the reporter."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"text": "Can you tell us how many people you saw?"}]}
    )

    text: str = Field(
        min_length=1,
        max_length=5000,
        description="In the team's language; it is translated. 1 to 5,000 characters.",
    )


class MergedReport(BaseModel):
    """A duplicate merged into the report being read: one more source of the same thing."""

    id: uuid.UUID = Field(description="The merged report's id.")
    received_at: datetime = Field(description="When it was received" + _UTC + ".")
    language: str | None = Field(description="Its detected language.")
    excerpt: str = Field(
        description="The beginning of its translation (or its text where none was needed)."
    )
    media_count: int = Field(description="How many sanitised media files it has.")


class ReportDetail(BaseModel):
    """Everything a moderator may see of a report; reading it is audited."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "0b7e8c52-3c55-4f0e-8d0a-4f7b9f3e2d61",
                    "status": "in_review",
                    "urgent": True,
                    "received_at": "2024-05-03T21:02:00Z",
                    "text": "Hay cinco mujeres encerradas en el taller de la calle 8, no las "
                    "dejan salir.",
                    "locale": "es-MX",
                    "app_check": "verified",
                    "language": "es",
                    "language_confidence": 0.98,
                    "translation": {
                        "status": "done",
                        "text": "There are five women locked in the workshop on 8th street, "
                        "they are not allowed to leave.",
                        "engine": "argos-translate 1.9.6",
                        "model_version": "1.0",
                        "path": "direct",
                        "score": 0.81,
                    },
                    "location": {"latitude": 19.433, "longitude": -99.133, "accuracy_m": 111},
                    "place": "Taller textil, calle 8, colonia Centro",
                    "country": "MX",
                    "occurred_from": "2024-05-01T14:00:00Z",
                    "occurred_to": "2024-05-04T02:00:00Z",
                    "categories": ["ForcedLabour"],
                    "media": [
                        {
                            "id": "9a3c1e7b-1f0d-4b8e-a2c4-6d5e7f8a9b0c",
                            "kind": "image",
                            "mime": "image/jpeg",
                            "size_bytes": 482133,
                            "reencoded": True,
                            "notes": "",
                        }
                    ],
                    "claimed_by": "analyst",
                    "claim_expires_at": "2024-05-04T10:45:00Z",
                    "messages": [],
                    "actions": ["claim", "release", "ask", "approve", "reject"],
                    "history": [
                        {
                            "at": "2024-05-04T10:15:00Z",
                            "action": "claimed",
                            "moderator": "analyst",
                            "detail": {},
                        }
                    ],
                }
            ]
        }
    )

    id: uuid.UUID = Field(description="The report's id.")
    status: ReportStatus = Field(
        description="Where the report stands in moderation; `needs_info` while it waits for "
        "the reporter's answer to a question."
    )
    urgent: bool = Field(description="The reporter said someone is in danger now.")
    received_at: datetime = Field(description="When the report was received" + _UTC + ".")
    text: str = Field(description="What the reporter wrote, untranslated.")
    locale: str | None = Field(description="The phone's UI locale (BCP 47), if sent.")
    app_check: str | None = Field(
        description="App attestation: verified, not-checked (off), or why it failed (monitor)."
    )
    language: str | None = Field(
        description="Detected language of the text: ISO 639-1 (`es`), or a BCP 47 tag with "
        "its script when typed in another one (`ur-Latn`); `und` if undecided, null until "
        "detected."
    )
    language_confidence: float | None = Field(
        description="Confidence of the language detection, 0 to 1."
    )
    translation: TranslationOut = Field(description="The text in the team's language.")
    location: dict[str, Any] | None = Field(
        description="`latitude`, `longitude` (degrees, snapped to the ~110 m intake grid) and "
        "`accuracy_m` (metres, never finer than the grid); null if none was sent."
    )
    place: str | None = Field(description="The reporter's free-text place.")
    country: str | None = Field(description="ISO 3166-1 alpha-2 country code, upper case.")
    occurred_from: datetime | None = Field(
        description="Start of when it happened" + _UTC + "; equal to `occurred_to` when exact."
    )
    occurred_to: datetime | None = Field(description="End of when it happened" + _UTC + ".")
    categories: list[str] = Field(
        description="The reporter's hints, HTCDS 2.0 types of exploitation."
    )
    media: list[MediaOut] = Field(description="The sanitised media files, oldest first.")
    claimed_by: str | None = Field(description="Username of the moderator holding the claim.")
    claim_expires_at: datetime | None = Field(description="When the claim lapses" + _UTC + ".")
    messages: list[MessageOut] = Field(description="The conversation with the reporter.")
    answered_at: datetime | None = _answered_at()
    actions: list[Action] = Field(
        description="What the calling moderator may do to this report now, by the action table "
        "(role, state and claim): `claim` (or renew one's own claim) and `ask` while it is "
        "undecided and nobody else holds a live claim; `release`, `approve` and `reject` for "
        "the holder of the claim; `undo` of a rejection for the moderator who rejected it (or "
        "a lead or admin) within `STOP_UNDO_WINDOW_SECONDS`; `merge` into another report for "
        "the holder of the claim; `reassign` for leads and admins "
        "while undecided, `reopen` once rejected, `correct` and `retract` once approved. Any "
        "other action is answered 403 or 409."
    )
    history: list[HistoryEntry] = Field(description="The audit trail, oldest first.")
    merged_into: uuid.UUID | None = Field(
        default=None,
        description="A duplicate merged into another report: that report's id (this one is "
        "then `rejected` with the reason `duplicate`).",
    )
    merged: list[MergedReport] = Field(
        default_factory=list,
        description="The duplicates merged into this report, oldest first: every source is "
        "kept, and each stays readable with `getReport`.",
    )
    tags: list[str] = Field(
        default_factory=list,
        description="The team's labels on the report (`spam-wave-nov`), in alphabetical order.",
    )
    redactions: list[RedactionOut] = Field(
        default_factory=list,
        description="The spans hidden in `text`, `translation.text` and the messages, each "
        "shown as `[redacted: <reason>]`; a text whose redactions need a re-check is hidden "
        "whole (`[redacted: re-check needed]`). Leads and admins read the originals with "
        "`original=true`.",
    )
    original: bool = Field(
        default=False,
        description="True when the texts are the originals with no redaction applied (a "
        "lead or admin asked `original=true`); false: redacted as everyone else sees them.",
    )


class SuggestionReason(BaseModel):
    """One reason a report is suggested: a signal and its measure."""

    kind: Literal["similar_text", "same_photo", "near", "same_country"] = Field(
        description="`similar_text`: the texts (translations where there are) share many "
        "character trigrams (`score`, 0 to 1); `same_photo`: a photo of each differs in few "
        "bits of its perceptual hash (`distance`, of 64); `near`: the stored coarse positions "
        "are `km` apart; `same_country`: the same country, received `days` apart."
    )
    score: float | None = Field(default=None, description="Text similarity, 0 to 1.")
    distance: int | None = Field(
        default=None, description="Bits that differ between the two photos' hashes (0 to 64)."
    )
    km: float | None = Field(default=None, description="Distance between the positions.")
    days: float | None = Field(default=None, description="Days between the two receipts.")
    text: str = Field(description="The reason in words, as the console shows it.")


class DuplicateSuggestion(BaseModel):
    """A report that may be about the same thing as the one asked about."""

    id: uuid.UUID = Field(description="The suggested report's id.")
    status: ReportStatus = Field(description="Where it stands in moderation.")
    received_at: datetime = Field(description="When it was received" + _UTC + ".")
    language: str | None = Field(description="Its detected language.")
    country: str | None = Field(description="Its ISO 3166-1 alpha-2 country code.")
    excerpt: str = Field(
        description="The beginning of its translation (or its text where none was needed)."
    )
    rank: float = Field(
        description="How strongly it is suggested (higher first): text similarity, plus a "
        "photo match, plus closeness, plus a little for the same country within days."
    )
    reasons: list[SuggestionReason] = Field(description="Why it is suggested, strongest first.")


class DuplicateList(BaseModel):
    """Likely duplicates and reports about nearby places, strongest first."""

    report_id: uuid.UUID = Field(description="The report the suggestions are for.")
    window_days: int = Field(
        description="Suggestions come from reports received this many days before or after it."
    )
    items: list[DuplicateSuggestion] = Field(description="At most 10 suggestions.")


class MergeIn(StrictInput):
    """Which report a duplicate is merged into."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"into": "0b7e8c52-3c55-4f0e-8d0a-4f7b9f3e2d61"}]}
    )

    into: uuid.UUID = Field(
        description="The primary report's id: not this report, not one merged into another, "
        "and not rejected or withdrawn (otherwise `422 invalid-merge-target`)."
    )


class RejectIn(StrictInput):
    """Why a report is rejected, or a published incident retracted."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "Duplicate of an earlier report."}]}
    )

    reason: str = Field(
        min_length=1,
        max_length=1000,
        description="Why; kept for good in the append-only audit trail, so never quote the "
        "report or name a person in it. 1 to 1,000 characters.",
    )


class ReassignIn(StrictInput):
    """Whom a lead gives the report's claim to."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"moderator": "analyst"}]})

    moderator: str = Field(
        min_length=1,
        max_length=64,
        description="Username of an active account (any role; the lead's own takes it over). "
        "1 to 64 characters.",
    )


class ClaimOut(BaseModel):
    """A claim on a report: a lease, renewed by claiming again."""

    id: uuid.UUID = Field(description="The report's id.")
    status: ReportStatus = Field(description="`in_review` once claimed.")
    claimed_by: str = Field(description="Username of the moderator holding the claim.")
    claim_expires_at: datetime = Field(
        description="When the claim lapses" + _UTC + " (30 min after claiming by default)."
    )


class RetractIn(RejectIn):
    """Why a published incident is retracted: words for the audit trail, a category for
    the hub."""

    category: RetractionReason = Field(
        default=RetractionReason.OTHER,
        description="What the hub is told: `reidentification_risk`, `inaccurate`, "
        "`duplicate`, `withdrawn_by_reporter` or `other`.",
    )


class ApprovalHeld(BaseModel):
    """An approval that waits for a lead: nothing was published."""

    report_id: uuid.UUID = Field(description="The approved report.")
    status: Literal["awaiting_lead"] = Field(
        default="awaiting_lead", description="The report's status now."
    )
    hold_reason: Literal["rare", "four_eyes"] = Field(
        default="rare",
        description="`rare`: the incident's place, time and people match fewer than k "
        "incidents in the feed even at the coarsest level; `four_eyes`: the four-eyes "
        "policy (`STOP_FOUR_EYES`) asks a lead to confirm this approval.",
    )


class AuditEventOut(BaseModel):
    """One event of the audit trail."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 1842,
                    "at": "2024-05-04T10:31:07Z",
                    "moderator": "analyst",
                    "action": "rejected",
                    "report_id": "0b7e8c52-3c55-4f0e-8d0a-4f7b9f3e2d61",
                    "changes": {
                        "status": ["in_review", "rejected"],
                        "claimed_by": ["analyst", None],
                        "rejection_reason": [None, "Duplicate of an earlier report."],
                    },
                    "detail": {"reason": "Duplicate of an earlier report."},
                }
            ]
        }
    )

    id: int = Field(description="The event's id: increasing, the order events were written.")
    at: datetime = Field(description="When it happened (UTC).")
    moderator: str | None = Field(
        description="Username of who did it; null for the command line (`detail.via`) or a "
        "failed login of an unknown name."
    )
    action: AuditAction = Field(description="What happened.")
    report_id: uuid.UUID | None = Field(description="The report it concerns, if any.")
    changes: dict[str, list[Any]] = Field(
        description="What it changed: each field's `[before, after]`. Free text that carries "
        'report content appears as its length (`{"chars": 84}`), secrets as `"(secret)"`. '
        "Empty for events that change nothing (viewing, logging in) and for events written "
        "before changes were recorded."
    )
    detail: dict[str, Any] = Field(
        description="The action's parameters, e.g. `reason`, `media_id`, `via`; never report "
        "text or a secret."
    )


class AuditPage(BaseModel):
    """A page of the audit trail, oldest first."""

    items: list[AuditEventOut] = Field(description="At most `limit` events.")
    next: int | None = Field(
        description="Pass as `after` for the next page; null when this page reached the end "
        "(then poll with the last item's `id`)."
    )
