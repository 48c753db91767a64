"""What the phone app may send, and what it gets back; the OpenAPI spec is generated from here.

The rule for unknown fields is documented and simple: they are rejected with a 422 that
names them, never stored. Nothing in here identifies the phone.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from core.clock import utcnow
from core.schemas import StrictInput, optional_text
from models.report import ReportStatus
from models.vocabulary import ExploitationType

TEXT_MAX_CHARS = 20_000
BCP47 = r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8}){0,4}$"


class LocationIn(StrictInput):
    """Where it happened, as the phone measured it. Snapped to a ~110 m grid before storage."""

    latitude: float = Field(ge=-90, le=90, examples=[14.5995])
    longitude: float = Field(ge=-180, le=180, examples=[120.9842])
    accuracy_m: float | None = Field(default=None, ge=0, le=1_000_000, examples=[25])


class ReportIn(StrictInput):
    """A report from the STOP APP. Only `client_id` and `text` are required."""

    client_id: uuid.UUID = Field(
        description="UUID the app makes for this submission and reuses on every retry.",
        examples=["6f1c2a0e-2a6b-4c4e-9c1e-7d2b5b0f8a11"],
    )
    text: str = Field(
        min_length=1,
        max_length=TEXT_MAX_CHARS,
        description="What happened, in any language.",
        examples=["Hay cinco mujeres encerradas en el taller de la calle 8, no las dejan salir."],
    )
    locale: Annotated[str | None, Field(pattern=BCP47, max_length=35)] = Field(
        default=None,
        description="The phone's UI locale (BCP 47), a hint for language detection.",
        examples=["es-MX"],
    )
    urgent: bool = Field(default=False, description="Someone is in danger now.")
    location: LocationIn | None = None
    place: optional_text(500) = Field(
        default=None, description="Free-text place: a town, a street, a landmark."
    )
    country: Annotated[str | None, Field(pattern=r"^[A-Za-z]{2}$")] = Field(
        default=None, description="ISO 3166-1 alpha-2 country code of the place.", examples=["MX"]
    )
    occurred_at: AwareDatetime | None = Field(
        default=None, description="When it happened, if known exactly (with a UTC offset)."
    )
    occurred_from: AwareDatetime | None = Field(
        default=None, description="Start of the window in which it happened, if approximate."
    )
    occurred_to: AwareDatetime | None = Field(default=None, description="End of that window.")
    categories: list[ExploitationType] = Field(
        default_factory=list,
        max_length=len(ExploitationType),
        description="What the reporter thinks this is (HTCDS 2.0 types of exploitation).",
        examples=[["ForcedLabour"]],
    )

    uploads: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=50,
        description="Ids of completed resumable uploads (/v1/uploads) to attach, e.g. a long "
        "video; they count toward the media limit per report.",
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

    report_id: uuid.UUID
    receipt: str = Field(
        description="Passphrase to follow the report (GET /v1/reports/mine). Shown only to "
        "this submission and its retries; the server keeps only a hash of it.",
        examples=["lance-motocross-reapprove-frosting-preview-yippee"],
    )
    status: ReportStatus


class MessageOut(BaseModel):
    """A message as the reporter sees it."""

    id: uuid.UUID
    sender: str = Field(description="'moderator' or 'reporter'.")
    text: str = Field(description="In the reporter's language where a translation exists.")
    original_text: str = Field(description="What was written, untranslated.")
    translated: bool
    sent_at: datetime


class ReporterView(BaseModel):
    """What the holder of a receipt may know: the status and the conversation."""

    report_id: uuid.UUID
    status: ReportStatus
    received_at: datetime
    messages: list[MessageOut]


class ReplyIn(StrictInput):
    text: str = Field(min_length=1, max_length=5000)
