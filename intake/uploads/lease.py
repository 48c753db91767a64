"""The lease on an upload's row that lets one request at a time, on any host, append to an
upload kept in the bucket: the cross-host stand-in for the local file lock.

A PATCH may stream for many minutes from a slow phone, so it holds no row lock and no
connection while bytes arrive: it writes a random token and an end time into the row in one
short transaction, and every later write of the upload's state is an UPDATE that requires
that token (a request whose lease was taken over changes nothing and is told
`UploadLocked`). The holder renews the lease while it works, clears it when done; a
holder that dies simply lets it run out. Lease ends are whole minutes, like every time that
follows a reporter's action, so a lease lasts `LEASE` to `LEASE` + 1 minute.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlmodel import col

from core.anonymity import minute_after
from core.clock import utcnow
from core.db import SessionMaker, rows_matched, transaction
from intake.uploads.errors import UploadLocked, UploadNotFound
from models.upload import Upload, UploadStatus

log = logging.getLogger("stop.uploads")

#: How long a lease lasts unrenewed: a holder that stops (killed, cut off from the
#: database) keeps a PATCH on another host waiting (423, retry) at most this long.
LEASE = timedelta(minutes=2)


class Lease:
    """This request's hold on one upload's row."""

    def __init__(self, upload_id: uuid.UUID, token: str, until: datetime) -> None:
        self.upload_id = upload_id
        self.token = token
        self.until = until

    @classmethod
    async def take(cls, sessionmaker: SessionMaker, upload_id: uuid.UUID) -> tuple[Lease, Upload]:
        """The lease and the row as it stands under it: `UploadLocked` if a live lease is
        another's, `UploadNotFound` if the upload is gone or no longer receiving."""
        now = utcnow()
        lease = cls(upload_id, secrets.token_hex(16), minute_after(now + LEASE))
        async with transaction(sessionmaker) as session:
            taken = await rows_matched(
                session,
                update(Upload)
                .where(
                    col(Upload.id) == upload_id,
                    col(Upload.status) == UploadStatus.RECEIVING,
                    or_(col(Upload.lease_until).is_(None), col(Upload.lease_until) <= now),
                )
                .values(lease_token=lease.token, lease_until=lease.until),
            )
            row = (
                await session.execute(
                    select(Upload)
                    .where(col(Upload.id) == upload_id)
                    .execution_options(populate_existing=True)
                )
            ).scalar_one_or_none()
        if row is None or row.status is not UploadStatus.RECEIVING:
            raise UploadNotFound()
        if not taken:
            raise UploadLocked()
        return lease, row

    async def write(self, sessionmaker: SessionMaker, **values: Any) -> None:
        """Store the upload's new state (and renew the lease) if this request still holds
        it; `UploadLocked` otherwise (it ran out and another request took over, or the
        upload expired): nothing is changed then."""
        until = minute_after(utcnow() + LEASE)
        async with transaction(sessionmaker) as session:
            held = await rows_matched(
                session,
                update(Upload)
                .where(
                    col(Upload.id) == self.upload_id,
                    col(Upload.lease_token) == self.token,
                    col(Upload.status) == UploadStatus.RECEIVING,
                )
                .values(lease_until=until, **values),
            )
        if not held:
            raise UploadLocked()
        self.until = until

    async def keep(self, sessionmaker: SessionMaker) -> None:
        """Renew the lease once half of it has passed (cheap to call per received chunk)."""
        if utcnow() >= self.until - LEASE / 2:
            await self.write(sessionmaker)

    async def release(self, sessionmaker: SessionMaker) -> None:
        """Let go; if the database cannot be reached the lease simply runs out."""
        try:
            async with transaction(sessionmaker) as session:
                await session.execute(
                    update(Upload)
                    .where(col(Upload.id) == self.upload_id, col(Upload.lease_token) == self.token)
                    .values(lease_token=None, lease_until=None)
                )
        except Exception:
            log.warning("an upload's lease could not be released; it runs out by itself")
