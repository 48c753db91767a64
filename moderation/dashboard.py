"""The numbers behind the console's dashboard: how big and how old the queue is, how many
reports come in a day, in which languages, who decides how many, how long a decision
takes, where reports cluster and where they come from.

Each figure is one aggregate query, bounded by an index: the open reports through the
partial indexes of the queue (`ix_reports_open_queue`, `ix_reports_open_cells`), the
recent reports through `ix_reports_received_at`, the recent decisions through
`ix_reports_decided_at`. Nothing here reads report text, and places are rounded to a
tenth of a degree (about 11 km) before they leave this module: the dashboard shows where
reports come from, never where a reporter stood.

Quantiles (the median and 90th percentile waits) are the nearest rank, computed in SQL
with window functions so PostgreSQL and SQLite give the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.clock import utcnow
from models.base import UTCDateTime, one_of
from models.moderator import Moderator
from models.report import OPEN_STATUSES, Report

#: Days of history the per-day, language, decision and map figures cover by default, and
#: the periods a moderator may choose instead (a news story's wave is easier to see in 90).
HISTORY_DAYS = 30
PERIODS = (30, 90)
#: The shorter window of the decisions per moderator.
RECENT_DAYS = 7
#: The largest clusters shown, and the places plotted on the map at most.
TOP_CLUSTERS = 8
MAP_POINTS = 500
#: Degrees a plotted place is rounded to (a tenth: about 11 km).
MAP_ROUNDING = 1


@dataclass(frozen=True)
class QueueAge:
    size: int
    urgent: int
    oldest: datetime | None
    median_wait: timedelta | None


@dataclass(frozen=True)
class ModeratorDecisions:
    username: str
    last_week: int
    last_month: int


@dataclass(frozen=True)
class DecisionTimes:
    count: int
    median: timedelta | None
    p90: timedelta | None


@dataclass(frozen=True)
class PlaceCluster:
    """Open reports in one cluster cell (`core.places.cluster_cell`)."""

    country: str | None
    latitude: float
    longitude: float
    count: int
    first: datetime
    last: datetime


@dataclass(frozen=True)
class Place:
    """Reports of the period at one rounded position."""

    latitude: float
    longitude: float
    count: int


@dataclass
class Dashboard:
    now: datetime
    queue: QueueAge
    days: int = HISTORY_DAYS
    per_day: list[tuple[date, int]] = field(default_factory=list)
    languages: list[tuple[str | None, int]] = field(default_factory=list)
    decisions: list[ModeratorDecisions] = field(default_factory=list)
    decision_times: DecisionTimes = DecisionTimes(0, None, None)
    clusters: list[PlaceCluster] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)


def _postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _seconds_between(session: AsyncSession, start: Any, end: Any) -> ColumnElement[float]:
    """`end - start` in seconds, as SQL."""
    if _postgres(session):
        return sa.cast(func.extract("epoch", end - start), sa.Float)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


def _open() -> ColumnElement[bool]:
    # The partial indexes' own condition, as literal SQL, so the planner can use them.
    return sa.literal_column(one_of("reports.status", list(OPEN_STATUSES)), sa.Boolean)


async def _quantiles(
    session: AsyncSession,
    value: ColumnElement[Any],
    where: list[ColumnElement[bool]],
    wanted: tuple[float, ...],
) -> tuple[int, list[float | None]]:
    """How many rows match `where`, and the nearest-rank quantiles of `value` over them
    (one query: the values are numbered in order and the ranks asked for are picked)."""
    ranked = (
        select(
            value.label("value"),
            func.row_number().over(order_by=value).label("rank"),
            func.count().over().label("total"),
        )
        .where(*where)
        .subquery()
    )
    picks = [
        sa.and_(ranked.c.rank >= q * ranked.c.total, ranked.c.rank - 1 < q * ranked.c.total)
        for q in wanted
    ]
    rows = (
        await session.execute(
            select(ranked.c.value, ranked.c.rank, ranked.c.total).where(sa.or_(*picks))
        )
    ).all()
    found: list[float | None] = [None] * len(wanted)
    total = 0
    for value_found, rank, total in rows:
        for index, q in enumerate(wanted):
            if rank >= q * total and rank - 1 < q * total:
                found[index] = float(value_found)
    return total, found


def _duration(seconds: float | None) -> timedelta | None:
    # To the second: SQLite's julianday arithmetic is off by microseconds.
    return None if seconds is None else timedelta(seconds=round(max(0.0, seconds)))


async def queue_age(session: AsyncSession, now: datetime) -> QueueAge:
    """Open reports: how many, how many urgent, the oldest, the median wait."""
    size, urgent, oldest = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(case((col(Report.urgent), 1), else_=0)), 0),
                func.min(col(Report.received_at)),
            ).where(_open())
        )
    ).one()
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    median: timedelta | None = None
    if size:
        waited = _seconds_between(session, col(Report.received_at), sa.literal(now, UTCDateTime))
        _, (seconds,) = await _quantiles(session, waited, [_open()], (0.5,))
        median = _duration(seconds)
    return QueueAge(int(size), int(urgent), oldest, median)


def _day(value: Any) -> date:
    """A day as the database gives it: a date (PostgreSQL) or ISO text (SQLite)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


async def reports_per_day(
    session: AsyncSession, now: datetime, days: int = HISTORY_DAYS
) -> list[tuple[date, int]]:
    """Reports received on each of the last `days` days (UTC), today last; days without a
    report count 0."""
    today = now.date()
    first = today - timedelta(days=days - 1)
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    received = col(Report.received_at)
    day = func.date(func.timezone("UTC", received)) if _postgres(session) else func.date(received)
    rows = await session.execute(select(day, func.count()).where(received >= start).group_by(day))
    counts = {_day(found): int(count) for found, count in rows}
    return [
        (first + timedelta(days=n), counts.get(first + timedelta(days=n), 0)) for n in range(days)
    ]


async def language_mix(
    session: AsyncSession, now: datetime, days: int = HISTORY_DAYS
) -> list[tuple[str | None, int]]:
    """Reports of the last `days` days by detected language, most first."""
    language = col(Report.language)
    rows = await session.execute(
        select(language, func.count())
        .where(col(Report.received_at) >= now - timedelta(days=days))
        .group_by(language)
        .order_by(func.count().desc(), language)
    )
    return [(found, int(count)) for found, count in rows]


async def decisions_per_moderator(
    session: AsyncSession, now: datetime, days: int = HISTORY_DAYS
) -> list[ModeratorDecisions]:
    """Decisions (approvals, rejections, merges) each moderator made in the last
    `RECENT_DAYS` and `days` days, most first."""
    decided = col(Report.decided_at)
    recent = func.coalesce(
        func.sum(case((decided >= now - timedelta(days=RECENT_DAYS), 1), else_=0)), 0
    )
    month = func.count()
    rows = await session.execute(
        select(col(Moderator.username), recent, month)
        .join(Moderator, col(Moderator.id) == col(Report.decided_by))
        .where(decided >= now - timedelta(days=days))
        .group_by(col(Moderator.username))
        .order_by(month.desc(), col(Moderator.username))
    )
    return [ModeratorDecisions(name, int(week), int(total)) for name, week, total in rows]


async def decision_times(
    session: AsyncSession, now: datetime, days: int = HISTORY_DAYS
) -> DecisionTimes:
    """From receipt to decision, over the decisions of the last `days` days."""
    decided = col(Report.decided_at)
    taken = _seconds_between(session, col(Report.received_at), decided)
    count, (median, p90) = await _quantiles(
        session, taken, [decided >= now - timedelta(days=days)], (0.5, 0.9)
    )
    return DecisionTimes(count, _duration(median), _duration(p90))


async def largest_clusters(session: AsyncSession) -> list[PlaceCluster]:
    """The open reports' largest clusters (two reports or more in one cluster cell)."""
    cell = col(Report.place_cell)
    count = func.count()
    rows = await session.execute(
        select(
            func.max(col(Report.country_code)),
            func.avg(col(Report.latitude)),
            func.avg(col(Report.longitude)),
            count,
            func.min(col(Report.received_at)),
            func.max(col(Report.received_at)),
        )
        .where(_open(), cell.is_not(None))
        .group_by(cell)
        .having(count >= 2)
        .order_by(count.desc(), cell)
        .limit(TOP_CLUSTERS)
    )
    return [
        PlaceCluster(
            country,
            round(float(latitude), MAP_ROUNDING),
            round(float(longitude), MAP_ROUNDING),
            int(found),
            _aware(first),
            _aware(last),
        )
        for country, latitude, longitude, found, first, last in rows
    ]


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


async def places(session: AsyncSession, now: datetime, days: int = HISTORY_DAYS) -> list[Place]:
    """Where the reports of the last `days` days come from, rounded to
    `MAP_ROUNDING` decimal places, with how many at each; the busiest `MAP_POINTS`."""
    latitude = func.round(col(Report.latitude), MAP_ROUNDING)
    longitude = func.round(col(Report.longitude), MAP_ROUNDING)
    if _postgres(session):  # PostgreSQL rounds to places only numerics
        latitude = func.round(sa.cast(col(Report.latitude), sa.Numeric), MAP_ROUNDING)
        longitude = func.round(sa.cast(col(Report.longitude), sa.Numeric), MAP_ROUNDING)
    count = func.count()
    rows = await session.execute(
        select(latitude, longitude, count)
        .where(
            col(Report.received_at) >= now - timedelta(days=days),
            col(Report.latitude).is_not(None),
            col(Report.longitude).is_not(None),
        )
        .group_by(latitude, longitude)
        .order_by(count.desc(), latitude, longitude)
        .limit(MAP_POINTS)
    )
    return [Place(float(lat), float(lon), int(found)) for lat, lon, found in rows]


async def dashboard(
    session: AsyncSession, now: datetime | None = None, days: int = HISTORY_DAYS
) -> Dashboard:
    """Every figure of the dashboard, as of `now`, the history over the last `days` days
    (the queue and its clusters are as they are now, whatever the period)."""
    now = now or utcnow()
    return Dashboard(
        now=now,
        queue=await queue_age(session, now),
        days=days,
        per_day=await reports_per_day(session, now, days),
        languages=await language_mix(session, now, days),
        decisions=await decisions_per_moderator(session, now, days),
        decision_times=await decision_times(session, now, days),
        clusters=await largest_clusters(session),
        places=await places(session, now, days),
    )
