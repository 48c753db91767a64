"""Resumable uploads (tus 1.0): create, resume, append, sanitise on completion, attach,
cancel, expire.

Unsanitised bytes live only where unfinished uploads are kept (`intake.uploads.partials`:
this host's private folder, or sealed pieces in the bucket), never in media storage: when
the last byte arrives the whole file is sanitised in a worker thread, only the clean copy
is stored, every byte kept of the original is deleted whatever the outcome, and the row
keeps only the clean media's facts (or the refusal's fixed reason).

`append` takes a sessionmaker rather than the request's session: a PATCH may stream for
many minutes on a slow phone, and holding a database connection (on SQLite, a transaction)
that long would starve everyone else, so it uses short transactions before and after the
body (and, in the bucket, after each piece). The hold on the partial upload (a file lock,
or a lease on the row across hosts), not a row lock, keeps two PATCHes from interleaving.
"""

from __future__ import annotations

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
from intake.media_intake import StoredMedia, discard, discard_keys, sanitize_and_store_one
from intake.multipart import ReceivedFile
from intake.uploads.errors import (
    UploadCapacityReached,
    UploadLocked,
    UploadNotAttachable,
    UploadNotFound,
    UploadOffsetMismatch,
    UploadRefused,
    UploadTooLarge,
)
from intake.uploads.partials import HeldPartial, PartialStore
from models.media import Media
from models.upload import UNFINISHED, Upload, UploadStatus

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
    session: AsyncSession, partials: PartialStore, settings: Settings, length: int
) -> UploadState:
    """A new, empty upload of `length` bytes; its random id is the client's only handle."""
    if length > settings.upload_max_bytes:
        raise UploadTooLarge(f"Uploads may be at most {settings.upload_max_bytes} bytes.")
    ahead = settings.upload_reserve_ahead_bytes
    if await _held_bytes(session, partials, ahead) + min(length, ahead) > (
        settings.upload_reserved_max_bytes
    ):
        raise UploadCapacityReached()
    first_byte_by = minute_after(utcnow() + timedelta(minutes=settings.upload_first_byte_minutes))
    row = Upload(length=length, expires_at=first_byte_by)
    session.add(row)
    await session.flush()
    partials.create(row.id)  # if the commit fails, the orphan is swept by `expire_uploads`
    return _state(row, 0)


async def _held_bytes(
    session: AsyncSession, partials: PartialStore, ahead: int, besides: uuid.UUID | None = None
) -> int:
    """What unfinished uploads (all, or all `besides` one) hold of the room for them (this
    host's disk, or the bucket): the bytes each has received, plus room for the next
    `ahead` bytes. A declared length alone holds only that room, so creating uploads and
    sending nothing cannot fill the guard (in a local folder, a partial file on another
    host counts as empty here: its own host guards its disk)."""
    query = select(col(Upload.id), col(Upload.length), col(Upload.received)).where(
        col(Upload.status).in_(UNFINISHED)
    )
    if besides is not None:
        query = query.where(col(Upload.id) != besides)
    unfinished = await session.execute(query)
    return sum(
        min(length, (partials.size(upload_id, received) or 0) + ahead)
        for upload_id, length, received in unfinished
    )


async def _check_room(
    sessionmaker: SessionMaker, partials: PartialStore, settings: Settings, row: Upload
) -> None:
    """Before bytes are written: the whole upload must fit beside what the others hold,
    so many uploads created while the room was empty cannot all fill it (503, retry)."""
    async with transaction(sessionmaker) as session:
        ahead = settings.upload_reserve_ahead_bytes
        others = await _held_bytes(session, partials, ahead, row.id)
    if others + row.length > settings.upload_reserved_max_bytes:
        raise UploadCapacityReached()


async def _live_row(session: AsyncSession, upload_id: uuid.UUID, now: datetime) -> Upload:
    row = await session.get(Upload, upload_id)
    if row is None or (row.status in UNFINISHED and row.expires_at <= now):
        raise UploadNotFound()
    return row


async def upload_state(
    session: AsyncSession, partials: PartialStore, upload_id: uuid.UUID
) -> UploadState:
    """Where to resume: the bytes kept, or the whole length once complete."""
    row = await _live_row(session, upload_id, utcnow())
    if row.status is not UploadStatus.RECEIVING:
        return _state(row, row.length)
    size = partials.size(upload_id, row.received)
    if size is None:  # lost (another host's folder, a wiped disk): the client starts anew
        raise UploadNotFound()
    return _state(row, size)


async def append(
    sessionmaker: SessionMaker,
    partials: PartialStore,
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
        await _check_room(sessionmaker, partials, settings, row)
        try:
            return await _append_locked(
                sessionmaker, partials, settings, storage, row, offset, body, declared_bytes
            )
        except UploadNotFound:
            # The partial upload went between our read and our hold: usually a racing PATCH
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
    partials: PartialStore,
    settings: Settings,
    storage: AsyncMediaStorage,
    row: Upload,
    offset: int,
    body: AsyncIterator[bytes],
    declared_bytes: int | None,
) -> UploadState:
    async with partials.hold(sessionmaker, row) as held:
        if held.size != offset:
            raise UploadOffsetMismatch(f"{held.size} bytes were received; resume there.")
        if declared_bytes is not None and offset + declared_bytes > row.length:
            raise UploadTooLarge(f"This body would pass Upload-Length ({row.length}).")
        await held.receive(body, row.length - offset)
        if held.size == row.length:
            return await _complete(sessionmaker, partials, settings, storage, row, held)
        expires_at = row.expires_at
        if held.size > offset:  # only progress keeps an upload alive
            expires_at = _expiry(utcnow(), settings)
            await _transition(sessionmaker, row.id, UploadStatus.RECEIVING, expires_at=expires_at)
        return UploadState(row.id, held.size, row.length, expires_at, row.status)


def _not_receiving(row: Upload, offset: int) -> UploadState:
    """A PATCH for a complete upload: a retried last PATCH gets the same answer again."""
    if row.status is UploadStatus.PROCESSING:
        raise UploadLocked()
    if row.status is UploadStatus.REFUSED:
        raise UploadRefused(row.refusal)
    if offset != row.length:
        raise UploadOffsetMismatch(f"The upload is complete ({row.length} bytes).")
    return _state(row, row.length)


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


async def _delete_row(sessionmaker: SessionMaker, upload_id: uuid.UUID) -> None:
    async with transaction(sessionmaker) as session:
        await session.execute(delete(Upload).where(col(Upload.id) == upload_id))


async def _complete(
    sessionmaker: SessionMaker,
    partials: PartialStore,
    settings: Settings,
    storage: AsyncMediaStorage,
    row: Upload,
    held: HeldPartial,
) -> UploadState:
    """Sanitise the complete file (the hold is kept) and keep only the clean copy."""
    processing = {"status": UploadStatus.PROCESSING, "expires_at": _expiry(utcnow(), settings)}
    if not await _transition(sessionmaker, row.id, UploadStatus.RECEIVING, **processing):
        raise UploadNotFound()
    stored: list[StoredMedia] = []
    try:
        with partials.workdir(row.id) as workdir:
            received = await held.assemble(workdir)
            clean = await sanitize_and_store_one(ReceivedFile(received), workdir, settings, storage)
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
        await _delete_row(sessionmaker, row.id)  # HEAD → 404: the app starts anew
        raise
    finally:
        await held.discard()  # the unsanitised bytes go, whatever happened
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


async def cancel_upload(
    sessionmaker: SessionMaker,
    partials: PartialStore,
    storage: AsyncMediaStorage,
    upload_id: uuid.UUID,
) -> None:
    """tus termination: the client gives up on an upload (or is done with it). Everything
    kept of an unfinished one is deleted at once, and a ready one's clean copy, which no
    report has taken; an attached one's media belong to its report and stay. The id is then
    unknown (404). An upload being appended to or sanitised is `UploadLocked` (423)."""
    row = await _read_live(sessionmaker, upload_id)
    if row.status is UploadStatus.RECEIVING:
        try:
            async with partials.hold(sessionmaker, row) as held:
                await _delete_row(sessionmaker, row.id)  # first: what stays is an orphan
                await held.discard()
            return
        except UploadNotFound:
            row = await _read_live(sessionmaker, upload_id)  # completed meanwhile?
            if row.status is UploadStatus.RECEIVING:
                raise
    async with transaction(sessionmaker) as session:
        finished = await session.get(Upload, upload_id, with_for_update=True)
        if finished is None:
            raise UploadNotFound()
        if finished.status in UNFINISHED:
            raise UploadLocked()
        ready = finished.status is UploadStatus.READY and finished.storage_key
        key = finished.storage_key if ready else None
        await session.delete(finished)
    if key:
        await discard_keys([key], storage)


async def expire_uploads(
    session: AsyncSession, storage: AsyncMediaStorage, now: datetime, *, partials: PartialStore
) -> int:
    """Delete what no report will take: expired unfinished uploads (row and partial
    bytes), expired refused ones, ready ones never attached (row and clean media), the rows
    of attached ones (their media now belong to a report), and leftover partial bytes no row
    names. Uploads a request is busy with are skipped. Returns how many uploads were removed."""
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
        if row.status in UNFINISHED and not await partials.discard(row):
            continue  # a PATCH holds it right now
        if row.storage_key and row.storage_key not in in_use:
            await storage.delete(row.storage_key)
        await session.delete(row)
        removed.add(row.id)
    await session.flush()
    removed |= await partials.sweep_orphans(session, now, removed)
    return len(removed)
