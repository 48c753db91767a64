"""Releasing private aggregates against one privacy budget, and reusing fresh releases.

The budget is global, not per client: released aggregates are meant for public
dashboards, so whatever one client is given, everyone may end up seeing, and the privacy
losses of all releases add up for the people in the incidents whoever asked. Every
release is recorded (`aggregate_releases`) with the epsilon OpenDP says it costs; the sum
over the last `aggregates_budget_days` (plus the hour a release time is rounded down by)
may not pass `aggregates_budget_epsilon`, and a query that would pass it is refused (429
`privacy-budget-spent`, with `Retry-After` when enough older releases age out).

The same query asked again while its release is fresh (`aggregates_refresh_hours`) gets
the released numbers back at no cost, whichever client asks: a new release would both
spend budget and let the asker average the noise of several releases away.

On PostgreSQL, releases are made one at a time (a transaction-scoped advisory lock), so
two requests cannot both spend the last of the budget, nor both release the same query.
SQLite has one writer at a time already.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.anonymity import to_the_hour
from core.clock import utcnow
from core.settings import Settings
from hub import aggregates
from hub.aggregates import Query
from hub.errors import PrivacyBudgetSpent
from hub.feed import content_of
from models.aggregate_release import AggregateRelease
from models.hub_client import HubClient
from models.incident import Incident, IncidentChange

#: The advisory lock key that makes releases one at a time ("stopaggr" in ASCII).
_RELEASE_LOCK = 0x73746F7061676772
MECHANISM = "discrete Laplace (OpenDP make_count_by_categories, then_laplace)"


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AggregateCell(_Out):
    group: dict[str, str] = Field(
        description="The cell: a value of each dimension asked for (`unknown`: not reported, "
        "withheld, or published coarser than the dimension).",
        examples=[{"country": "MEX", "month": "2024-05", "exploitation": "ForcedLabour"}],
    )
    count: int = Field(ge=1, description="Noisy count of incidents in the cell.")


class Privacy(_Out):
    epsilon: float = Field(description="The privacy loss of this release.")
    mechanism: str = Field(description="How the noise was made.")
    scale: float = Field(description="The noise's scale: typical error per cell.")
    contribution_bound: int = Field(description="Cells one incident may count in, at most.")
    unit: str = Field(default="incident", description="Whom the guarantee protects: one incident.")


class Budget(_Out):
    epsilon_total: float = Field(description="What all releases may spend in the period.")
    epsilon_spent: float = Field(description="What they have spent in it, this one included.")
    period_days: int = Field(description="The rolling period.")


class AggregatesOut(_Out):
    """Noisy counts of live incidents by the dimensions asked for."""

    dimensions: list[str] = Field(description="The dimensions, in the order asked.")
    since: str | None = Field(description="First month of a time dimension (YYYY-MM).")
    until: str | None = Field(description="Last month of a time dimension (YYYY-MM).")
    countries: list[str] | None = Field(description="The countries asked for; null: all.")
    cells: list[AggregateCell] = Field(
        description="Every cell whose noisy count is above zero, in category order; a cell "
        "not listed was released as 0. Categories come from the vocabularies, never from "
        "the data."
    )
    release_id: uuid.UUID = Field(description="The release these numbers come from.")
    released_at: datetime = Field(description="The hour of the release (UTC).")
    reused: bool = Field(description="A fresh earlier release of the same query: no cost.")
    privacy: Privacy = Field(description="The guarantee of this release (docs/aggregates.md).")
    budget: Budget = Field(description="The privacy budget shared by every client.")


async def _lock(session: AsyncSession) -> None:
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _RELEASE_LOCK})


async def live_contents(
    session: AsyncSession, settings: Settings
) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    """Each incident's latest version, unless it is a retraction, as schema 2.0 content."""
    latest = (
        select(col(Incident.incident_id), func.max(Incident.version).label("version"))
        .group_by(col(Incident.incident_id))
        .subquery()
    )
    rows = await session.stream(
        select(col(Incident.incident_id), col(Incident.payload))
        .join(
            latest,
            (col(Incident.incident_id) == latest.c.incident_id)
            & (col(Incident.version) == latest.c.version),
        )
        .where(col(Incident.change) != IncidentChange.RETRACTED)
        .execution_options(yield_per=1000)
    )
    async for incident_id, payload in rows:
        content = content_of(payload, settings)
        if content is not None:
            yield str(incident_id), content


def _window_start(settings: Settings, now: datetime) -> datetime:
    """Releases after this still count: a release time is kept to the hour (rounded down),
    so one more hour is counted than the period."""
    return now - timedelta(days=settings.aggregates_budget_days, hours=1)


async def _in_window(
    session: AsyncSession, settings: Settings, now: datetime
) -> list[tuple[datetime, float]]:
    rows = await session.execute(
        select(col(AggregateRelease.released_at), col(AggregateRelease.epsilon))
        .where(col(AggregateRelease.released_at) > _window_start(settings, now))
        .order_by(col(AggregateRelease.released_at))
    )
    return [(released_at, float(epsilon)) for released_at, epsilon in rows]


def _retry_after(
    releases: list[tuple[datetime, float]],
    needed: float,
    settings: Settings,
    now: datetime,
) -> int:
    """Seconds until enough of the oldest releases leave the window to free `needed`."""
    freed = 0.0
    for released_at, epsilon in releases:
        freed += epsilon
        if freed >= needed:
            ends = released_at + timedelta(days=settings.aggregates_budget_days, hours=1)
            return max(1, math.ceil((ends - now).total_seconds()))
    return settings.aggregates_budget_days * 86_400


def _answer(
    release: AggregateRelease, query: Query, reused: bool, spent: float, settings: Settings
) -> AggregatesOut:
    names = [str(dimension) for dimension in query.dimensions]
    stored_order = sorted(names)  # a release stores its cells in canonical order
    cells = []
    for values, count in release.cells:
        group = dict(zip(stored_order, values, strict=True))
        cells.append(AggregateCell(group={name: group[name] for name in names}, count=count))
    canonical = query.canonical()
    return AggregatesOut(
        dimensions=names,
        since=canonical["since"],
        until=canonical["until"],
        countries=canonical["countries"],
        cells=cells,
        release_id=release.id,
        released_at=release.released_at,
        reused=reused,
        privacy=Privacy(
            epsilon=release.epsilon,
            mechanism=MECHANISM,
            scale=release.scale,
            contribution_bound=release.contribution_bound,
        ),
        budget=Budget(
            epsilon_total=settings.aggregates_budget_epsilon,
            epsilon_spent=round(spent, 9),
            period_days=settings.aggregates_budget_days,
        ),
    )


async def release_aggregates(
    session: AsyncSession, client: HubClient, query: Query, settings: Settings
) -> AggregatesOut:
    """The query's fresh release if there is one; otherwise a new release, recorded and
    charged, or `PrivacyBudgetSpent` if the budget cannot pay for it. Flushes only."""
    await _lock(session)
    now = utcnow()
    bound = settings.aggregates_max_cells_per_incident
    key = aggregates.query_key(query, settings.aggregates_epsilon, bound)
    releases = await _in_window(session, settings, now)
    spent = sum(epsilon for _, epsilon in releases)
    fresh = await session.scalar(
        select(AggregateRelease)
        .where(
            col(AggregateRelease.query_key) == key,
            col(AggregateRelease.released_at)
            > now - timedelta(hours=settings.aggregates_refresh_hours),
        )
        .order_by(col(AggregateRelease.released_at).desc())
        .limit(1)
    )
    if fresh is not None:
        return _answer(fresh, query, True, spent, settings)

    # The canonical order (dimensions sorted) is what a release stores, whatever was asked.
    canonical = Query(tuple(sorted(query.dimensions)), query.since, query.until, query.countries)
    mechanism = aggregates.mechanism(canonical, bound, settings.aggregates_epsilon)
    if spent + mechanism.epsilon > settings.aggregates_budget_epsilon + 1e-9:
        needed = spent + mechanism.epsilon - settings.aggregates_budget_epsilon
        raise PrivacyBudgetSpent(
            _retry_after(releases, needed, settings, now),
            f"This release would cost epsilon {mechanism.epsilon:g}; "
            f"{max(0.0, settings.aggregates_budget_epsilon - spent):g} of "
            f"{settings.aggregates_budget_epsilon:g} is left in the last "
            f"{settings.aggregates_budget_days} days. Reuse an earlier release or wait.",
        )
    data = aggregates.records(
        [item async for item in live_contents(session, settings)], canonical, bound
    )
    counts = aggregates.noisy_counts(mechanism, data)
    release = AggregateRelease(
        released_at=to_the_hour(now),
        hub_client_id=client.id,
        query_key=key,
        dimensions=[str(dimension) for dimension in canonical.dimensions],
        query=canonical.canonical(),
        epsilon=mechanism.epsilon,
        contribution_bound=bound,
        scale=mechanism.scale,
        cells=[[list(cell), count] for cell, count in counts.items() if count > 0],
    )
    session.add(release)
    await session.flush()
    return _answer(release, query, False, spent + mechanism.epsilon, settings)
