"""Private aggregates: counts of live incidents by public categories, made differentially
private with OpenDP (see docs/aggregates.md for the guarantee in plain words).

The unit of privacy is one incident. An incident falls in one cell per distinct
combination of its values: an event's country, time and stage go together (each event
gives one combination), and an incident counts in each exploitation type, gender and age
group it has. It is counted at most once per cell, and in at most `bound` cells of a
release (the contribution bound): an incident with more keeps `bound` of them, picked by a
hash of its own id and the cell, so the choice depends on nothing but the incident and the
query (never on other incidents), and is the same each time the query is computed.
Adding or removing one incident therefore changes the vector of counts by at most `bound`
in L1 distance (OpenDP's symmetric distance of `bound` records), and OpenDP's discrete
Laplace noise of scale `bound / epsilon` makes a release epsilon-differentially private.

The categories are public: the whole vocabulary, the ISO country list (or the countries
asked for), the months asked for, each with `unknown`. They are never read from the data:
a category that appears only because an incident has it would tell that the incident
exists, whatever the noise. Every cell is noised, empty or not; the released counts are
then rounded up to zero where the noise made them negative (post-processing, which costs
no privacy).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cached_property
from typing import Any

import opendp.prelude as dp

from hub.coarse import MINOR_BANDS, MinorOrAdult
from hub.codes import country_alpha3, country_codes
from hub.errors import InvalidAggregateQuery, UnknownDimension
from hub.facts import said_yes
from models.vocabulary import ExploitationType, Gender, TraffickingEventType

UNKNOWN = "unknown"
MAX_DIMENSIONS = 3
#: The most cells one release may have (the cross product of the categories asked for).
MAX_CELLS = 200_000
_SEPARATOR = "\x1f"  # joins a cell's values into one OpenDP category; in no value
_MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")


class Dimension(StrEnum):
    """What aggregates may be grouped by."""

    COUNTRY = "country"  # an event's country (ISO 3166-1 alpha-3)
    MONTH = "month"  # the start of an event's window: `2024-05`
    QUARTER = "quarter"  # `2024-Q2`
    YEAR = "year"  # `2024`
    EVENT_TYPE = "event_type"  # Recruitment, Transit, Exploitation
    EXPLOITATION = "exploitation"  # each exploitation type answered "yes"
    GENDER = "gender"  # each gender answered "yes"
    AGE_GROUP = "age_group"  # minor or adult, when any of its bands is "yes"


#: Dimensions read from each event; the others from the incident as a whole.
EVENT_DIMENSIONS = frozenset(
    {Dimension.COUNTRY, Dimension.MONTH, Dimension.QUARTER, Dimension.YEAR, Dimension.EVENT_TYPE}
)
TIME_DIMENSIONS = (Dimension.MONTH, Dimension.QUARTER, Dimension.YEAR)
# How fine each time unit is: a window published per quarter has no month.
_FINENESS = {"month": 0, "quarter": 1, "year": 2}


@dataclass(frozen=True)
class Query:
    """What is asked: the dimensions (in the order asked), the months a time dimension
    spans (both included), and the countries asked for (None: every country)."""

    dimensions: tuple[Dimension, ...]
    since: date | None = None
    until: date | None = None
    countries: tuple[str, ...] | None = None

    @cached_property
    def categories(self) -> dict[Dimension, list[str]]:
        """The public categories of each dimension asked for, `unknown` last."""
        return {dimension: [*self._values(dimension), UNKNOWN] for dimension in self.dimensions}

    @cached_property
    def allowed(self) -> dict[Dimension, frozenset[str]]:
        return {dimension: frozenset(values) for dimension, values in self.categories.items()}

    def _values(self, dimension: Dimension) -> list[str]:
        if dimension == Dimension.COUNTRY:
            return list(self.countries) if self.countries else list(country_codes())
        if dimension in TIME_DIMENSIONS:
            assert self.since is not None and self.until is not None
            return list(dict.fromkeys(_period(month, dimension) for month in self.months()))
        vocabulary: Iterable[str] = {
            Dimension.EVENT_TYPE: TraffickingEventType,
            Dimension.EXPLOITATION: ExploitationType,
            Dimension.GENDER: Gender,
            Dimension.AGE_GROUP: MinorOrAdult,
        }[dimension]
        return [str(value) for value in vocabulary]

    def months(self) -> list[date]:
        if self.since is None or self.until is None:
            return []
        count = _month_index(self.until) - _month_index(self.since) + 1
        return [_month_at(_month_index(self.since) + step) for step in range(count)]

    def canonical(self) -> dict[str, Any]:
        """The query as stored and hashed: the same question whatever the order asked."""
        return {
            "by": sorted(self.dimensions),
            "since": _month_text(self.since),
            "until": _month_text(self.until),
            "countries": sorted(self.countries) if self.countries else None,
        }


def _month_index(month: date) -> int:
    return month.year * 12 + month.month - 1


def _month_at(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def _month_text(month: date | None) -> str | None:
    return None if month is None else f"{month.year:04d}-{month.month:02d}"


def _period(start: date, dimension: Dimension) -> str:
    if dimension == Dimension.MONTH:
        return f"{start.year:04d}-{start.month:02d}"
    if dimension == Dimension.QUARTER:
        return f"{start.year:04d}-Q{(start.month - 1) // 3 + 1}"
    return f"{start.year:04d}"


def _parse_month(text: str, name: str) -> date:
    found = _MONTH.fullmatch(text.strip())
    if found is None:
        raise InvalidAggregateQuery(f"`{name}` is a month written YYYY-MM, such as 2024-05.")
    return date(int(found[1]), int(found[2]), 1)


def _split(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def parse_query(
    by: str,
    since: str | None,
    until: str | None,
    countries: str | None,
    today: date,
    max_months: int,
) -> Query:
    """The query from its parameters, or a 422 that says what is wrong (never echoing a
    value back). Without `since` and `until`, a time dimension spans the twelve months up
    to and including this one."""
    names = _split(by)
    unknown = [name for name in names if name not in set(Dimension)]
    if unknown or not names:
        raise UnknownDimension(
            f"`by` takes 1 to {MAX_DIMENSIONS} of: {', '.join(Dimension)}, comma-separated."
        )
    dimensions = tuple(Dimension(name) for name in names)
    if len(set(dimensions)) != len(dimensions) or len(dimensions) > MAX_DIMENSIONS:
        raise InvalidAggregateQuery(f"`by` takes 1 to {MAX_DIMENSIONS} different dimensions.")
    if sum(dimension in TIME_DIMENSIONS for dimension in dimensions) > 1:
        raise InvalidAggregateQuery("`by` takes at most one of month, quarter and year.")
    first = last = None
    if any(dimension in TIME_DIMENSIONS for dimension in dimensions):
        this_month = today.replace(day=1)
        last = _parse_month(until, "until") if until else this_month
        first = _parse_month(since, "since") if since else _month_at(_month_index(last) - 11)
        if first > last:
            raise InvalidAggregateQuery("`since` is after `until`.")
        if _month_index(last) - _month_index(first) + 1 > max_months:
            raise InvalidAggregateQuery(f"A query spans at most {max_months} months.")
    chosen = None
    if countries is not None:
        if Dimension.COUNTRY not in dimensions:
            raise InvalidAggregateQuery("`countries` needs `country` in `by`.")
        try:
            chosen = tuple(sorted({country_alpha3(code) for code in _split(countries)}))
        except ValueError:
            raise InvalidAggregateQuery(
                "`countries` takes ISO 3166-1 codes (alpha-2 or alpha-3), comma-separated."
            ) from None
        if not chosen:
            raise InvalidAggregateQuery("`countries` names no country.")
    query = Query(dimensions, first, last, chosen)
    if cell_count(query) > MAX_CELLS:
        raise InvalidAggregateQuery(
            f"That would be more than {MAX_CELLS:,} cells; ask for fewer months or countries."
        )
    return query


def cell_count(query: Query) -> int:
    total = 1
    for values in query.categories.values():
        total *= len(values)
    return total


# --- the cells an incident falls in ---------------------------------------------------


def _time_value(window: dict[str, Any] | None, dimension: Dimension) -> str:
    """The window's start as a month (quarter, year); unknown without a window, or when it
    was published coarser than the dimension asks (a quarter has no month)."""
    if not window or _FINENESS[window["unit"]] > _FINENESS[dimension.value]:
        return UNKNOWN
    return _period(date.fromisoformat(window["start"]), dimension)


def _event_value(event: dict[str, Any] | None, dimension: Dimension) -> str:
    if event is None:
        return UNKNOWN
    if dimension == Dimension.COUNTRY:
        return str(event["place"].get("country") or UNKNOWN)
    if dimension == Dimension.EVENT_TYPE:
        return str(event["type"])
    return _time_value(event.get("window"), dimension)


def _yes_or_unknown(facts: Any) -> list[str]:
    """The values answered yes; `unknown` if none is (or the group was withheld)."""
    return (said_yes(facts) if isinstance(facts, dict) else []) or [UNKNOWN]


def _age_groups(ages: dict[str, Any]) -> list[str]:
    bands = said_yes(ages["bands"])
    if ages["scheme"] == "minor_adult":
        return bands or [UNKNOWN]
    groups = {MinorOrAdult.MINOR if band in MINOR_BANDS else MinorOrAdult.ADULT for band in bands}
    return [str(group) for group in MinorOrAdult if group in groups] or [UNKNOWN]


def _incident_values(content: dict[str, Any], dimension: Dimension) -> list[str]:
    if dimension == Dimension.EXPLOITATION:
        return _yes_or_unknown(content["exploitation_types"])
    if dimension == Dimension.GENDER:
        return _yes_or_unknown(content["people"]["genders"])
    return _age_groups(content["people"]["ages"])


def incident_cells(content: dict[str, Any], query: Query) -> set[tuple[str, ...]]:
    """Every cell of the query the incident falls in, each once, outside the categories
    asked for left out (a month before `since`, a country not asked for)."""
    events: Sequence[dict[str, Any] | None] = content["events"]
    if not isinstance(events, list) or not events:
        events = [None]
    per_dimension: list[list[str]] = []
    for dimension in query.dimensions:
        if dimension in EVENT_DIMENSIONS:
            per_dimension.append([])  # filled per event below
        else:
            per_dimension.append(_incident_values(content, dimension))
    cells: set[tuple[str, ...]] = set()
    for event in events:
        choices = [
            [_event_value(event, dimension)] if dimension in EVENT_DIMENSIONS else values
            for dimension, values in zip(query.dimensions, per_dimension, strict=True)
        ]
        cells.update(itertools.product(*choices))
    inside = [query.allowed[dimension] for dimension in query.dimensions]
    return {cell for cell in cells if all(map(frozenset.__contains__, inside, cell))}


def bounded(incident_id: str, cells: set[tuple[str, ...]], bound: int) -> list[tuple[str, ...]]:
    """At most `bound` of the incident's cells: all of them if it has no more, otherwise
    those whose hash with the incident's id is smallest: fixed for the incident and the
    query, owing nothing to any other incident."""
    if len(cells) <= bound:
        return sorted(cells)

    def rank(cell: tuple[str, ...]) -> str:
        return hashlib.sha256(_SEPARATOR.join((incident_id, *cell)).encode()).hexdigest()

    return sorted(sorted(cells, key=rank)[:bound])


# --- the release ----------------------------------------------------------------------


@dataclass(frozen=True)
class Mechanism:
    """An OpenDP measurement over the cells' records and what it costs."""

    measurement: Any
    keys: list[tuple[str, ...]]
    scale: float
    epsilon: float  # OpenDP's privacy map at the contribution bound


def mechanism(query: Query, bound: int, epsilon: float) -> Mechanism:
    """Counts over the query's public categories, then discrete Laplace noise of scale
    `bound / epsilon`; its cost is what OpenDP's privacy map says for `bound` records.

    OpenDP keeps `make_count_by_categories` and `make_laplace` in "contrib" (proofs
    written, vetting not finished), so that feature is enabled here and only here. Not
    "floating-point": the counts are integers and the noise is the discrete Laplace
    (sampled exactly, so no floating-point attack applies); nor "honest-but-curious"."""
    dp.enable_features("contrib")
    categories = query.categories
    keys = list(itertools.product(*(categories[dimension] for dimension in query.dimensions)))
    scale = bound / epsilon
    space = dp.vector_domain(dp.atom_domain(T=str)), dp.symmetric_distance()
    measurement = (
        space
        >> dp.t.then_count_by_categories(
            categories=[_SEPARATOR.join(key) for key in keys],
            null_category=True,  # records outside the categories: counted, never released
            MO=dp.L1Distance[int],
            TOA=int,
        )
        >> dp.m.then_laplace(scale=scale)
    )
    return Mechanism(measurement, keys, scale, float(measurement.map(bound)))


def records(incidents: Iterable[tuple[str, dict[str, Any]]], query: Query, bound: int) -> list[str]:
    """One record per (incident, cell), at most `bound` per incident: OpenDP's input."""
    found: list[str] = []
    for incident_id, content in incidents:
        cells = bounded(incident_id, incident_cells(content, query), bound)
        found.extend(_SEPARATOR.join(cell) for cell in cells)
    return found


def true_counts(
    incidents: Iterable[tuple[str, dict[str, Any]]], query: Query
) -> dict[tuple[str, ...], int]:
    """The exact counts (no bound, no noise): for the benchmark and tests, never released."""
    counts: dict[tuple[str, ...], int] = {}
    for _, content in incidents:
        for cell in incident_cells(content, query):
            counts[cell] = counts.get(cell, 0) + 1
    return counts


def noisy_counts(found: Mechanism, data: list[str]) -> dict[tuple[str, ...], int]:
    """Each category's noisy count, negatives rounded up to zero (post-processing)."""
    released = found.measurement(data)[: len(found.keys)]  # the last is the null category
    return {key: max(0, int(count)) for key, count in zip(found.keys, released, strict=True)}


def query_key(query: Query, epsilon: float, bound: int) -> str:
    """Equal for the same question at the same cost: the cache of released answers."""
    canonical = query.canonical() | {"epsilon": epsilon, "bound": bound}
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()
