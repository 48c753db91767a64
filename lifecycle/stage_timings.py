"""Stage latencies in the database: each process adds what it timed (`core.stage_timings`)
to `stage_timings` every few seconds, and `GET /metrics` reads the sums as one histogram.

Why the database: detection and translation run in `stop-intake worker` processes, on any
machine, which no API process can see into; the database is what every process shares.
A flush is one upsert of the buckets that changed, in its own short transaction (never
inside a report's), so workers do not queue behind each other's row locks for long. A
flush that fails (the database restarting) keeps its figures for the next one; what a
process timed in its last seconds before a SIGKILL is lost, which a latency histogram
can afford. The sums only grow, as a Prometheus histogram's do.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.db import SessionMaker, insert_on_conflict, transaction
from core.stage_timings import BOUNDS, TIMINGS, Stage, StageTimings
from models.stage_timing import StageTiming

log = logging.getLogger("stop.metrics")


@dataclass(frozen=True)
class StageHistogram:
    """One stage's histogram as Prometheus shows it: cumulative counts per bound."""

    buckets: list[tuple[str, int]]
    count: int
    seconds: float


async def flush(sessionmaker: SessionMaker, timings: StageTimings = TIMINGS) -> int:
    """Add what was timed since the last flush; returns how many buckets it touched."""
    figures = timings.drain()
    if not figures:
        return 0
    try:
        async with transaction(sessionmaker) as session:
            for (stage, le), (count, seconds) in sorted(figures.items()):
                insert = insert_on_conflict(session, StageTiming).values(
                    stage=stage, le=le, observations=count, seconds=seconds
                )
                await session.execute(
                    insert.on_conflict_do_update(
                        index_elements=[col(StageTiming.stage), col(StageTiming.le)],
                        set_={
                            "observations": col(StageTiming.observations)
                            + insert.excluded.observations,
                            "seconds": col(StageTiming.seconds) + insert.excluded.seconds,
                        },
                    )
                )
    except BaseException:
        timings.restore(figures)
        raise
    return len(figures)


async def flush_periodically(
    sessionmaker: SessionMaker, stop: asyncio.Event, every_seconds: float
) -> None:
    """Flush every `every_seconds` until `stop`, and once more then."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every_seconds)
        try:
            await flush(sessionmaker)
        except Exception:  # the database is away: the figures wait for the next round
            log.warning("stage timings not flushed; retrying")


async def histograms(session: AsyncSession) -> dict[Stage, StageHistogram]:
    """Every stage's histogram, summed over every process that ever flushed."""
    rows = (await session.execute(select(StageTiming))).scalars().all()
    found = {(row.stage, row.le): (row.observations, row.seconds) for row in rows}
    result: dict[Stage, StageHistogram] = {}
    for stage in Stage:
        running, total, buckets = 0, 0.0, []
        for le in BOUNDS:
            count, seconds = found.get((stage, le), (0, 0.0))
            running, total = running + count, total + seconds
            buckets.append((le, running))
        result[stage] = StageHistogram(buckets, running, total)
    return result
