"""What the phone app may send, and what it gets back; the OpenAPI spec is generated from here.

The rule for unknown fields is documented and simple: they are rejected with a 422 that
names them, never stored. Nothing in here identifies the phone.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.clock import utcnow
from core.schemas import BLANK_IS_NONE, PlausibleDatetime, StrictInput
from models.report import ReportStatus
from models.vocabulary import ExploitationType

TEXT_MAX_CHARS = 20_000
BCP47 = r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8}){0,4}$"

# Free-text place: at most 500 characters, blank means absent.
Place = Annotated[Annotated[str, Field(max_length=500)] | None, BLANK_IS_NONE]


class LocationIn(StrictInput):
    """Where it happened, as the phone measured it (WGS 84). Snapped to a grid of 0.001°
    (~110 m) before storage, and to 0.01° (~1 km) before anything reaches the hub."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"latitude": 19.4326, "longitude": -99.1332, "accuracy_m": 25}]
        }
    )

    latitude: float = Field(
        ge=-90,
        le=90,
        description="Degrees north (WGS 84), -90 to 90. Stored snapped to the ~110 m grid.",
        examples=[14.5995],
    )
    longitude: float = Field(
        ge=-180,
        le=180,
        description="Degrees east (WGS 84), -180 to 180. Stored snapped to the ~110 m grid.",
        examples=[120.9842],
    )
    accuracy_m: float | None = Field(
        default=None,
        ge=0,
        le=1_000_000,
        description="The phone's horizontal accuracy in metres (0 to 1,000,000), if known. "
        "Stored as no finer than the grid (~110 m).",
        examples=[25],
    )


class ReportIn(StrictInput):
    """A report from the STOP APP. Only `client_id` and `text` are required.

    Unknown fields are rejected with a 422 naming them, never stored. Strings are trimmed;
    NUL characters are refused. Give the time either as `occurred_at` or as an
    `occurred_from`/`occurred_to` window, never both; no time may be more than a day in the
    future. As a `multipart/form-data` part the JSON may be at most 256 KiB (configurable)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "client_id": "6f1c2a0e-2a6b-4c4e-9c1e-7d2b5b0f8a11",
                    "text": "Hay cinco mujeres encerradas en el taller de la calle 8, "
                    "no las dejan salir.",
                    "locale": "es-MX",
                    "urgent": True,
                    "location": {"latitude": 19.4326, "longitude": -99.1332, "accuracy_m": 25},
                    "place": "Taller textil, calle 8, colonia Centro",
                    "country": "MX",
                    "occurred_from": "2024-05-01T08:00:00-06:00",
                    "occurred_to": "2024-05-03T20:00:00-06:00",
                    "categories": ["ForcedLabour"],
                }
            ]
        }
    )

    client_id: uuid.UUID = Field(
        description="UUID the app makes for this submission and reuses on every retry: a "
        "retry gets the first answer (200); the same id with different content is a 422.",
        examples=["6f1c2a0e-2a6b-4c4e-9c1e-7d2b5b0f8a11"],
    )
    text: str = Field(
        min_length=1,
        max_length=TEXT_MAX_CHARS,
        description=f"What happened, in any language; 1 to {TEXT_MAX_CHARS:,} characters "
        "after trimming.",
        examples=["Hay cinco mujeres encerradas en el taller de la calle 8, no las dejan salir."],
    )
    locale: Annotated[str | None, Field(pattern=BCP47, max_length=35)] = Field(
        default=None,
        description="The phone's UI locale (BCP 47, at most 35 characters), a hint for "
        "language detection.",
        examples=["es-MX"],
    )
    urgent: bool = Field(
        default=False, description="Someone is in danger now; such reports are reviewed first."
    )
    location: LocationIn | None = Field(
        default=None,
        description="Coordinates from the phone, if the reporter shares them; snapped to ~110 m "
        "on intake and ~1 km before publication to the hub.",
    )
    place: Place = Field(
        default=None,
        description="Free-text place: a town, a street, a landmark; at most 500 characters "
        "(blank means absent).",
        examples=["Taller textil, calle 8, colonia Centro"],
    )
    country: Annotated[str | None, Field(pattern=r"^[A-Za-z]{2}$")] = Field(
        default=None,
        description="ISO 3166-1 alpha-2 country code of the place (any case; stored upper case).",
        examples=["MX"],
    )
    occurred_at: PlausibleDatetime | None = Field(
        default=None,
        description="When it happened, if known exactly (RFC 3339 with a UTC offset). Not "
        "together with occurred_from/occurred_to.",
        examples=["2024-05-02T14:30:00-06:00"],
    )
    occurred_from: PlausibleDatetime | None = Field(
        default=None,
        description="Start of the window in which it happened, if approximate (RFC 3339 with "
        "a UTC offset).",
    )
    occurred_to: PlausibleDatetime | None = Field(
        default=None,
        description="End of that window (RFC 3339 with a UTC offset); not before occurred_from.",
    )
    categories: list[ExploitationType] = Field(
        default_factory=list,
        max_length=len(ExploitationType),
        description="What the reporter thinks this is (HTCDS 2.0 types of exploitation); "
        "duplicates are dropped.",
        examples=[["ForcedLabour"]],
    )

    uploads: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=50,
        description="Ids of completed resumable uploads (/v1/uploads) to attach, e.g. a long "
        "video; at most 50, and they count toward the media limit per report (10 files by "
        "default).",
    )

    @model_validator(mode="after")
    def _check_times(self) -> ReportIn:
        if self.occurred_at and (self.occurred_from or self.occurred_to):
            raise ValueError("give either occurred_at or an occurred_from/occurred_to window")
        latest = utcnow() + timedelta(days=1)
        for moment in (self.occurred_at, self.occurred_from, self.occurred_to):
            if moment and moment > latest:
                raise ValueError("the time of the incident is in the future")
        if self.occurred_from and self.occurred_to and self.occurred_from > self.occurred_to:
            raise ValueError("occurred_from is after occurred_to")
        self.categories = sorted(set(self.categories))
        if self.country:
            self.country = self.country.upper()
        return self

    @property
    def window(self) -> tuple[datetime | None, datetime | None]:
        if self.occurred_at:
            return self.occurred_at, self.occurred_at
        return self.occurred_from, self.occurred_to


class ReportAccepted(BaseModel):
    """The answer to a submission; a retry with the same client_id gets the same body."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "report_id": "0b7e8c52-3c55-4f0e-8d0a-4f7b9f3e2d61",
                    "receipt": "lance-motocross-reapprove-frosting-preview-yippee",
                    "status": "received",
                }
            ]
        }
    )

    report_id: uuid.UUID = Field(description="The server's id of the report.")
    receipt: str = Field(
        description="Six words from the EFF long word list joined by hyphens (about 77 "
        "bits): the passphrase to follow the report (GET /v1/reports/mine). Shown only to this "
        "submission and its retries; the server keeps only a keyed hash of it. When typed "
        "back, case and spaces or hyphens between the words do not matter.",
        examples=["lance-motocross-reapprove-frosting-preview-yippee"],
    )
    status: ReportStatus = Field(
        description="Where the report stands; `received` until the pipeline has queued it."
    )


class ReporterMessage(BaseModel):
    """A message of the conversation as the reporter sees it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "5d1f0a9e-7a43-4a8e-9f0b-2c6d3e1b7a90",
                    "sender": "moderator",
                    "text": "¿Puede decirnos cuántas personas vio?",
                    "original_text": "Can you tell us how many people you saw?",
                    "translated": True,
                    "sent_at": "2024-05-04T10:15:00Z",
                }
            ]
        }
    )

    id: uuid.UUID = Field(description="The message's id.")
    sender: str = Field(description="'moderator' or 'reporter'.")
    text: str = Field(
        description="A moderator's question in the reporter's language where a translation "
        "exists; otherwise as written."
    )
    original_text: str = Field(description="What was written, untranslated.")
    translated: bool = Field(description="Whether `text` is a translation of `original_text`.")
    sent_at: datetime = Field(description="When the message was sent (UTC).")


class ReporterStatus(StrEnum):
    """A report's status as the reporter's app sees it: the statuses it has always known.
    States only the team works with are shown as the nearest of these (a report waiting for
    the reporter's answer is `in_review`, with `awaiting_answer`)."""

    RECEIVED = "received"
    QUEUED = "queued"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class ReporterView(BaseModel):
    """What the holder of a receipt may know: the status and the conversation."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "report_id": "0b7e8c52-3c55-4f0e-8d0a-4f7b9f3e2d61",
                    "status": "in_review",
                    "awaiting_answer": True,
                    "received_at": "2024-05-03T21:02:00Z",
                    "messages": [
                        {
                            "id": "5d1f0a9e-7a43-4a8e-9f0b-2c6d3e1b7a90",
                            "sender": "moderator",
                            "text": "¿Puede decirnos cuántas personas vio?",
                            "original_text": "Can you tell us how many people you saw?",
                            "translated": True,
                            "sent_at": "2024-05-04T10:15:00Z",
                        }
                    ],
                }
            ]
        }
    )

    report_id: uuid.UUID = Field(description="The report the receipt belongs to.")
    status: ReporterStatus = Field(
        description="Where the report stands; a report can be withdrawn while `received`, "
        "`queued` or `in_review`."
    )
    awaiting_answer: bool = Field(
        default=False,
        description="The moderators asked a question (see `messages`) and wait for the "
        "answer before they go on; the status is then `in_review`. Answering "
        "(POST /v1/reports/mine/messages) puts the report back in their queue.",
    )
    received_at: datetime = Field(description="When the report was received (UTC).")
    messages: list[ReporterMessage] = Field(
        description="The conversation with the moderators, oldest first."
    )


class ReplyIn(StrictInput):
    """The reporter's answer to the moderators."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"text": "Vi a cinco mujeres y dos niñas."}]}
    )

    text: str = Field(
        min_length=1,
        max_length=5000,
        description="The answer, in any language (it is translated for the moderators); "
        "1 to 5,000 characters after trimming.",
    )
