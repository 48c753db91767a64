"""Unfinished uploads kept in the S3 bucket, sealed (`intake.uploads.pieces`), so that any
API host can continue any upload: behind a load balancer without sticky routing, each host
with its own data folder. The default with S3 media (`STOP_UPLOAD_SHARED`).

A PATCH takes the upload's lease (`intake.uploads.lease`) instead of a file lock. The
bytes it receives wait in memory until a part's worth (5 MiB) has arrived with the
segments already stored, and then go up as the next multipart part; when its body ends
(complete, cut off or refused) the rest goes up as a new segment. Each write to the bucket
is followed by one UPDATE of the row (`pieces` and `received`) that requires the lease, so
the offset a HEAD reads on any host is exactly what the bucket durably holds: a crash or
a cut loses at most the bytes not yet stored, which the client then sends again.

When the last byte is in, the host that received it joins the parts, reads the pieces back
into its scratch folder, opens them and hands the file to the sanitiser as the local mode
does; afterwards, whatever the outcome, every piece is deleted. Pieces a failed call or a
crash left behind, and incomplete multipart uploads, are swept once nothing names them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.clock import utcnow
from core.db import SessionMaker, transaction
from core.errors import StorageUnavailable
from core.s3_pieces import PieceMissing
from core.sealing import Unsealable
from intake.uploads.area import UploadArea
from intake.uploads.errors import UploadLocked, UploadNotFound
from intake.uploads.lease import Lease
from intake.uploads.partials import ORPHAN_GRACE, sweep_stale_files, within
from intake.uploads.pieces import MAX_SEGMENTS, Pieces, SealedPieces, Segment, upload_of
from models.upload import UNFINISHED, Upload

log = logging.getLogger("stop.uploads")
T = TypeVar("T")


class SharedHold:
    """An upload this request holds the lease of, with its pieces as the row names them."""

    def __init__(
        self, io: SealedPieces, sessionmaker: SessionMaker, lease: Lease, row: Upload
    ) -> None:
        self._io = io
        self._sessionmaker = sessionmaker
        self._lease = lease
        self.upload_id = row.id
        self.pieces = Pieces.from_column(row.pieces)
        self._buffer = bytearray()  # received, not yet in the bucket

    @property
    def size(self) -> int:
        return self.pieces.size

    async def receive(self, body: AsyncIterator[bytes], room: int) -> None:
        try:
            async for chunk in within(body, room):
                self._buffer += chunk
                if self.pieces.segment_bytes + len(self._buffer) >= self.pieces.part_bytes:
                    await self._fold()
                else:
                    await self._lease.keep(self._sessionmaker)
        except UploadLocked:
            self._buffer = bytearray()  # the lease ran out and was taken: nothing more is ours
            raise
        finally:
            if self._buffer:
                await self._store_buffer()

    async def _fold(self) -> None:
        """The segments and the buffer, as far as they fill parts, stored as parts."""
        data = await self._segments_in_clear() + bytes(self._buffer)
        size, used = self.pieces.part_bytes, 0
        while len(data) - used >= size:
            part = data[used : used + size]
            multipart, etag = await self._unless_lost(
                self._io.put_part, self.upload_id, self.pieces, part
            )
            folded = self.pieces.segments
            await self._save(self.pieces.with_part(multipart, etag))
            used += size
            self._buffer = bytearray(data[used:])  # at once: the rest is all not yet stored
            await self._forget(folded)

    async def _store_buffer(self) -> None:
        """The buffer as a new segment (with the earlier ones joined in, past
        `MAX_SEGMENTS`), so the offset covers every byte received."""
        data, kept, joined = bytes(self._buffer), self.pieces.segments, ()
        if len(kept) >= MAX_SEGMENTS:
            data = await self._segments_in_clear() + data
            kept, joined = (), kept
        start = self.pieces.parts_end + sum(segment.size for segment in kept)
        segment = await asyncio.to_thread(self._io.put_segment, self.upload_id, start, data)
        await self._save(self.pieces.with_segments((*kept, segment)))
        self._buffer = bytearray()
        await self._forget(joined)

    async def _segments_in_clear(self) -> bytes:
        return await self._unless_lost(self._io.read_segments, self.upload_id, self.pieces)

    async def _save(self, pieces: Pieces) -> None:
        """The new state, written only while this request holds the lease."""
        await self._lease.write(self._sessionmaker, pieces=pieces.to_column(), received=pieces.size)
        self.pieces = pieces

    async def _forget(self, segments: tuple[Segment, ...]) -> None:
        """Delete segments no longer named; on an outage they are left to the sweep."""
        try:
            await asyncio.to_thread(self._io.delete_segments, segments)
        except StorageUnavailable:
            log.warning("media storage unavailable: stored segments are left to the sweep")

    async def _unless_lost(self, call: Callable[..., T], *args: object) -> T:
        """A call on the stored pieces (in a worker thread). If they do not open (another
        secret key, tampering) or are missing (deleted by hand or by a bucket lifecycle
        rule), the upload cannot be finished: it is dropped (404, the app starts anew)."""
        try:
            return await asyncio.to_thread(call, *args)
        except (Unsealable, PieceMissing):
            log.warning(
                "an unfinished upload's pieces could not be read back or added to, so it was "
                "dropped (is STOP_SECRET_KEY the same on every host?)"
            )
            self._buffer = bytearray()
            await self.discard()
            async with transaction(self._sessionmaker) as session:
                await session.execute(
                    delete(Upload).where(
                        col(Upload.id) == self.upload_id,
                        col(Upload.lease_token) == self._lease.token,
                    )
                )
            raise UploadNotFound() from None

    async def assemble(self, workdir: Path) -> Path:
        target = workdir / "received"
        await self._unless_lost(self._io.write_whole, self.upload_id, self.pieces, target)
        return target

    async def discard(self) -> None:
        await _delete_all(self._io, self.upload_id, self.pieces)


async def _delete_all(io: SealedPieces, upload_id: uuid.UUID, pieces: Pieces) -> None:
    try:
        await asyncio.to_thread(io.delete_all, upload_id, pieces)
    except StorageUnavailable:
        log.warning("media storage unavailable: an upload's pieces are left to the sweep")


class SharedPartials:
    def __init__(self, io: SealedPieces, area: UploadArea) -> None:
        self.io = io
        self.area = area  # this host's scratch folders for sanitising

    def create(self, upload_id: uuid.UUID) -> None:
        pass  # pieces appear with the first bytes

    def size(self, upload_id: uuid.UUID, received: int) -> int | None:
        return received

    @contextlib.asynccontextmanager
    async def hold(self, sessionmaker: SessionMaker, row: Upload) -> AsyncIterator[SharedHold]:
        lease, current = await Lease.take(sessionmaker, row.id)
        try:
            yield SharedHold(self.io, sessionmaker, lease, current)
        finally:
            await lease.release(sessionmaker)

    def workdir(self, upload_id: uuid.UUID) -> contextlib.AbstractContextManager[Path]:
        return self.area.workdir(upload_id)

    async def discard(self, row: Upload) -> bool:
        if row.lease_until is not None and row.lease_until > utcnow():
            return False  # a PATCH holds it right now
        await _delete_all(self.io, row.id, Pieces.from_column(row.pieces))
        return True

    async def sweep_orphans(
        self, session: AsyncSession, now: datetime, besides: set[uuid.UUID]
    ) -> set[uuid.UUID]:
        """This host's stale scratch folders, and what is left in the bucket: objects no
        unfinished row names (pieces written but never recorded, cleanups that failed) and
        multipart uploads of uploads no longer unfinished."""
        removed = await sweep_stale_files(self.area, session, now, besides)
        try:
            removed |= await self._sweep_bucket(session, now)
        except StorageUnavailable:
            log.warning("media storage unavailable: the sweep of upload pieces waits")
        return removed

    async def _sweep_bucket(self, session: AsyncSession, now: datetime) -> set[uuid.UUID]:
        bucket = self.io.bucket
        names = await asyncio.to_thread(bucket.names_older_than, now - ORPHAN_GRACE)
        multiparts = await asyncio.to_thread(bucket.multiparts_older_than, now - ORPHAN_GRACE)
        owners = {upload_of(name) for name in [*names, *(name for name, _ in multiparts)]}
        owners.discard(None)
        named = {
            upload_id: Pieces.from_column(pieces)
            for upload_id, pieces in await session.execute(
                select(col(Upload.id), col(Upload.pieces)).where(
                    col(Upload.id).in_(owners), col(Upload.status).in_(UNFINISHED)
                )
            )
        }
        removed = set()
        for name in names:
            owner = upload_of(name)
            pieces = named.get(owner) if owner else None
            if owner and (pieces is None or not pieces.names(owner, name)):
                await asyncio.to_thread(bucket.delete, name)
                removed.add(owner)
        for name, multipart in multiparts:
            owner = upload_of(name)
            # Only once its upload is no longer unfinished: a PATCH may have begun it a moment
            # ago and not yet recorded it (some S3-compatible servers, moto among them, do
            # not tell when a multipart upload began). One a failed PATCH left goes then too.
            if owner and owner not in named:
                await asyncio.to_thread(bucket.abort_multipart, name, multipart)
                removed.add(owner)
        if removed:
            log.warning("removed the leftover pieces of %d resumable uploads", len(removed))
        return removed
