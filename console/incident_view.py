"""The incident as the console shows it: the starting values of the approval and the
correction forms, and a compact read-only view of an approval waiting for a lead (the
moderator's fields) or of the incident as published (the hub's schema 2.0 content).

Starting values are what the form would send, keyed by its field names
(`console.forms`), plus hints that say where a value came from: a value the console
suggests is shown as a suggestion, never slipped in silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from console.facts import FACT_GROUPS, GROUPS_BY_NAME, FactGroup, fact_words
from console.forms import EVENT_SLOTS, NOT_REPORTED
from console.wording import vocabulary_words
from hub.coarse import CountBand, Level
from hub.codes import country_alpha3
from hub.facts import TriState
from hub.fields import MAX_EVENTS, EventIn, IncidentFieldsIn, PlaceChoice
from hub.schemas import CtdcAges, Event, IncidentContent, People, PlacePrecision
from models.vocabulary import ExploitationType, TraffickingEventType, TraffickingStatus
from moderation.schemas import ReportDetail

Values = dict[str, Any]
Hints = dict[str, str]

FROM_REPORTER = "from the reporter"
# Count bands that hold a range a correction can restate by its first number; the wide
# bands ("1-10", "11+") cannot: their first number would publish a finer band than known.
_RESTATABLE = {
    CountBand.NONE: 0,
    CountBand.ONE: 1,
    CountBand.TWO_TO_FIVE: 2,
    CountBand.SIX_TO_TEN: 6,
    CountBand.ELEVEN_TO_FIFTY: 11,
    CountBand.FIFTY_ONE_PLUS: 51,
}
_PLACE_OF_PRECISION = {
    PlacePrecision.CELL: PlaceChoice.CELL,
    PlacePrecision.REGION: PlaceChoice.REGION,
    PlacePrecision.COUNTRY: PlaceChoice.COUNTRY,
    PlacePrecision.WITHHELD: PlaceChoice.NONE,
    PlacePrecision.NOT_REPORTED: PlaceChoice.COUNTRY,
}


def event_slots(values: Values) -> int:
    """How many event slots the form shows: three, or one more than are filled."""
    filled = [
        slot
        for slot in range(MAX_EVENTS)
        if any(values.get(f"events.{slot}.{name}") for name in ("type", "country", "region"))
    ]
    return min(MAX_EVENTS, max(EVENT_SLOTS, (max(filled) + 2) if filled else 0))


def _alpha3(code: str | None) -> str:
    if not code:
        return ""
    try:
        return country_alpha3(code)
    except ValueError:
        return code


def approval_values(report: ReportDetail) -> tuple[Values, Hints]:
    """The approval form's starting values, from what the reporter gave: the reporter's
    categories as "yes" marked as theirs, and one event from the report's country, place
    and dates (a suggestion the moderator checks)."""
    values: Values = {"trafficking_status": TraffickingStatus.POSSIBLE_VICTIM.value}
    hints: Hints = {}
    known = {member.value for member in ExploitationType}
    for category in report.categories:
        if category in known:
            values[f"exploitation_types.{category}"] = TriState.YES.value
            hints[f"exploitation_types.{category}"] = FROM_REPORTER
    dates = [moment for moment in (report.occurred_from, report.occurred_to) if moment]
    if report.country or report.location or dates:
        values |= {
            "events.0.type": TraffickingEventType.EXPLOITATION.value,
            "events.0.place": PlaceChoice.CELL if report.location else PlaceChoice.COUNTRY,
            "events.0.country": _alpha3(report.country),
            "events.0.date_from": dates[0].date().isoformat() if dates else "",
            "events.0.date_to": dates[-1].date().isoformat() if dates else "",
        }
        hints["events.0"] = (
            "Suggested from the report's country, location and dates: check each, and the "
            "stage, or clear the event."
        )
    return values, hints


def _fact_values(name: str, facts: Mapping[str, Any]) -> Values:
    return {f"{name}.{value}": str(state) for value, state in facts.items()}


def _restate_people(people: People, values: Values, hints: Hints) -> None:
    """Restate what the incident published of its people, where that keeps its meaning."""
    values |= _fact_values("genders", people.genders)
    if isinstance(people.ages, CtdcAges):
        values |= _fact_values("age_bands", people.ages.bands)
    else:
        stated = ", ".join(f"{band}: {state}" for band, state in people.ages.bands.items())
        hints["age_bands"] = f"Published as minor / adult ({stated}): restate the bands."
    if people.count in _RESTATABLE:
        values["people_affected"] = str(_RESTATABLE[CountBand(people.count)])
        hints["people_affected"] = f"Published as the band {people.count}."
    elif people.count != NOT_REPORTED:
        hints["people_affected"] = f"Published as the band {people.count}: enter the number."
    if isinstance(people.citizenship, list):
        values["citizenships"] = ", ".join(people.citizenship)


def correction_values(content: IncidentContent) -> tuple[Values, Hints]:
    """The correction form's starting values: the incident as last published. What the
    hub received coarser than the moderator stated it (a count band, a date window, ages
    as minor / adult, withheld genders) is restated where that keeps its meaning and
    otherwise left for the lead, with a hint saying what was published."""
    values: Values = {
        "summary": content.summary,
        "trafficking_status": str(content.trafficking_status),
        "confidence": "" if content.confidence == "not_stated" else str(content.confidence),
        "shared_media": [str(media.media_id) for media in content.media],
    }
    hints: Hints = {}
    for group in FACT_GROUPS:
        facts = getattr(content, group.name, None)
        if isinstance(facts, dict):
            values |= _fact_values(group.name, facts)
    people = content.people
    if isinstance(people, str):  # withheld whole: the incident was rare
        for name in ("genders", "age_bands", "people_affected", "citizenships"):
            hints[name] = "Published as withheld: state it again, or leave it not reported."
    else:
        _restate_people(people, values, hints)
    if isinstance(content.events, list):
        for slot, event in enumerate(content.events):
            values |= _event_values(slot, event)
            if event.window is not None:
                hints[f"events.{slot}"] = f"Published as the {event.window.unit} window."
    return values, hints


def _event_values(slot: int, event: Event) -> Values:
    window = event.window
    return {
        f"events.{slot}.type": event.type.value,
        f"events.{slot}.place": _PLACE_OF_PRECISION[event.place.precision].value,
        f"events.{slot}.country": event.place.country or "",
        f"events.{slot}.region": event.place.region or "",
        f"events.{slot}.date_from": window.start.isoformat() if window else "",
        f"events.{slot}.date_to": window.end.isoformat() if window else "",
    }


@dataclass(frozen=True)
class FactLine:
    """One group's stated facts: the values answered yes, and those answered no."""

    legend: str
    yes: list[str]
    no: list[str]


@dataclass(frozen=True)
class EventLine:
    stage: str
    place: str
    when: str


@dataclass(frozen=True)
class IncidentView:
    """An incident in a few lines: only what was stated (yes or no) is listed."""

    summary: str
    details: list[tuple[str, str]]
    facts: list[FactLine]
    events: list[EventLine]
    media: int
    generalisation: str | None = None


def _line(group: FactGroup, facts: dict[Any, Any], legend: str | None = None) -> FactLine | None:
    states = {str(value): str(state) for value, state in facts.items()}
    yes = [fact_words(group, v) for v, s in states.items() if s == TriState.YES]
    no = [fact_words(group, v) for v, s in states.items() if s == TriState.NO]
    return FactLine(legend or group.legend, yes, no) if yes or no else None


def _lines(facts_by_group: dict[str, dict[Any, Any]]) -> list[FactLine]:
    lines = (_line(GROUPS_BY_NAME[name], facts) for name, facts in facts_by_group.items())
    return [line for line in lines if line is not None]


def _plain(value: Any) -> str:
    """A published code as words: `not_reported` → `not reported`."""
    return str(value).replace("_", " ")


def _status_words(status: Any) -> str:
    return "Not reported" if status in (None, NOT_REPORTED) else vocabulary_words(status)


def _chosen_place(event: EventIn) -> str:
    """The place a moderator chose for an event, before coarsening."""
    where = f" in {event.country}" if event.country else ""
    if event.place == PlaceChoice.CELL:
        return f"a grid cell around the report's location{where}"
    if event.place == PlaceChoice.REGION:
        return f"region {event.region}"
    if event.place == PlaceChoice.COUNTRY:
        return f"country {event.country}" if event.country else "not reported"
    return "withheld"


def pending_view(fields: IncidentFieldsIn) -> IncidentView:
    """An approval that waits for a lead, as the moderator stated it."""
    events = [
        EventLine(
            vocabulary_words(event.type),
            _chosen_place(event),
            " to ".join(str(day) for day in dict.fromkeys((event.date_from, event.date_to)) if day)
            or "no date",
        )
        for event in fields.events
    ]
    details = [
        ("Trafficking status", _status_words(fields.trafficking_status)),
        ("Confidence", str(fields.confidence or "not stated")),
        (
            "People affected",
            "not reported" if fields.people_affected is None else str(fields.people_affected),
        ),
        ("Citizenship", ", ".join(fields.citizenships or []) or "not reported"),
    ]
    return IncidentView(
        summary=fields.summary,
        details=details,
        facts=_lines({group.name: getattr(fields, group.name) for group in FACT_GROUPS}),
        events=events,
        media=len(fields.shared_media),
    )


def _place_words(event: Event) -> str:
    place = event.place
    if place.precision == PlacePrecision.CELL and place.cell is not None:
        cell = place.cell
        return f"cell {cell.id} (H3 resolution {cell.resolution}, about {cell.area_km2:g} km²)" + (
            f" in {place.country}" if place.country else ""
        )
    if place.precision == PlacePrecision.REGION:
        return f"region {place.region}"
    if place.precision == PlacePrecision.COUNTRY:
        return f"country {place.country}"
    return "withheld" if place.precision == PlacePrecision.WITHHELD else "not reported"


def _people_lines(
    content: IncidentContent, people: People, facts: dict[str, Any]
) -> tuple[Any, list[tuple[str, Any]]]:
    """The facts and details of an incident published with its people."""
    facts["genders"] = people.genders
    facts["age_bands"] = people.ages.bands if isinstance(people.ages, CtdcAges) else None
    lines = _lines({name: value for name, value in facts.items() if isinstance(value, dict)})
    if not isinstance(people.ages, CtdcAges):
        minor_adult = _line(GROUPS_BY_NAME["age_bands"], people.ages.bands, "Ages (minor / adult)")
        lines += [minor_adult] if minor_adult else []
    citizenship = people.citizenship
    details: list[tuple[str, Any]] = [
        ("Trafficking status", _status_words(content.trafficking_status)),
        ("Confidence", _plain(content.confidence)),
        ("People affected", _plain(people.count)),
        ("Citizenship", ", ".join(citizenship) if isinstance(citizenship, list) else citizenship),
    ]
    return lines, details


def published_view(content: IncidentContent) -> IncidentView:
    """The incident as the hub received it."""
    facts = {group.name: getattr(content, group.name, None) for group in FACT_GROUPS}
    people = content.people
    if isinstance(people, str):  # withheld whole: the incident was rare
        lines = _lines({name: value for name, value in facts.items() if isinstance(value, dict)})
        details: list[tuple[str, Any]] = [
            ("Trafficking status", _status_words(content.trafficking_status)),
            ("Confidence", _plain(content.confidence)),
            ("People affected", "withheld (the incident was rare)"),
        ]
    else:
        lines, details = _people_lines(content, people, facts)
    details = [(name, _plain(words)) for name, words in details]
    events = [
        EventLine(
            vocabulary_words(event.type),
            _place_words(event),
            f"{event.window.start} to {event.window.end} ({event.window.unit})"
            if event.window
            else "no date",
        )
        for event in (content.events if isinstance(content.events, list) else [])
    ]
    level = content.generalisation
    generalisation = f"level {level.level} of {max(Level)}" + (
        " (the finest, as configured)" if level.level == 0 else " (coarser: the incident was rare)"
    )
    generalisation += f"; dates by {level.window_unit}"
    if level.cell_resolution is not None:
        generalisation += f", cells at H3 resolution {level.cell_resolution}"
    generalisation += f"; rarity k = {level.rarity_k}"
    if level.released_by_lead:
        generalisation += "; still rare at the coarsest level, released by a lead"
    return IncidentView(
        summary=content.summary,
        details=details,
        facts=lines,
        events=events,
        media=len(content.media),
        generalisation=generalisation,
    )
