"""Generalisation levels: how coarse a place, a time and a count leave for the hub.

Rounding coordinates to decimals is not coarsening (a 0.01° cell is half as wide at Oslo
as at the equator); places leave as H3 cells, the same area everywhere, published as the
cell id with its centre. Dates leave as the whole month (quarter, year) they fall in;
counts and ages as bands. Each level is coarser than the one before (`COARSENESS`): the rarity
check (`hub.rarity`) moves a rare incident up the levels before it holds it for a lead
("generalise first, suppress last", as CTDC learnt).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from enum import IntEnum, StrEnum
from typing import Any, Literal

import h3

from models.vocabulary import AgeBand

WindowUnit = Literal["month", "quarter", "year"]
_WIDER_UNIT: dict[WindowUnit, WindowUnit] = {"month": "quarter", "quarter": "year", "year": "year"}
_MONTHS: dict[WindowUnit, int] = {"month": 1, "quarter": 3, "year": 12}


class Level(IntEnum):
    """How coarse an incident leaves; each level is coarser than the one before (see
    `COARSENESS`): 0 as configured; 1 cells 49× larger, windows one unit longer, ages
    as minor / adult, counts in wide bands; 2 the same place and time, nothing about the
    people; 3 the country and the year, nothing about the people."""

    FINE = 0
    WIDER = 1
    WITHOUT_PEOPLE = 2
    WIDEST = 3


@dataclass(frozen=True)
class Coarseness:
    """What a level publishes. Place and time go first because they are what the hub pools
    for (hotspots, routes); who was affected is generalised then withheld before the place
    is reduced to its country."""

    cell_steps: int | None  # H3 resolutions coarser than configured; None: country only
    window_steps: int  # units longer than configured (month → quarter → year)
    minor_adult: bool  # ages as minor / adult instead of CTDC's bands
    wide_counts: bool  # people affected in wide bands
    withhold_people: bool  # how many, ages, genders and citizenship withheld


COARSENESS = {
    Level.FINE: Coarseness(0, 0, minor_adult=False, wide_counts=False, withhold_people=False),
    Level.WIDER: Coarseness(2, 1, minor_adult=True, wide_counts=True, withhold_people=False),
    Level.WITHOUT_PEOPLE: Coarseness(
        2, 1, minor_adult=True, wide_counts=True, withhold_people=True
    ),
    Level.WIDEST: Coarseness(None, 2, minor_adult=True, wide_counts=True, withhold_people=True),
}

#: Two H3 steps are ~49 times the area (resolution 7, ~5 km², becomes 5, ~250 km²).


def cell_resolution(configured: int, level: Level) -> int | None:
    """The H3 resolution at this level; None where only the country is published."""
    steps = COARSENESS[level].cell_steps
    return None if steps is None else max(0, configured - steps)


def cell(latitude: float, longitude: float, resolution: int) -> dict[str, Any]:
    cell_id = h3.latlng_to_cell(latitude, longitude, resolution)
    centre_latitude, centre_longitude = h3.cell_to_latlng(cell_id)
    return {
        "system": "h3",
        "id": cell_id,
        "resolution": resolution,
        "centre": {"latitude": round(centre_latitude, 6), "longitude": round(centre_longitude, 6)},
        "area_km2": round(h3.cell_area(cell_id, "km^2"), 3),
    }


def window_unit(configured: WindowUnit, level: Level) -> WindowUnit:
    unit = configured
    for _ in range(COARSENESS[level].window_steps):
        unit = _WIDER_UNIT[unit]
    return unit


def _start(day: date, unit: WindowUnit) -> date:
    months = _MONTHS[unit]
    return date(day.year, (day.month - 1) // months * months + 1, 1)


def _end(day: date, unit: WindowUnit) -> date:
    last_month = _start(day, unit).month + _MONTHS[unit] - 1
    return date(day.year, last_month, calendar.monthrange(day.year, last_month)[1])


def window(first: date | None, last: date | None, unit: WindowUnit) -> dict[str, Any] | None:
    """The whole units that hold the known dates; None when no date is known."""
    first = first or last
    last = last or first
    if first is None or last is None:
        return None
    return {
        "unit": unit,
        "start": _start(first, unit).isoformat(),
        "end": _end(last, unit).isoformat(),
    }


class CountBand(StrEnum):
    """People affected, banded: fine bands, or wide ones when an incident is rare."""

    NONE = "0"
    ONE = "1"
    TWO_TO_FIVE = "2-5"
    SIX_TO_TEN = "6-10"
    ELEVEN_TO_FIFTY = "11-50"
    FIFTY_ONE_PLUS = "51+"
    ONE_TO_TEN = "1-10"
    ELEVEN_PLUS = "11+"


# Each band with the largest count it holds, in order; the last band holds the rest.
_FINE_COUNTS = [(CountBand.NONE, 0), (CountBand.ONE, 1), (CountBand.TWO_TO_FIVE, 5)]
_FINE_COUNTS += [(CountBand.SIX_TO_TEN, 10), (CountBand.ELEVEN_TO_FIFTY, 50)]
_WIDE_COUNTS = [(CountBand.NONE, 0), (CountBand.ONE_TO_TEN, 10)]


def count_band(count: int, level: Level) -> CountBand:
    if not COARSENESS[level].wide_counts:
        bands, rest = _FINE_COUNTS, CountBand.FIFTY_ONE_PLUS
    else:
        bands, rest = _WIDE_COUNTS, CountBand.ELEVEN_PLUS
    return next((band for band, largest in bands if count <= largest), rest)


class MinorOrAdult(StrEnum):
    """Ages in two bands, when the CTDC bands would make an incident rare."""

    MINOR = "minor"
    ADULT = "adult"


#: Which CTDC bands are minors.
MINOR_BANDS = frozenset({AgeBand.AGE_0_8, AgeBand.AGE_9_17})
