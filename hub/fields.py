"""What a moderator states when approving (or a lead when correcting) a report: the
incident in the field's vocabulary (HTCDS 2.0, CTDC), before it is coarsened for the hub.

Every categorical fact is a map from vocabulary value to yes / no / not reported; a value
left out is "not reported", never "no". The first version of this form (a list of
exploitation types, one event type, a country, a city, dates, `include_location`,
`victims_estimate`) is still accepted and read as what it honestly said: listed types are
"yes" and the others "not reported"; its event becomes the incident's one event. Its
`city` is not published: a free-text place escapes coarsening.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, ConfigDict, Field, model_validator
from pydantic.config import JsonDict

from core.schemas import BLANK_IS_NONE, PlausibleDate, StrictInput
from hub.codes import country_alpha3, subdivision
from hub.facts import TriState
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

MAX_EVENTS = 10
MAX_SHARED_MEDIA = 20
_DEPRECATED: JsonDict = {"deprecated": True}
#: The first version of the form; read into the current fields by the validators below.
LEGACY_FIELDS = frozenset(
    {
        "types_of_exploitation",
        "event_type",
        "country",
        "city",
        "date_from",
        "date_to",
        "include_location",
        "victims_estimate",
    }
)


class PlaceChoice(StrEnum):
    """How precisely the moderator lets an event's place be published."""

    CELL = "cell"  # the report's coordinates, as the grid cell they fall in
    REGION = "region"  # an ISO 3166-2 region (state, province) the moderator names
    COUNTRY = "country"  # the country alone
    NONE = "none"  # no place at all


class Confidence(StrEnum):
    """How far the moderator believes the report."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


Country = Annotated[str, Field(min_length=2, max_length=3), AfterValidator(country_alpha3)]
City = Annotated[Annotated[str, Field(max_length=200)] | None, BLANK_IS_NONE]


def _region_code(code: str) -> str:
    return subdivision(code)[0]


Region = Annotated[str, Field(min_length=4, max_length=6), AfterValidator(_region_code)]

_EVENT_EXAMPLE: JsonDict = {
    "type": "Exploitation",
    "place": "cell",
    "country": "MX",
    "date_from": "2024-05-01",
    "date_to": "2024-05-03",
}

_FIELDS_EXAMPLE: JsonDict = {
    "summary": "Five women reportedly locked inside a garment workshop, not allowed to leave.",
    "trafficking_status": "PossibleVictimOfTrafficking",
    "confidence": "medium",
    "exploitation_types": {"ForcedLabour": "yes", "SexualExploitation": "no"},
    "forced_labour_industries": {"C_Manufacturing": "yes"},
    "control_methods": {"WithholdsDocuments": "yes", "PhysicalAbuse": "not_reported"},
    "genders": {"Woman": "yes"},
    "people_affected": 5,
    "indicators": {"CannotLeaveFreely": "yes", "GuardedPremises": "yes"},
    "events": [_EVENT_EXAMPLE],
}


class EventIn(StrictInput):
    """One trafficking event (HTCDS `hte_`): its stage, where and when."""

    model_config = ConfigDict(json_schema_extra={"examples": [_EVENT_EXAMPLE]})

    type: TraffickingEventType = Field(description="HTCDS hte_Type.")
    place: PlaceChoice = Field(
        default=PlaceChoice.COUNTRY,
        description="`cell`: the report's coordinates as a grid cell (the country if the "
        "report has none); `region`: the region named here; `country`; `none`.",
    )
    country: Country | None = Field(
        default=None,
        description="ISO 3166-1 alpha-2 or alpha-3, any case; published as alpha-3.",
        examples=["MX", "MEX"],
    )
    region: Region | None = Field(
        default=None,
        description="ISO 3166-2 region code (e.g. `MX-CMX`), needed for `place: region`; its "
        "country is implied.",
        examples=["MX-CMX"],
    )
    date_from: PlausibleDate | None = Field(default=None, description="First day known.")
    date_to: PlausibleDate | None = Field(default=None, description="Last day known.")

    @model_validator(mode="after")
    def _consistent(self) -> EventIn:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_from is after date_to")
        if self.region is not None:
            region_country = subdivision(self.region)[1]
            if self.country is not None and self.country != region_country:
                raise ValueError(f"region {self.region} is not in {self.country}")
            self.country = region_country
        if self.place == PlaceChoice.REGION and self.region is None:
            raise ValueError("place `region` needs a region code")
        return self


def _legacy_event(data: dict[str, Any]) -> dict[str, Any] | None:
    """The one event the first version of the form described, if it described any."""
    keys = ("event_type", "country", "date_from", "date_to", "include_location")
    if not any(data.get(key) is not None for key in keys):
        return None
    place = PlaceChoice.CELL if data.get("include_location", True) else PlaceChoice.COUNTRY
    return {
        "type": data.get("event_type") or TraffickingEventType.EXPLOITATION,
        "place": place,
        "country": data.get("country"),
        "date_from": data.get("date_from"),
        "date_to": data.get("date_to"),
    }


def _facts(vocabulary: type[StrEnum], description: str) -> Any:
    return Field(
        default_factory=dict,
        description=f"{description} Values left out are not reported.",
        json_schema_extra={"propertyNames": {"enum": [member.value for member in vocabulary]}},
    )


class IncidentFieldsIn(StrictInput):
    """The incident a moderator approves. Unknown fields are rejected (422)."""

    model_config = ConfigDict(json_schema_extra={"examples": [_FIELDS_EXAMPLE]})

    summary: str = Field(
        min_length=1,
        max_length=5000,
        description="What happened, in the team's language, with identifying details removed; "
        "the only free text that reaches the hub.",
    )
    trafficking_status: TraffickingStatus | None = Field(
        default=TraffickingStatus.POSSIBLE_VICTIM,
        description="HTCDS vic_TraffickingStatus; null: not reported.",
    )
    confidence: Confidence | None = Field(
        default=None, description="How far the moderator believes the report; null: not stated."
    )
    exploitation_types: dict[ExploitationType, TriState] = _facts(
        ExploitationType, "HTCDS vic_TypeOfExploitation."
    )
    forced_labour_industries: dict[ForcedLabourIndustry, TriState] = _facts(
        ForcedLabourIndustry, "HTCDS vic_ForcedLabourIndustry (ISIC sections)."
    )
    sexual_exploitation_types: dict[SexualExploitationType, TriState] = _facts(
        SexualExploitationType, "HTCDS vic_TypeOfSexExploitation."
    )
    control_methods: dict[ControlMethod, TriState] = _facts(
        ControlMethod, "HTCDS vic_MethodsOfControl."
    )
    recruitment_methods: dict[RecruitmentMethod, TriState] = _facts(
        RecruitmentMethod, "HTCDS vic_MethodOfRecruitment."
    )
    recruitment_websites_and_apps: dict[WebsiteOrApp, TriState] = _facts(
        WebsiteOrApp, "HTCDS vic_RecruitmentWebsitesAndApps."
    )
    exploitation_websites_and_apps: dict[WebsiteOrApp, TriState] = _facts(
        WebsiteOrApp, "HTCDS vic_ExploitationWebsitesAndApps."
    )
    recruiter_relationships: dict[RecruiterRelationship, TriState] = _facts(
        RecruiterRelationship, "HTCDS vic_RelationshipToTrafficker."
    )
    genders: dict[Gender, TriState] = _facts(Gender, "CTDC gender of the people affected.")
    age_bands: dict[AgeBand, TriState] = _facts(AgeBand, "CTDC ageBroad of the people affected.")
    citizenships: list[Country] | None = Field(
        default=None,
        max_length=10,
        description="Citizenship of the people affected, ISO 3166-1 alpha-2 or alpha-3; null "
        "or empty: not reported.",
    )
    people_affected: int | None = Field(
        default=None, ge=0, le=100_000, description="How many people; published as a band."
    )
    indicators: dict[Indicator, TriState] = _facts(Indicator, "Indicators the reporter saw.")
    events: list[EventIn] = Field(
        default_factory=list,
        max_length=MAX_EVENTS,
        description="Recruitment, transit, exploitation: each with its place and dates. "
        "Empty: not reported.",
    )
    shared_media: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=MAX_SHARED_MEDIA,
        description="Ids of the report's sanitised media the hub may download.",
    )

    # The first version of the form, still accepted (see the module's docstring).
    types_of_exploitation: list[ExploitationType] = Field(
        default_factory=list,
        json_schema_extra=_DEPRECATED,
        description="Deprecated: listed types count as `exploitation_types: yes`.",
    )
    event_type: TraffickingEventType | None = Field(
        default=None, json_schema_extra=_DEPRECATED, description="Deprecated: use `events`."
    )
    country: Country | None = Field(
        default=None, json_schema_extra=_DEPRECATED, description="Use `events`."
    )
    city: City = Field(
        default=None, json_schema_extra=_DEPRECATED, description="Accepted, never published."
    )
    date_from: PlausibleDate | None = Field(
        default=None, json_schema_extra=_DEPRECATED, description="Use `events`."
    )
    date_to: PlausibleDate | None = Field(
        default=None, json_schema_extra=_DEPRECATED, description="Use `events`."
    )
    include_location: bool | None = Field(
        default=None, json_schema_extra=_DEPRECATED, description="Use `events[].place`."
    )
    victims_estimate: int | None = Field(
        default=None,
        ge=0,
        le=100_000,
        json_schema_extra=_DEPRECATED,
        description="Use `people_affected`.",
    )

    @model_validator(mode="before")
    @classmethod
    def _read_first_version(cls, data: Any) -> Any:
        if not isinstance(data, dict) or data.get("events"):
            return data
        event = _legacy_event(data)
        return data | {"events": [event]} if event is not None else data

    @model_validator(mode="after")
    def _merge_first_version(self) -> IncidentFieldsIn:
        for kind in self.types_of_exploitation:
            self.exploitation_types.setdefault(kind, TriState.YES)
        if self.people_affected is None:
            self.people_affected = self.victims_estimate
        if self.citizenships is not None:
            self.citizenships = sorted(set(self.citizenships)) or None
        self.shared_media = list(dict.fromkeys(self.shared_media))
        return self
