"""Stored media no row points at, removed: what an outage or a crash left between storing a
clean copy and committing its report.

Intake stores the sanitised files first and writes the report row after, deleting the files
again if the row is not written (`intake.submission`). That clean-up can itself fail (media
storage went down mid-request, the process was killed between the two steps, or S3 stored
an object whose answer was lost), so nothing relies on it alone: this sweep lists stored
keys older than a grace period, far longer than any request or upload takes, and deletes
those that no media row and no finished upload names. Each object it deletes holds only a
sanitised file, never a row's content.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import col

from core.db import SessionMaker, transaction
from core.storage import AsyncMediaStorage
from models.media import Media
from models.upload import Upload

log = logging.getLogger("stop.orphans")
JOB = "orphan-sweep"
#: Older than any request in flight: a multipart request with ten files sanitised at the
#: longest timeout, or an upload between its last byte and its row, takes minutes.
GRACE = timedelta(hours=1)
PAGE = 500


async def sweep_orphans(
    sessionmaker: SessionMaker, storage: AsyncMediaStorage, now: datetime, grace: timedelta = GRACE
) -> int:
    """Delete every stored object older than `grace` that no row names; returns how many."""
    removed, after = 0, ""
    while keys := await storage.keys_page(now - grace, after, PAGE):
        async with transaction(sessionmaker) as session:
            named = set(
                (
                    await session.execute(
                        select(col(Media.storage_key)).where(col(Media.storage_key).in_(keys))
                    )
                ).scalars()
            ) | set(
                (
                    await session.execute(
                        select(col(Upload.storage_key)).where(col(Upload.storage_key).in_(keys))
                    )
                ).scalars()
            )
        for key in keys:
            if key not in named:
                await storage.delete(key)
                removed += 1
        after = keys[-1]
    if removed:
        log.warning("removed %d stored media files no report named", removed)
    return removed
