"""Where an unfinished upload's bytes wait for their last byte: what the protocol
(`intake.uploads.service`) needs of it, whichever place keeps them.

Two places keep them:

- a private folder on this host (`intake.uploads.local`, the default with local media): one
  partial file per upload, a file lock against concurrent PATCHes; every request of an
  upload must reach this host;
- the S3 bucket (`intake.uploads.shared`, the default with S3 media): sealed pieces, a
  lease on the upload's row against concurrent PATCHes; any API host can continue any
  upload, behind a load balancer without sticky routing.

Either way a hold is exclusive (a second request is told `UploadLocked`), its `size` is
what survived (the offset a client resumes from), and nothing unsanitised reaches media
storage: the sanitiser gets the whole file in a private scratch folder on the host that
received the last byte.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.db import SessionMaker
from intake.uploads.area import UploadArea
from intake.uploads.errors import UploadTooLarge
from models.upload import Upload

#: Leftovers no row names (a creation rolled back, a crash between a write and its row,
#: a cleanup that failed) are deleted once untouched this long: far longer than a request.
ORPHAN_GRACE = timedelta(hours=1)


class HeldPartial(Protocol):
    """An unfinished upload that this request alone may append to, until it lets go."""

    @property
    def size(self) -> int:
        """Bytes kept so far: the offset a client resumes from."""
        ...

    async def receive(self, body: AsyncIterator[bytes], room: int) -> None:
        """Append the body, never more than `room` bytes (`UploadTooLarge` at the excess).
        Whatever arrived before the body ended, failed or passed the room is kept, durably,
        before this returns or raises."""
        ...

    async def assemble(self, workdir: Path) -> Path:
        """The whole file, in clear, as a private file for the sanitiser (which deletes it)."""
        ...

    async def discard(self) -> None:
        """Delete every byte kept of this upload (the hold lasts until its context ends)."""
        ...


class PartialStore(Protocol):
    def create(self, upload_id: uuid.UUID) -> None:
        """Make room for a new upload's bytes (fails if it exists)."""
        ...

    def size(self, upload_id: uuid.UUID, received: int) -> int | None:
        """Bytes kept of an unfinished upload (its row counts `received`), or None if they
        are lost (e.g. a wiped disk): the client must start anew."""
        ...

    def hold(
        self, sessionmaker: SessionMaker, row: Upload
    ) -> AbstractAsyncContextManager[HeldPartial]:
        """Hold the upload exclusively: `UploadLocked` if another request holds it,
        `UploadNotFound` if its bytes (or its row) are gone."""
        ...

    def workdir(self, upload_id: uuid.UUID) -> AbstractContextManager[Path]:
        """A private scratch folder on this host for sanitising, removed afterwards."""
        ...

    async def discard(self, row: Upload) -> bool:
        """Delete the upload's bytes unless a request holds it; True if they are gone.
        Callers pass expired or cancelled uploads only."""
        ...

    async def sweep_orphans(
        self, session: AsyncSession, now: datetime, besides: set[uuid.UUID]
    ) -> set[uuid.UUID]:
        """Delete what `ORPHAN_GRACE` ago no unfinished row named (skipping uploads in
        `besides`, just removed); the ids of the uploads whose leftovers went."""
        ...


async def within(body: AsyncIterator[bytes], room: int) -> AsyncIterator[bytes]:
    """The body's chunks until it would pass `room` bytes: then `UploadTooLarge`, before
    the chunk that passes it is handed on."""
    received = 0
    async for chunk in body:
        received += len(chunk)
        if received > room:
            raise UploadTooLarge(f"The body passes Upload-Length; {room} bytes were left.")
        yield chunk


async def sweep_stale_files(
    area: UploadArea, session: AsyncSession, now: datetime, besides: set[uuid.UUID]
) -> set[uuid.UUID]:
    """This host's partial files and scratch folders untouched for `ORPHAN_GRACE` whose
    upload has no row, deleted (each host sweeps its own folder)."""
    stale = [i for i in area.untouched_since(now - ORPHAN_GRACE) if i not in besides]
    if not stale:
        return set()
    known = set(await session.scalars(select(col(Upload.id)).where(col(Upload.id).in_(stale))))
    return {i for i in stale if i not in known and area.discard(i)}
