"""An incident (schema 2.0) as one flat row, for spreadsheets: the CSV export's columns.

Flattened as CTDC flattens its data: a multi-valued fact becomes one column per value of
its vocabulary (`exploitation_types.ForcedLabour`), and missing data is an empty cell. CTDC
writes 1 or NULL; a row here says `yes`, `no` or nothing (not reported), because schema
2.0 knows "no" apart from "not reported". The columns are the same for every row and
every export, whatever the data: they come from the vocabularies, so an analyst's
spreadsheet keeps working when the data changes.

Events: one group of columns per event type (Recruitment, Transit, Exploitation), filled
from the first event of that type, with `events.<Type>.count` saying how many there
were; a second event of the same type (two transit legs) is only in the NDJSON and
GeoJSON exports. People's ages have columns for both band schemes (CTDC bands and
minor/adult), filled for the scheme the row uses (`people.ages.scheme`); what is
withheld to keep an incident from standing out says `withheld` in each of its columns.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hub.coarse import MinorOrAdult
from hub.facts import FactsOf, TriState
from hub.schemas import IncidentContent, IncidentOut
from models.vocabulary import AgeBand, Gender, TraffickingEventType

_ENVELOPE = ("incident_id", "version", "change", "published_at", "schema_version")
_SCALARS = (
    "source",
    "trafficking_status",
    "summary",
    "confidence",
    "urgent",
    "original_language",
    "original_script",
)
_EVENT_PARTS = (
    "count",
    "precision",
    "country",
    "region",
    "cell_id",
    "cell_resolution",
    "latitude",
    "longitude",
    "window_unit",
    "window_start",
    "window_end",
)
_GENERALISATION = ("level", "cell_resolution", "window_unit", "rarity_k", "released_by_lead")
_AGE_BANDS = [band.value for band in AgeBand] + [band.value for band in MinorOrAdult]
_PEOPLE = [
    "people.count",
    "people.ages.scheme",
    *(f"people.ages.{band}" for band in _AGE_BANDS),
    *(f"people.genders.{gender.value}" for gender in Gender),
    "people.citizenship",
]


def _fact_groups() -> Iterator[tuple[str, list[str]]]:
    """Each categorical fact of the content and its vocabulary, in the schema's order."""
    for name, field in IncidentContent.model_fields.items():
        for marker in field.metadata:
            if isinstance(marker, FactsOf):
                yield name, [member.value for member in marker.vocabulary]


FACT_GROUPS = tuple(_fact_groups())


def _columns() -> tuple[str, ...]:
    columns = [*_ENVELOPE, *_SCALARS]
    columns += [f"{group}.{value}" for group, values in FACT_GROUPS for value in values]
    columns += _PEOPLE
    columns += [
        f"events.{kind.value}.{part}" for kind in TraffickingEventType for part in _EVENT_PARTS
    ]
    columns += ["media.count", "media.ids"]
    columns += [f"generalisation.{part}" for part in _GENERALISATION]
    return tuple(columns)


COLUMNS = _columns()


def _value(value: Any) -> Any:
    """A cell's value: "not reported" is an empty cell (CTDC's NULL), booleans yes/no."""
    if value == TriState.NOT_REPORTED.value:
        return None
    if isinstance(value, bool):
        return TriState.YES.value if value else TriState.NO.value
    return value


def _facts(prefix: str, facts: dict[str, str] | str, values: list[str]) -> dict[str, Any]:
    """One column per vocabulary value; a group withheld as a whole says so in each."""
    if isinstance(facts, str):
        return {f"{prefix}.{value}": _value(facts) for value in values}
    return {f"{prefix}.{value}": _value(facts.get(value)) for value in values}


def _people(people: dict[str, Any] | str) -> dict[str, Any]:
    """The people columns; people (or a part) withheld as a whole says so in each."""
    if isinstance(people, str):
        return dict.fromkeys(_PEOPLE, _value(people))
    ages = people["ages"]
    citizenship = people["citizenship"]
    return {
        "people.count": _value(people["count"]),
        "people.ages.scheme": ages["scheme"],
        **_facts("people.ages", ages["bands"], list(ages["bands"])),
        **_facts("people.genders", people["genders"], [gender.value for gender in Gender]),
        "people.citizenship": ";".join(citizenship)
        if isinstance(citizenship, list)
        else _value(citizenship),
    }


def _events(events: list[dict[str, Any]] | str) -> dict[str, Any]:
    row: dict[str, Any] = {}
    if isinstance(events, str):  # not reported: every event column empty
        return row
    for kind in TraffickingEventType:
        of_kind = [event for event in events if event["type"] == kind.value]
        prefix = f"events.{kind.value}"
        row[f"{prefix}.count"] = len(of_kind)
        if not of_kind:
            continue
        place, window = of_kind[0]["place"], of_kind[0]["window"] or {}
        cell = place.get("cell") or {}
        centre = cell.get("centre") or {}
        row |= {
            f"{prefix}.precision": _value(place["precision"]),
            f"{prefix}.country": place.get("country"),
            f"{prefix}.region": place.get("region"),
            f"{prefix}.cell_id": cell.get("id"),
            f"{prefix}.cell_resolution": cell.get("resolution"),
            f"{prefix}.latitude": centre.get("latitude"),
            f"{prefix}.longitude": centre.get("longitude"),
            f"{prefix}.window_unit": window.get("unit"),
            f"{prefix}.window_start": window.get("start"),
            f"{prefix}.window_end": window.get("end"),
        }
    return row


def flat_row(item: IncidentOut) -> list[Any]:
    """The item's values in `COLUMNS` order (None for an empty cell)."""
    data = item.model_dump(mode="json")
    row: dict[str, Any] = {name: data[name] for name in _ENVELOPE}
    content = data["incident"]
    if content is not None:
        row |= {name: _value(content[name]) for name in _SCALARS}
        for group, values in FACT_GROUPS:
            row |= _facts(group, content[group], values)
        row |= _people(content["people"])
        row |= _events(content["events"])
        row["media.count"] = len(content["media"])
        row["media.ids"] = ";".join(media["media_id"] for media in content["media"])
        generalisation = content["generalisation"]
        row |= {f"generalisation.{part}": _value(generalisation[part]) for part in _GENERALISATION}
    return [row.get(column) for column in COLUMNS]
