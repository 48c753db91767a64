"""Streaming a stored, sanitised media file to a moderator's browser or script.

Shared by the JSON API and the console so both answer media the same way: the stored
media type, read in chunks off the event loop, and headers that keep the bytes out of
caches and stop a browser from guessing another type or running anything in them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import IO

from fastapi.responses import StreamingResponse

from core.storage import AsyncMediaStorage

CHUNK_BYTES = 256 * 1024
MEDIA_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Disposition": "inline",
    # Opened directly (not inside a page), the file may not load or run anything.
    "Content-Security-Policy": "default-src 'none'; sandbox",
}


async def _chunks(stream: IO[bytes]) -> AsyncIterator[bytes]:
    try:
        while chunk := await asyncio.to_thread(stream.read, CHUNK_BYTES):
            yield chunk
    finally:
        await asyncio.to_thread(stream.close)


async def media_response(storage: AsyncMediaStorage, key: str, mime: str) -> StreamingResponse:
    """The file as a streamed response; a missing object is a 404 before anything is sent."""
    stream = await storage.open(key)
    return StreamingResponse(_chunks(stream), media_type=mime, headers=MEDIA_HEADERS)


def download_response(
    chunks: AsyncIterator[str], media_type: str, filename: str
) -> StreamingResponse:
    """Text made as it is sent (an export), offered as a file to save and never cached."""
    return StreamingResponse(
        (chunk.encode() async for chunk in chunks),
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
