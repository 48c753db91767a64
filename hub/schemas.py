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

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.config import JsonDict

from core.schemas import BLANK_IS_NONE, PlausibleDate, StrictInput
from models.incident import IncidentChange
from models.vocabulary import ExploitationType, TraffickingEventType

_INCIDENT_EXAMPLE: JsonDict = {
    "incident_id": "3e2f6a1b-8c4d-4e5f-9a0b-1c2d3e4f5a6b",
    "version": 1,
    "change": "published",
    "published_at": "2024-05-04T11:00:00Z",
    "summary": "Five women reportedly locked inside a garment workshop, not allowed to leave.",
    "types_of_exploitation": ["ForcedLabour"],
    "event_type": "Exploitation",
    "country": "MEX",
    "city": "Ciudad de México",
    "date_from": "2024-05-01",
    "date_to": "2024-05-03",
    "location": {"latitude": 19.43, "longitude": -99.13, "precision_m": 1113},
    "victims_estimate": 5,
    "urgent": True,
    "original_language": "es",
}


# What the moderator typed to publish the incident above.
_FIELDS_EXAMPLE: JsonDict = {
    **{
        name: _INCIDENT_EXAMPLE[name]
        for name in (
            "summary",
            "types_of_exploitation",
            "event_type",
            "country",
            "city",
            "date_from",
            "date_to",
            "victims_estimate",
        )
    },
    "include_location": True,
}

# A city or town: at most 200 characters, blank means absent.
City = Annotated[Annotated[str, Field(max_length=200)] | None, BLANK_IS_NONE]


class IncidentFieldsIn(StrictInput):
    """The structured fields a moderator sets when approving (or correcting) a report.

    Unknown fields are rejected (422). NULL / absent means "not reported", never "no"."""

    model_config = ConfigDict(json_schema_extra={"examples": [_FIELDS_EXAMPLE]})

    summary: str = Field(
        min_length=1,
        max_length=5000,
        description="What happened, in the team's language, with identifying details removed; "
        "1 to 5,000 characters.",
        examples=["Five women reportedly locked inside a garment workshop, not allowed to leave."],
    )
    types_of_exploitation: list[ExploitationType] = Field(
        default_factory=list,
        description="HTCDS vic_TypeOfExploitation; duplicates are dropped.",
    )
    event_type: TraffickingEventType | None = Field(
        default=None, description="HTCDS hte_Type: the stage of trafficking reported."
    )
    country: Annotated[str | None, Field(pattern=r"^[A-Za-z]{3}$")] = Field(
        default=None,
        description="ISO 3166-1 alpha-3 (as in the CTDC codebook); any case, stored upper case.",
        examples=["MEX"],
    )
    city: City = Field(
        default=None,
        description="City or town; at most 200 characters (blank means absent).",
        examples=["Ciudad de México"],
    )
    date_from: PlausibleDate | None = Field(
        default=None, description="First day the incident is known to have happened."
    )
    date_to: PlausibleDate | None = Field(
        default=None, description="Last day it is known to have happened; not before date_from."
    )
    include_location: bool = Field(
        default=True, description="Publish the report's coarsened coordinates (~1 km grid)."
    )
    victims_estimate: int | None = Field(
        default=None, ge=0, le=100_000, description="How many people, 0 to 100,000, if known."
    )

    @model_validator(mode="after")
    def _normalise(self) -> IncidentFieldsIn:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_from is after date_to")
        self.types_of_exploitation = sorted(set(self.types_of_exploitation))
        if self.country:
            self.country = self.country.upper()
        return self


class IncidentLocation(BaseModel):
    """Coordinates as published: snapped to a 0.01° grid (~1 km)."""

    latitude: float = Field(description="Degrees north (WGS 84), snapped to the ~1 km grid.")
    longitude: float = Field(description="Degrees east (WGS 84), snapped to the ~1 km grid.")
    precision_m: float = Field(
        description="Metres: the grid the coordinates were snapped to (~1,100 at the default "
        "0.01°), or the phone's accuracy if that was coarser."
    )


class IncidentOut(BaseModel):
    """One version of an incident in the hub feed. Null means "not reported" (or, in a
    retraction, withdrawn)."""

    model_config = ConfigDict(json_schema_extra={"examples": [_INCIDENT_EXAMPLE]})

    incident_id: uuid.UUID = Field(description="Stable across corrections and retractions.")
    version: int = Field(description="1 when first published, one more with each change.")
    change: IncidentChange = Field(description="What this version is.")
    published_at: datetime = Field(description="When this version was published (UTC).")
    summary: str | None = Field(default=None, description="Null in a retraction.")
    types_of_exploitation: list[ExploitationType] = Field(
        default_factory=list, description="HTCDS vic_TypeOfExploitation."
    )
    event_type: TraffickingEventType | None = Field(default=None, description="HTCDS hte_Type.")
    country: str | None = Field(
        default=None, description="ISO 3166-1 alpha-3, upper case (CTDC codebook)."
    )
    city: str | None = Field(default=None, description="City or town.")
    date_from: date | None = Field(default=None, description="First day it happened.")
    date_to: date | None = Field(default=None, description="Last day it happened.")
    location: IncidentLocation | None = Field(
        default=None,
        description="Coarsened coordinates (~1 km); null if none or the moderator withheld them.",
    )
    victims_estimate: int | None = Field(default=None, description="How many people, if known.")
    urgent: bool = Field(default=False, description="The reporter said someone was in danger.")
    original_language: str | None = Field(
        default=None,
        description="Language the report was written in: ISO 639-1 (`es`), with its "
        "script as a BCP 47 tag when typed in another one (`ur-Latn`: Urdu in Latin letters).",
    )


class FeedPage(BaseModel):
    """A page of the feed, in publication order."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [_INCIDENT_EXAMPLE], "next": "c2VxMToxMjg"}]}
    )

    items: list[IncidentOut] = Field(
        description="Incident versions published after the cursor; at most `limit` (100 by "
        "default, 1,000 at most)."
    )
    next: str | None = Field(
        description="Pass as `after` to get what was published since; opaque, stable, never an "
        "offset. Present even when `items` is empty once anything was read."
    )
