"""From what a moderator stated to what the hub receives, at a generalisation level.

One function builds the published content, so the item in the feed and the
quasi-identifiers the rarity check compares (`quasi_identifiers`) can never disagree.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from core.settings import Settings
from hub import coarse
from hub.coarse import COARSENESS, MINOR_BANDS, Level, MinorOrAdult
from hub.codes import language_alpha3
from hub.facts import TriState, complete
from hub.fields import EventIn, IncidentFieldsIn, PlaceChoice
from hub.schemas import PlacePrecision
from models.media import Media
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
    WebsiteOrApp,
)

WITHHELD = "withheld"
NOT_REPORTED = TriState.NOT_REPORTED.value


@dataclass(frozen=True)
class Source:
    """What the content needs from the report, apart from the moderator's fields."""

    urgent: bool
    language: str | None
    point: tuple[float, float] | None  # the report's (already coarse) latitude, longitude
    media: tuple[Media, ...] = ()


def _place(event: EventIn, source: Source, resolution: int | None) -> dict[str, Any]:
    none: dict[str, Any] = {"country": None, "region": None, "cell": None}
    if event.place == PlaceChoice.NONE:
        return none | {"precision": PlacePrecision.WITHHELD}
    if event.place == PlaceChoice.CELL and source.point is not None and resolution is not None:
        cell = coarse.cell(*source.point, resolution)
        return none | {"precision": PlacePrecision.CELL, "country": event.country, "cell": cell}
    if event.place == PlaceChoice.REGION and resolution is not None:
        return none | {
            "precision": PlacePrecision.REGION,
            "country": event.country,
            "region": event.region,
        }
    if event.country is not None:
        return none | {"precision": PlacePrecision.COUNTRY, "country": event.country}
    return none | {"precision": PlacePrecision.NOT_REPORTED}


def _events(
    fields: IncidentFieldsIn, source: Source, settings: Settings, level: Level
) -> list[dict[str, Any]] | str:
    if not fields.events:
        return NOT_REPORTED
    resolution = coarse.cell_resolution(settings.hub_cell_resolution, level)
    unit = coarse.window_unit(settings.hub_time_window, level)
    return [
        {
            "type": event.type,
            "place": _place(event, source, resolution),
            "window": coarse.window(event.date_from, event.date_to, unit),
        }
        for event in fields.events
    ]


def _any_of(states: list[TriState]) -> TriState:
    """Minor (adult) is yes if any of its bands is, no if all are, otherwise unknown."""
    if TriState.YES in states:
        return TriState.YES
    if states and all(state == TriState.NO for state in states):
        return TriState.NO
    return TriState.NOT_REPORTED


def _ages(known: dict[AgeBand, TriState], level: Level) -> dict[str, Any]:
    if not COARSENESS[level].minor_adult:
        return {"scheme": "ctdc_age_broad", "bands": complete(AgeBand, known)}
    every = complete(AgeBand, known)
    minor = [TriState(every[band]) for band in AgeBand if band in MINOR_BANDS]
    adult = [TriState(every[band]) for band in AgeBand if band not in MINOR_BANDS]
    bands = {MinorOrAdult.MINOR: _any_of(minor), MinorOrAdult.ADULT: _any_of(adult)}
    return {"scheme": "minor_adult", "bands": complete(MinorOrAdult, bands)}


def _people(fields: IncidentFieldsIn, level: Level) -> dict[str, Any] | str:
    """Who was affected, or "withheld": not published at this level, known or not (saying
    which would itself tell the incidents apart)."""
    if COARSENESS[level].withhold_people:
        return WITHHELD
    count = fields.people_affected
    return {
        "count": NOT_REPORTED if count is None else coarse.count_band(count, level),
        "ages": _ages(fields.age_bands, level),
        "genders": complete(Gender, fields.genders),
        "citizenship": fields.citizenships or NOT_REPORTED,
    }


def build(
    fields: IncidentFieldsIn,
    source: Source,
    settings: Settings,
    level: Level,
    *,
    released_by_lead: bool = False,
) -> dict[str, Any]:
    """The incident's content as published at `level` (JSON-ready)."""
    language, script = language_alpha3(source.language)
    content = {
        "source": "community_app",
        "trafficking_status": fields.trafficking_status or NOT_REPORTED,
        "summary": fields.summary,
        "confidence": fields.confidence or "not_stated",
        "urgent": source.urgent,
        "original_language": language,
        "original_script": script,
        "exploitation_types": complete(ExploitationType, fields.exploitation_types),
        "forced_labour_industries": complete(ForcedLabourIndustry, fields.forced_labour_industries),
        "sexual_exploitation_types": complete(
            SexualExploitationType, fields.sexual_exploitation_types
        ),
        "control_methods": complete(ControlMethod, fields.control_methods),
        "recruitment_methods": complete(RecruitmentMethod, fields.recruitment_methods),
        "recruitment_websites_and_apps": complete(
            WebsiteOrApp, fields.recruitment_websites_and_apps
        ),
        "exploitation_websites_and_apps": complete(
            WebsiteOrApp, fields.exploitation_websites_and_apps
        ),
        "recruiter_relationships": complete(RecruiterRelationship, fields.recruiter_relationships),
        "indicators": complete(Indicator, fields.indicators),
        "people": _people(fields, level),
        "events": _events(fields, source, settings, level),
        "media": [
            {"media_id": str(media.id), "kind": media.kind, "content_type": media.mime}
            for media in source.media
        ],
        "generalisation": {
            "level": int(level),
            "cell_resolution": coarse.cell_resolution(settings.hub_cell_resolution, level),
            "window_unit": coarse.window_unit(settings.hub_time_window, level),
            "rarity_k": settings.hub_rarity_k,
            "released_by_lead": released_by_lead,
        },
    }
    return content


def quasi_identifiers(content: dict[str, Any]) -> str:
    """A key for what could single the incident out in the feed: each event's place and
    time window, and the people (count, ages, genders, citizenship), as published."""
    events = content["events"]
    if isinstance(events, list):
        events = sorted(
            json.dumps(
                [
                    event["type"],
                    {**event["place"], "cell": (event["place"]["cell"] or {}).get("id")},
                    event["window"],
                ],
                sort_keys=True,
            )
            for event in events
        )
    canonical = json.dumps([events, content["people"]], sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()
