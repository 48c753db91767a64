"""The incident as the hub receives it (schema 2.0), in the vocabulary of HTCDS 2.0 and
the CTDC codebook.

Every feed item is an envelope (`incident_id`, `version`, `change`, `schema_version`)
around the incident's content. The content is null in a retraction and in every earlier
version of a retracted incident (scrubbed: a client starting afterwards never sees what
was retracted). Categorical facts are tri-state maps (see `hub.facts`); places are grid
cells, regions or countries; dates are windows; counts are bands; `generalisation` says
how coarse this item is and why. The published JSON Schema (`GET /v1/hub/schema`) is made
from these models.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from hub.coarse import CountBand, MinorOrAdult, WindowUnit
from hub.facts import FactsOf, TriState
from hub.fields import Confidence
from models.incident import IncidentChange, RetractionReason
from models.vocabulary import (
    AgeBand,
    ControlMethod,
    ExploitationType,
    ForcedLabourIndustry,
    Gender,
    Indicator,
    RecruiterRelationship,
    RecruitmentMethod,
    SexualExploitationType,
    TraffickingEventType,
    TraffickingStatus,
    WebsiteOrApp,
)

SCHEMA_VERSION: Literal["2.0"] = "2.0"
#: A whole feed item, as a hub reads it (also shown in docs/hub.md).
INCIDENT_EXAMPLE: JsonDict = json.loads(
    (Path(__file__).parent / "example_incident.json").read_text(encoding="utf-8")
)

NotReported = Literal["not_reported"]
Withheld = Literal["withheld"]
Alpha3 = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3.")]


class PlacePrecision(StrEnum):
    CELL = "cell"
    REGION = "region"
    COUNTRY = "country"
    WITHHELD = "withheld"  # the moderator chose to publish no place
    NOT_REPORTED = "not_reported"


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Centre(_Out):
    latitude: float = Field(ge=-90, le=90, description="Degrees north (WGS 84).")
    longitude: float = Field(ge=-180, le=180, description="Degrees east (WGS 84).")


class Cell(_Out):
    """An H3 cell: the same area wherever it is on Earth."""

    system: Literal["h3"] = Field(default="h3", description="The grid: Uber's H3.")
    id: str = Field(pattern=r"^[0-9a-f]{15}$", description="H3 cell index.")
    resolution: int = Field(ge=0, le=15, description="H3 resolution: 7 is ~5 km², 5 ~250.")
    centre: Centre = Field(description="The cell's centre, not the reported point.")
    area_km2: float = Field(gt=0, description="The cell's area.")


class Place(_Out):
    """Where an event happened, as precisely as was safe: a cell, a region, a country."""

    precision: PlacePrecision = Field(
        description="What is published: a `cell`, a `region`, the `country` only; `withheld` "
        "by the moderator; `not_reported`."
    )
    country: Alpha3 | None = Field(default=None, description="ISO 3166-1 alpha-3, if known.")
    region: str | None = Field(
        default=None, pattern=r"^[A-Z]{2}-[A-Z0-9]{1,3}$", description="ISO 3166-2, if published."
    )
    cell: Cell | None = Field(default=None, description="Set when `precision` is `cell`.")


class Window(_Out):
    """The whole month (quarter, year) the known dates fall in."""

    unit: WindowUnit = Field(description="month, quarter or year.")
    start: date = Field(description="First day of the window.")
    end: date = Field(description="Last day of the window.")


class Event(_Out):
    """HTCDS historic trafficking event (`hte_`)."""

    type: TraffickingEventType = Field(description="HTCDS hte_Type.")
    place: Place = Field(description="Where, as precisely as was safe.")
    window: Window | None = Field(description="Null: no date reported.")


class CtdcAges(_Out):
    scheme: Literal["ctdc_age_broad"] = Field(
        default="ctdc_age_broad", description="CTDC ageBroad bands."
    )
    bands: Annotated[dict[str, TriState], FactsOf(AgeBand)]


class MinorAdultAges(_Out):
    scheme: Literal["minor_adult"] = Field(
        default="minor_adult", description="Two bands, when finer ones would single people out."
    )
    bands: Annotated[dict[str, TriState], FactsOf(MinorOrAdult)]


class People(_Out):
    """Who was affected, without anything that names them."""

    count: CountBand | NotReported = Field(description="How many people, as a band.")
    ages: CtdcAges | MinorAdultAges = Field(
        discriminator="scheme", description="Ages of the people affected, tri-state per band."
    )
    genders: Annotated[dict[str, TriState], FactsOf(Gender)] = Field(
        description="CTDC gender, tri-state per value."
    )
    citizenship: Annotated[list[Alpha3], Field(min_length=1)] | NotReported = Field(
        description="ISO 3166-1 alpha-3 codes."
    )


class SharedMedia(_Out):
    """A sanitised photo, video or voice note a moderator chose to share with the hub."""

    media_id: uuid.UUID = Field(description="The sanitised file's id.")
    kind: str = Field(description="image, video or audio.")
    content_type: str = Field(description="Its media type, e.g. image/jpeg.")


class Generalisation(_Out):
    """How coarse this item is, so nobody mistakes a coarse place for a precise one."""

    level: int = Field(
        ge=0,
        le=3,
        description="0 as configured; 1 larger cells, longer windows, wider bands; 2 the "
        "same place and time, the people withheld; 3 the country and the year, the people "
        "withheld (rare incidents).",
    )
    cell_resolution: int | None = Field(description="H3 resolution of cells; null: none.")
    window_unit: WindowUnit = Field(description="The unit event dates are published in.")
    rarity_k: int = Field(ge=1, description="The k the rarity check used.")
    released_by_lead: bool = Field(description="Still rare at level 3; a lead released it.")


class IncidentContent(_Out):
    """The incident: what a moderator vetted, coarsened for pooling."""

    source: Literal["community_app"] = Field(
        default="community_app", description="Where the data comes from (HTCDS data source)."
    )
    trafficking_status: TraffickingStatus | NotReported = Field(
        description="HTCDS vic_TraffickingStatus."
    )
    summary: str = Field(description="The moderator's summary, redacted; the only free text.")
    confidence: Confidence | Literal["not_stated"] = Field(
        description="How far the moderator believes the report."
    )
    urgent: bool = Field(description="The reporter said someone was in danger.")
    original_language: str = Field(
        pattern=r"^[a-z]{3}$", description="ISO 639-3 (`spa`), `und` if undetected."
    )
    original_script: str | None = Field(
        default=None, pattern=r"^[A-Z][a-z]{3}$", description="ISO 15924, when not the usual."
    )
    exploitation_types: Annotated[dict[str, TriState], FactsOf(ExploitationType)]
    forced_labour_industries: Annotated[dict[str, TriState], FactsOf(ForcedLabourIndustry)]
    sexual_exploitation_types: Annotated[dict[str, TriState], FactsOf(SexualExploitationType)]
    control_methods: Annotated[dict[str, TriState], FactsOf(ControlMethod)]
    recruitment_methods: Annotated[dict[str, TriState], FactsOf(RecruitmentMethod)]
    recruitment_websites_and_apps: Annotated[dict[str, TriState], FactsOf(WebsiteOrApp)]
    exploitation_websites_and_apps: Annotated[dict[str, TriState], FactsOf(WebsiteOrApp)]
    recruiter_relationships: Annotated[dict[str, TriState], FactsOf(RecruiterRelationship)]
    indicators: Annotated[dict[str, TriState], FactsOf(Indicator)]
    people: People | Withheld = Field(
        description="Who was affected, banded; `withheld` (known or not) where it would "
        "single the incident out (generalisation levels 2 and 3)."
    )
    events: Annotated[list[Event], Field(min_length=1)] | NotReported = Field(
        description="Recruitment, transit, exploitation, each with its place and window."
    )
    media: list[SharedMedia] = Field(
        description="Media the moderator shared; empty when none (not a categorical fact)."
    )
    generalisation: Generalisation = Field(description="How coarse this item is.")


class Retraction(_Out):
    reason: RetractionReason = Field(description="Why the incident was retracted.")


class IncidentOut(_Out):
    """One version of an incident in the hub feed."""

    model_config = ConfigDict(json_schema_extra={"examples": [INCIDENT_EXAMPLE]})

    schema_version: Literal["2.0"] = Field(
        default=SCHEMA_VERSION, description="The version of this schema the item follows."
    )
    incident_id: uuid.UUID = Field(description="Stable across corrections and retractions.")
    version: int = Field(ge=1, description="1 when first published, one more with each change.")
    change: IncidentChange = Field(description="published, corrected or retracted.")
    published_at: datetime = Field(description="The hour this version was published (UTC).")
    incident: IncidentContent | None = Field(
        description="Null in a retraction, and in earlier versions of a retracted incident."
    )
    scrubbed: bool = Field(
        default=False, description="This version's content was removed by a later retraction."
    )
    retraction: Retraction | None = Field(default=None, description="Set in a retraction.")


class FeedPage(_Out):
    """A page of the feed, in publication order."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [INCIDENT_EXAMPLE], "next": "c2VxMToxMjg"}]}
    )

    items: list[IncidentOut] = Field(
        description="Incident versions published after the cursor; at most `limit` (100 by "
        "default, 1,000 at most)."
    )
    next: str | None = Field(
        description="Pass as `after` to get what was published since; opaque, stable, never an "
        "offset. Present even when `items` is empty once anything was read."
    )


class MediaLinkOut(_Out):
    """A short-lived link to a shared media file."""

    url: str = Field(
        description="GET it without credentials until `expires_at`: an S3 presigned URL, or "
        "a URL of this service signed for this file and this expiry."
    )
    expires_at: datetime = Field(description="When the link stops working (UTC).")
