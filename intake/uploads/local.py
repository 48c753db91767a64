"""Unfinished uploads in this host's private folder (`intake.uploads.area`): the embedded
default, and any set-up with local media.

The partial file's size is the offset, and an exclusive `flock` on it keeps two requests
from interleaving; so every request of an upload must reach this host (one host, a shared
folder with working `flock`, or sticky routing). With S3 media the uploads live in the
bucket instead (`intake.uploads.shared`).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from core.db import SessionMaker
from intake.uploads.area import PartialFile, UploadArea
from intake.uploads.partials import sweep_stale_files, within
from models.upload import Upload

#: Bytes gathered from the body before one write: few thread hops, bounded memory.
WRITE_BUFFER_BYTES = 1 << 20


class LocalHold:
    """A locked partial file: bytes are appended and synced before the offset is told."""

    def __init__(self, partial: PartialFile) -> None:
        self.partial = partial

    @property
    def size(self) -> int:
        return self.partial.size

    async def receive(self, body: AsyncIterator[bytes], room: int) -> None:
        """Stream the body to the end of the file, never whole in memory."""
        buffer = bytearray()
        try:
            async for chunk in within(body, room):
                buffer += chunk
                if len(buffer) >= WRITE_BUFFER_BYTES:
                    data, buffer = bytes(buffer), bytearray()
                    await asyncio.to_thread(self.partial.append, data)
        finally:
            if buffer:
                await asyncio.to_thread(self.partial.append, bytes(buffer))
            await asyncio.to_thread(self.partial.sync)

    async def assemble(self, workdir: Path) -> Path:
        return self.partial.path  # already whole, private and outside media storage

    async def discard(self) -> None:
        self.partial.path.unlink(missing_ok=True)


class LocalPartials:
    def __init__(self, area: UploadArea) -> None:
        self.area = area

    def create(self, upload_id: uuid.UUID) -> None:
        self.area.create(upload_id)

    def size(self, upload_id: uuid.UUID, received: int) -> int | None:
        return self.area.size(upload_id)  # the file, not the row, knows what survived

    @contextlib.asynccontextmanager
    async def hold(self, sessionmaker: SessionMaker, row: Upload) -> AsyncIterator[LocalHold]:
        with self.area.locked(row.id) as partial:
            yield LocalHold(partial)

    def workdir(self, upload_id: uuid.UUID) -> contextlib.AbstractContextManager[Path]:
        return self.area.workdir(upload_id)

    async def discard(self, row: Upload) -> bool:
        return self.area.discard(row.id)

    async def sweep_orphans(
        self, session: AsyncSession, now: datetime, besides: set[uuid.UUID]
    ) -> set[uuid.UUID]:
        return await sweep_stale_files(self.area, session, now, besides)
