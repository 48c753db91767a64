"""The incident as the hub receives it, speaking HTCDS 2.0 and the CTDC codebook.

What a moderator approves (`IncidentFieldsIn`) is what the hub sees, plus provenance
(language, urgency, publication order). Nothing that identifies a person is a field here,
and coordinates are coarsened again (~1 km) before publication. NULL means "not
reported", never "no" (the CTDC rule).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from core.schemas import StrictInput, optional_text
from models.incident import IncidentChange
from models.vocabulary import ExploitationType, TraffickingEventType


class IncidentFieldsIn(StrictInput):
    """The structured fields a moderator sets when approving a report."""

    summary: str = Field(
        min_length=1,
        max_length=5000,
        description="What happened, in the team's language, with identifying details removed.",
        examples=["Five women reportedly locked inside a garment workshop, not allowed to leave."],
    )
    types_of_exploitation: list[ExploitationType] = Field(
        default_factory=list, description="HTCDS vic_TypeOfExploitation."
    )
    event_type: TraffickingEventType | None = Field(default=None, description="HTCDS hte_Type.")
    country: Annotated[str | None, Field(pattern=r"^[A-Za-z]{3}$")] = Field(
        default=None, description="ISO 3166-1 alpha-3 (as in the CTDC codebook).", examples=["MEX"]
    )
    city: optional_text(200) = None
    date_from: date | None = None
    date_to: date | None = None
    include_location: bool = Field(
        default=True, description="Publish the report's coarsened coordinates (~1 km grid)."
    )
    victims_estimate: int | None = Field(default=None, ge=0, le=100_000)

    @model_validator(mode="after")
    def _normalise(self) -> IncidentFieldsIn:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_from is after date_to")
        self.types_of_exploitation = sorted(set(self.types_of_exploitation))
        if self.country:
            self.country = self.country.upper()
        return self


class IncidentLocation(BaseModel):
    latitude: float
    longitude: float
    precision_m: float = Field(description="The grid the coordinates were snapped to.")


class IncidentOut(BaseModel):
    """One version of an incident in the hub feed."""

    incident_id: uuid.UUID = Field(description="Stable across corrections and retractions.")
    version: int
    change: IncidentChange
    published_at: datetime
    summary: str | None = Field(default=None, description="Null in a retraction.")
    types_of_exploitation: list[ExploitationType] = Field(default_factory=list)
    event_type: TraffickingEventType | None = None
    country: str | None = None
    city: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    location: IncidentLocation | None = None
    victims_estimate: int | None = None
    urgent: bool = False
    original_language: str | None = None


class FeedPage(BaseModel):
    items: list[IncidentOut]
    next: str | None = Field(
        description="Pass as `after` to get what was published since; opaque, stable, never an "
        "offset. Present even when `items` is empty once anything was read."
    )
