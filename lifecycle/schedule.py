"""Periodic jobs that must run once per round however many processes check: the retention
purge (`moderation.retention`) and the orphaned-media sweep (`intake.orphans`).

The last run of each job is a row of `scheduled_runs`. The process that finds the job due
takes the row with `FOR UPDATE SKIP LOCKED` (SQLite has one writer), moves it on and
commits before running the job, so of several workers checking at once exactly one runs
it, and the others find it locked or already done. A run that fails is retried next round.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import col

from core.db import SessionMaker, insert_on_conflict, transaction
from models.scheduled_run import ScheduledRun


async def claim_run(sessionmaker: SessionMaker, job: str, every: timedelta, now: datetime) -> bool:
    """Is `job` due, and did this process take the round?"""
    async with transaction(sessionmaker) as session:
        first = {"job": job, "last_run_at": now - every}  # the very first check finds it due
        await session.execute(
            insert_on_conflict(session, ScheduledRun).values(first).on_conflict_do_nothing()
        )
        run = (
            await session.execute(
                select(ScheduledRun)
                .where(col(ScheduledRun.job) == job)
                .with_for_update(skip_locked=True)
            )
        ).scalar_one_or_none()
        if run is None or run.last_run_at + every > now:
            return False  # another process holds the round, or it is not due yet
        run.last_run_at = now
        return True
