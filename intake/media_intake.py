"""Turning received files into stored, sanitised media, and nothing else.

A photo's clean copy is also fingerprinted (a perceptual hash, `media.fingerprint`) before
it is stored, so duplicate suggestions can match two photos of the same scene.

Each file is sanitised (in a worker thread; the sanitiser isolates its decoders), its
original deleted at once, and only the clean copy handed to media storage. If any file is
refused, or anything fails later, every clean copy stored for this request is deleted
again, so a refused request leaves nothing behind. Sanitising is timed (the `sanitise`
stage of `core.stage_timings`) and each refusal counted by its kind, for `GET /metrics`.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

from prometheus_client import Counter

import media
from core.errors import StorageUnavailable
from core.settings import Settings
from core.stage_timings import Stage, timed
from core.storage import AsyncMediaStorage
from intake.multipart import ReceivedFile
from media.errors import RefusalReason

log = logging.getLogger("stop.intake")
#: Files the sanitiser refused, by kind (`GET /metrics`; api.metrics says how processes add up).
REFUSALS = Counter(
    "stop_media_refusals", "Media files the sanitiser refused, by kind of reason.", ["reason"]
)
for _reason in RefusalReason:
    REFUSALS.labels(_reason.value)  # every kind shows, at 0 until it happens


@dataclass(frozen=True)
class StoredMedia:
    """A sanitised file in media storage: what its Media row will say."""

    kind: str
    mime: str
    extension: str
    size_bytes: int
    sha256: str
    storage_key: str
    reencoded: bool
    notes: str
    phash: str | None = None  # a photo's perceptual hash (`media.fingerprint`)


async def sanitize_and_store(
    files: list[ReceivedFile], workdir: Path, settings: Settings, storage: AsyncMediaStorage
) -> list[StoredMedia]:
    stored: list[StoredMedia] = []
    try:
        for number, received in enumerate(files, start=1):
            try:
                stored.append(await sanitize_and_store_one(received, workdir, settings, storage))
            except media.MediaRefused as refusal:
                refusal.detail = f"Media file {number} of {len(files)}: {refusal.detail}"
                raise
    except BaseException:
        await discard(stored, storage)
        raise
    return stored


async def sanitize_and_store_one(
    received: ReceivedFile, workdir: Path, settings: Settings, storage: AsyncMediaStorage
) -> StoredMedia:
    """One file: sanitised, its original deleted whatever happens, the clean copy stored."""
    try:
        with timed(Stage.SANITISE):
            clean = await asyncio.to_thread(
                media.sanitize_file, received.path, workdir, settings=settings
            )
    except media.MediaRefused as refusal:
        REFUSALS.labels(refusal.reason.value).inc()
        raise
    finally:
        received.path.unlink(missing_ok=True)
    try:
        # Duplicate suggestions compare photos by it; a photo without one is still stored.
        phash = (
            await asyncio.to_thread(media.perceptual_hash, clean.path, settings)
            if clean.kind == "image"
            else None
        )
        key = await storage.put(clean.path, extension=clean.extension, mime=clean.mime)
    finally:
        clean.path.unlink(missing_ok=True)
    return StoredMedia(
        kind=clean.kind,
        mime=clean.mime,
        extension=clean.extension,
        size_bytes=clean.size,
        sha256=clean.sha256,
        storage_key=key,
        reencoded=clean.reencoded,
        notes=clean.notes,
        phash=phash,
    )


async def discard(stored: list[StoredMedia], storage: AsyncMediaStorage) -> None:
    """Delete clean copies that will not be attached to a report (see `discard_keys`)."""
    await discard_keys([item.storage_key for item in stored], storage)


async def discard_keys(keys: list[str], storage: AsyncMediaStorage) -> None:
    """Delete stored clean copies no report will name (retries are safe). With media
    storage down they stay behind, for the orphan sweep (`intake.orphans`): the request
    still answers with what went wrong first."""
    for key in keys:
        try:
            await storage.delete(key)
        except StorageUnavailable:
            log.warning("media storage unavailable: a clean copy is left to the orphan sweep")
