"""Periodic clean-up that keeps nothing longer than it must: expired resumable uploads
(partial files hold unsanitised bytes), App Check use counts of expired tokens, and, every
`orphan_sweep_hours` in one process of all, stored media no row names (`intake.orphans`).

Each API process runs it, for its own upload folder (partial files, and sanitising's
scratch folders, live on the host that received them) and for the upload pieces in the
bucket when uploads are kept there (`intake.uploads.shared`: any process may sweep them);
every part of it is safe to run from many processes at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from core.clock import utcnow
from core.db import SessionMaker, transaction
from core.storage import AsyncMediaStorage
from intake import orphans
from intake.appcheck.store import forget_expired_token_uses
from intake.uploads.partials import PartialStore
from intake.uploads.service import expire_uploads
from lifecycle.schedule import claim_run

log = logging.getLogger("stop.housekeeping")


async def sweep(
    sessionmaker: SessionMaker,
    storage: AsyncMediaStorage,
    partials: PartialStore,
    now: datetime,
    orphan_sweep_every: timedelta | None = None,
) -> int:
    """One pass; returns how many uploads were removed."""
    async with transaction(sessionmaker) as session:
        removed = await expire_uploads(session, storage, now, partials=partials)
    await forget_expired_token_uses(sessionmaker, now)
    if orphan_sweep_every and await claim_run(sessionmaker, orphans.JOB, orphan_sweep_every, now):
        await orphans.sweep_orphans(sessionmaker, storage, now)
    return removed


async def run_periodically(
    sessionmaker: SessionMaker,
    storage: AsyncMediaStorage,
    partials: PartialStore,
    stop: asyncio.Event,
    interval_seconds: float,
    orphan_sweep_hours: float | None = None,
) -> None:
    every = timedelta(hours=orphan_sweep_hours) if orphan_sweep_hours else None
    while not stop.is_set():
        try:
            await sweep(sessionmaker, storage, partials, utcnow(), every)
        except Exception:  # a failed sweep is retried next time; it must not kill the server
            log.exception("housekeeping sweep failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_seconds)
