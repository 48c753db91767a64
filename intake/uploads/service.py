"""Resumable uploads (tus 1.0): create, resume, append, sanitise on completion, attach, expire.

Unsanitised bytes live only in the partial file (see `intake.uploads.area`), never in media
storage: when the last byte arrives the file is sanitised in a worker thread, only the
clean copy is stored, the partial file is deleted whatever the outcome, and the row keeps
only the clean media's facts (or the refusal's fixed reason).

`append` takes a sessionmaker rather than the request's session: a PATCH may stream for
many minutes on a slow phone, and holding a database connection (on SQLite, a transaction)
that long would starve everyone else, so it uses short transactions before and after the
body. The file lock, not a row lock, is what keeps two PATCHes from interleaving.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

import media
from core.anonymity import minute_after, to_the_minute
from core.clock import utcnow
from core.db import SessionMaker, rows_matched, transaction
from core.settings import Settings
from core.storage import AsyncMediaStorage
from intake.media_intake import StoredMedia, discard, sanitize_and_store_one
from intake.multipart import ReceivedFile
from intake.uploads.area import PartialFile, UploadArea
from intake.uploads.errors import (
    UploadCapacityReached,
    UploadLocked,
    UploadNotAttachable,
    UploadNotFound,
    UploadOffsetMismatch,
    UploadRefused,
    UploadTooLarge,
)
from models.media import Media
from models.upload import Upload, UploadStatus

UNFINISHED = (UploadStatus.RECEIVING, UploadStatus.PROCESSING)
#: Bytes gathered from the body before one write: few thread hops, bounded memory.
WRITE_BUFFER_BYTES = 1 << 20
#: A partial file without a row (its creation was rolled back, a crash) is deleted after this.
ORPHAN_GRACE = timedelta(hours=1)
#: Rows handled per `expire_uploads` call; the housekeeping sweep calls it again next time.
EXPIRE_BATCH = 500


@dataclass(frozen=True)
class UploadState:
    """What a tus client is told about an upload: where to resume and until when."""

    id: uuid.UUID
    offset: int
    length: int
    expires_at: datetime
    status: UploadStatus


def _expiry(now: datetime, settings: Settings) -> datetime:
    return to_the_minute(now) + timedelta(hours=settings.upload_expiry_hours)


def _state(row: Upload, offset: int) -> UploadState:
    return UploadState(row.id, offset, row.length, row.expires_at, row.status)


async def create_upload(
    session: AsyncSession, area: UploadArea, settings: Settings, length: int
) -> UploadState:
    """A new, empty upload of `length` bytes; its random id is the client's only handle."""
    if length > settings.upload_max_bytes:
        raise UploadTooLarge(f"Uploads may be at most {settings.upload_max_bytes} bytes.")
    ahead = settings.upload_reserve_ahead_bytes
    if await _held_bytes(session, area, ahead) + min(length, ahead) > (
        settings.upload_reserved_max_bytes
    ):
        raise UploadCapacityReached()
    first_byte_by = minute_after(utcnow() + timedelta(minutes=settings.upload_first_byte_minutes))
    row = Upload(length=length, expires_at=first_byte_by)
    session.add(row)
    await session.flush()
    area.create(row.id)  # if the commit fails, the orphan is swept by `expire_uploads`
    return _state(row, 0)


async def _held_bytes(
    session: AsyncSession, area: UploadArea, ahead: int, besides: uuid.UUID | None = None
) -> int:
    """What unfinished uploads (all, or all `besides` one) hold of this host's disk: the
    bytes each has received, plus room for the next `ahead` bytes. A declared length alone
    holds only that room, so creating uploads and sending nothing cannot fill the guard (a
    partial file on another host counts as empty here: its own host guards its disk)."""
    query = select(col(Upload.id), col(Upload.length)).where(col(Upload.status).in_(UNFINISHED))
    if besides is not None:
        query = query.where(col(Upload.id) != besides)
    unfinished = await session.execute(query)
    return sum(min(length, (area.size(upload_id) or 0) + ahead) for upload_id, length in unfinished)


async def _check_room(
    sessionmaker: SessionMaker, area: UploadArea, settings: Settings, row: Upload
) -> None:
    """Before bytes are written: the whole upload must fit beside what the others hold,
    so many uploads created while the disk was empty cannot all fill it (503, retry)."""
    async with transaction(sessionmaker) as session:
        others = await _held_bytes(session, area, settings.upload_reserve_ahead_bytes, row.id)
    if others + row.length > settings.upload_reserved_max_bytes:
        raise UploadCapacityReached()


async def _live_row(session: AsyncSession, upload_id: uuid.UUID, now: datetime) -> Upload:
    row = await session.get(Upload, upload_id)
    if row is None or (row.status in UNFINISHED and row.expires_at <= now):
        raise UploadNotFound()
    return row


async def upload_state(
    session: AsyncSession, area: UploadArea, upload_id: uuid.UUID
) -> UploadState:
    """Where to resume: the bytes on disk, or the whole length once complete."""
    row = await _live_row(session, upload_id, utcnow())
    if row.status is not UploadStatus.RECEIVING:
        return _state(row, row.length)
    size = area.size(upload_id)
    if size is None:  # lost (another host's folder, a wiped disk): the client starts anew
        raise UploadNotFound()
    return _state(row, size)


async def append(
    sessionmaker: SessionMaker,
    area: UploadArea,
    settings: Settings,
    storage: AsyncMediaStorage,
    upload_id: uuid.UUID,
    offset: int,
    body: AsyncIterator[bytes],
    declared_bytes: int | None = None,
) -> UploadState:
    """Append one PATCH body at `offset`; on the last byte, sanitise and store the file.

    A body that ends early (a cut connection) keeps every byte received. A body that would
    pass the upload's length is cut off before the excess is written (413)."""
    row = await _read_live(sessionmaker, upload_id)
    if row.status is UploadStatus.RECEIVING:
        await _check_room(sessionmaker, area, settings, row)
        try:
            return await _append_locked(
                sessionmaker, area, settings, storage, row, offset, body, declared_bytes
            )
        except UploadNotFound:
            # The partial file went between our read and our lock: usually a racing PATCH
            # just completed the upload, so answer from the row as it is now.
            row = await _read_live(sessionmaker, upload_id)
            if row.status is UploadStatus.RECEIVING:
                raise
    return _not_receiving(row, offset)


async def _read_live(sessionmaker: SessionMaker, upload_id: uuid.UUID) -> Upload:
    async with transaction(sessionmaker) as session:
        return await _live_row(session, upload_id, utcnow())


async def _append_locked(
    sessionmaker: SessionMaker,
    area: UploadArea,
    settings: Settings,
    storage: AsyncMediaStorage,
    row: Upload,
    offset: int,
    body: AsyncIterator[bytes],
    declared_bytes: int | None,
) -> UploadState:
    with area.locked(row.id) as partial:
        if partial.size != offset:
            raise UploadOffsetMismatch(f"{partial.size} bytes were received; resume there.")
        if declared_bytes is not None and offset + declared_bytes > row.length:
            raise UploadTooLarge(f"This body would pass Upload-Length ({row.length}).")
        await _receive(partial, body, row.length - offset)
        if partial.size == row.length:
            return await _complete(sessionmaker, area, settings, storage, row, partial)
        expires_at = row.expires_at
        if partial.size > offset:  # only progress keeps an upload alive
            expires_at = _expiry(utcnow(), settings)
            await _transition(sessionmaker, row.id, UploadStatus.RECEIVING, expires_at=expires_at)
        return UploadState(row.id, partial.size, row.length, expires_at, row.status)


def _not_receiving(row: Upload, offset: int) -> UploadState:
    """A PATCH for a complete upload: a retried last PATCH gets the same answer again."""
    if row.status is UploadStatus.PROCESSING:
        raise UploadLocked()
    if row.status is UploadStatus.REFUSED:
        raise UploadRefused(row.refusal)
    if offset != row.length:
        raise UploadOffsetMismatch(f"The upload is complete ({row.length} bytes).")
    return _state(row, row.length)


async def _receive(partial: PartialFile, body: AsyncIterator[bytes], room: int) -> None:
    """Stream the body to the end of the file, never more than `room` bytes, never whole in
    memory; whatever arrived is written and synced even if the body fails or is refused."""
    buffer = bytearray()
    received = 0
    try:
        async for chunk in body:
            received += len(chunk)
            if received > room:
                raise UploadTooLarge(f"The body passes Upload-Length; {room} bytes were left.")
            buffer += chunk
            if len(buffer) >= WRITE_BUFFER_BYTES:
                data, buffer = bytes(buffer), bytearray()
                await asyncio.to_thread(partial.append, data)
    finally:
        if buffer:
            await asyncio.to_thread(partial.append, bytes(buffer))
        await asyncio.to_thread(partial.sync)


async def _transition(
    sessionmaker: SessionMaker, upload_id: uuid.UUID, current: UploadStatus, **values: Any
) -> bool:
    """Update the upload if it is still in `current`; False if it vanished (expired)."""
    async with transaction(sessionmaker) as session:
        matched = await rows_matched(
            session,
            update(Upload)
            .where(col(Upload.id) == upload_id, col(Upload.status) == current)
            .values(**values),
        )
    return bool(matched)


async def _complete(
    sessionmaker: SessionMaker,
    area: UploadArea,
    settings: Settings,
    storage: AsyncMediaStorage,
    row: Upload,
    partial: PartialFile,
) -> UploadState:
    """Sanitise the complete file (the lock is still held) and keep only the clean copy."""
    processing = {"status": UploadStatus.PROCESSING, "expires_at": _expiry(utcnow(), settings)}
    if not await _transition(sessionmaker, row.id, UploadStatus.RECEIVING, **processing):
        raise UploadNotFound()
    stored: list[StoredMedia] = []
    try:
        with area.workdir(row.id) as workdir:
            clean = await sanitize_and_store_one(
                ReceivedFile(partial.path), workdir, settings, storage
            )
        stored.append(clean)
        expires_at = _expiry(utcnow(), settings)
        ready = {"status": UploadStatus.READY, "expires_at": expires_at, **asdict(clean)}
        if not await _transition(sessionmaker, row.id, UploadStatus.PROCESSING, **ready):
            raise UploadNotFound()
    except media.MediaRefused as refusal:
        refused = {"status": UploadStatus.REFUSED, "refusal": refusal.detail[:500]}
        await _transition(sessionmaker, row.id, UploadStatus.PROCESSING, **refused)
        raise UploadRefused(refusal.detail) from None
    except BaseException:
        await discard(stored, storage)
        async with transaction(sessionmaker) as session:  # HEAD → 404: the app starts anew
            await session.execute(delete(Upload).where(col(Upload.id) == row.id))
        raise
    finally:
        partial.path.unlink(missing_ok=True)  # the unsanitised bytes go, whatever happened
    return UploadState(row.id, row.length, row.length, expires_at, UploadStatus.READY)


def _why_not_attachable(row: Upload | None) -> str | None:
    if row is None:
        return "is unknown or has expired; upload the file again"
    if row.status in UNFINISHED:
        return "is not complete yet (or is still being sanitised)"
    if row.status is UploadStatus.REFUSED:
        return f"was refused: {row.refusal}"
    if row.status is UploadStatus.ATTACHED:
        return "is already attached to a report"
    return None


async def take_ready_uploads(
    session: AsyncSession, upload_ids: list[uuid.UUID]
) -> list[StoredMedia]:
    """Lock the listed uploads, check each is sanitised and unused, mark them attached and
    return their clean media (in the order listed) for the caller to turn into Media rows
    in the same transaction. Raises `UploadNotAttachable` (422) naming the first bad one."""
    if len(set(upload_ids)) != len(upload_ids):
        raise UploadNotAttachable("An upload is listed more than once.")
    query = (
        select(Upload)
        .where(col(Upload.id).in_(upload_ids))
        .order_by(col(Upload.id))  # one lock order for everyone: no deadlocks
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    rows = {row.id: row for row in (await session.scalars(query)).all()}
    taken = []
    for upload_id in upload_ids:
        row = rows.get(upload_id)
        why = _why_not_attachable(row)
        if why is not None or row is None:
            raise UploadNotAttachable(f"Upload {upload_id} {why}.", upload_id=str(upload_id))
        row.status = UploadStatus.ATTACHED
        taken.append(
            StoredMedia(
                kind=str(row.kind),
                mime=str(row.mime),
                extension=str(row.extension),
                size_bytes=int(row.size_bytes or 0),
                sha256=str(row.sha256),
                storage_key=str(row.storage_key),
                reencoded=bool(row.reencoded),
                notes=row.notes or "",
                phash=row.phash,
            )
        )
    await session.flush()
    return taken


async def expire_uploads(
    session: AsyncSession, storage: AsyncMediaStorage, now: datetime, *, area: UploadArea
) -> int:
    """Delete what no report will take: expired unfinished uploads (row and partial file),
    expired refused ones, ready ones never attached (row and clean media), the rows of
    attached ones (their media now belong to a report), and orphaned partial files.
    Uploads a request is busy with are skipped. Returns how many uploads were removed."""
    query = (
        select(Upload)
        .where(or_(col(Upload.status) == UploadStatus.ATTACHED, col(Upload.expires_at) <= now))
        .order_by(col(Upload.id))
        .limit(EXPIRE_BATCH)
        .with_for_update(skip_locked=True)
    )
    rows = (await session.scalars(query)).all()
    keys = [row.storage_key for row in rows if row.storage_key]
    stored_key = col(Media.storage_key)
    in_use = set(
        (await session.scalars(select(stored_key).where(stored_key.in_(keys)))) if keys else ()
    )
    removed: set[uuid.UUID] = set()
    for row in rows:
        if row.status in UNFINISHED and not area.discard(row.id):
            continue  # a PATCH holds it right now
        if row.storage_key and row.storage_key not in in_use:
            await storage.delete(row.storage_key)
        await session.delete(row)
        removed.add(row.id)
    await session.flush()
    stale = [i for i in area.untouched_since(now - ORPHAN_GRACE) if i not in removed]
    if stale:
        known = set(await session.scalars(select(col(Upload.id)).where(col(Upload.id).in_(stale))))
        for upload_id in stale:
            if upload_id not in known and area.discard(upload_id):
                removed.add(upload_id)
    return len(removed)
