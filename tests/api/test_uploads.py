"""Resumable uploads (tus 1.0) as a phone on a flaky network uses them, over HTTP.

Covers creation, resuming after an interruption (also a real TCP connection cut mid-body),
the protocol's refusals, sanitising on completion (the stored bytes are read back and
searched for the GPS position and the camera serial), refusal of non-media, expiry, and
that no unsanitised byte ever reaches the media folder.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import os
import socket
import stat
import time
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from PIL import Image
from sqlalchemy import select

from core.clock import utcnow
from core.db import transaction
from intake.uploads.area import UploadArea
from intake.uploads.service import expire_uploads, take_ready_uploads
from models.media import Media
from models.upload import Upload, UploadStatus
from tests.factories import new_report

PROBLEM = "application/problem+json"
TUS = {"Tus-Resumable": "1.0.0"}
CAMERA_SERIAL = "SN-STOP-4242-XYZ"
FILE_NAME = "IMG_20240501_maria_at_the_farm.jpg"
MAX_BYTES = 3_000_000


@pytest.fixture
def settings_overrides() -> dict[str, int]:
    return {"upload_max_bytes": MAX_BYTES}


def photo_with_gps_and_serial() -> bytes:
    """A real JPEG from a "camera" that recorded where it was and its serial number."""
    noise = Image.frombytes("RGB", (400, 300), os.urandom(400 * 300 * 3))
    exif = Image.Exif()
    exif[0x010F] = "STOPCam"  # Make
    exif.get_ifd(0x8769)[0xA431] = CAMERA_SERIAL  # BodySerialNumber
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (52.0, 31.0, 12.5), 3: "E", 4: (13.0, 24.0, 1.0)})
    out = io.BytesIO()
    noise.save(out, "JPEG", exif=exif, quality=90)
    data = out.getvalue()
    assert CAMERA_SERIAL.encode() in data  # the fixture really carries what must go
    assert 0x8825 in Image.open(io.BytesIO(data)).getexif()
    return data


def headers(**extra: str) -> dict[str, str]:
    return {**TUS, **{name.replace("_", "-"): value for name, value in extra.items()}}


def patch_headers(offset: int) -> dict[str, str]:
    return headers(Upload_Offset=str(offset), Content_Type="application/offset+octet-stream")


async def create(client: httpx.AsyncClient, length: int, **extra: str) -> str:
    answer = await client.post("/v1/uploads", headers=headers(Upload_Length=str(length), **extra))
    assert answer.status_code == 201, answer.text
    assert answer.headers["Tus-Resumable"] == "1.0.0"
    return answer.headers["Location"]


async def offset_of(client: httpx.AsyncClient, url: str) -> int:
    answer = await client.head(url, headers=TUS)
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    return int(answer.headers["Upload-Offset"])


async def upload_row(sessionmaker, url: str) -> Upload | None:
    async with sessionmaker() as session:
        return await session.get(Upload, uuid.UUID(url.rsplit("/", 1)[1]))


def files_under(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


def upload_id(url: str) -> uuid.UUID:
    return uuid.UUID(url.rsplit("/", 1)[1])


async def patch_held_open(
    client: httpx.AsyncClient, url: str, first: bytes, then: bytes = b""
) -> tuple[asyncio.Task[httpx.Response], asyncio.Event]:
    """A PATCH from offset 0 that sends `first`, then stays open (holding the upload)
    until the returned event is set, then sends `then`."""
    release = asyncio.Event()

    async def body() -> AsyncIterator[bytes]:
        yield first
        await release.wait()
        if then:
            yield then

    patching = asyncio.create_task(client.patch(url, content=body(), headers=patch_headers(0)))
    await asyncio.sleep(0.5)  # its first bytes are in and it holds the upload
    return patching, release


@contextlib.asynccontextmanager
async def served(app: Any) -> AsyncIterator[tuple[str, int]]:
    """The app on a real socket (uvicorn), for requests a test writes byte by byte."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning"))
    serving = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        while not server.started:
            await asyncio.sleep(0.01)
        yield listener.getsockname()
    finally:
        server.should_exit = True
        await serving


async def begin_patch(
    address: tuple[str, int], url: str, data: bytes, sent: int
) -> asyncio.StreamWriter:
    """A PATCH from offset 0 announcing all of `data`, of which the first `sent` bytes are
    written (the caller then cuts the connection)."""
    _, writer = await asyncio.open_connection(*address)
    head = (
        f"PATCH {url} HTTP/1.1\r\nHost: phone\r\nTus-Resumable: 1.0.0\r\n"
        f"Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\n"
        f"Content-Length: {len(data)}\r\n\r\n"
    )
    writer.write(head.encode() + data[:sent])
    await writer.drain()
    return writer


async def offset_settles_at(client: httpx.AsyncClient, url: str, expected: int) -> int:
    """The offset HEAD tells, once it is `expected` (the server may still be storing
    what arrived before the cut) or a minute has passed."""
    deadline = time.monotonic() + 60
    while (offset := await offset_of(client, url)) != expected and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return offset


async def test_options_advertises_tus_core_creation_expiration_and_termination(client):
    answer = await client.options("/v1/uploads")
    assert answer.status_code == 204
    assert answer.headers["Tus-Version"] == "1.0.0"
    assert answer.headers["Tus-Extension"] == "creation,expiration,termination"
    assert answer.headers["Tus-Max-Size"] == str(MAX_BYTES)


async def test_every_request_but_options_needs_tus_resumable(client):
    url = await create(client, 10)
    for answer in (
        await client.post("/v1/uploads", headers={"Upload-Length": "10"}),
        await client.head(url),
        await client.patch(url, content=b"x", headers={"Upload-Offset": "0"}),
        await client.post("/v1/uploads", headers={"Tus-Resumable": "0.2.2", "Upload-Length": "1"}),
    ):
        assert answer.status_code == 412
        assert answer.headers["Tus-Version"] == "1.0.0"
        assert answer.headers["content-type"].startswith(PROBLEM)


async def test_photo_interrupted_resumes_and_only_its_clean_copy_is_stored(
    client, app, settings, sessionmaker
):
    photo = photo_with_gps_and_serial()
    metadata = f"filename {base64.b64encode(FILE_NAME.encode()).decode()},filetype aW1hZ2UvanBlZw=="
    url = await create(client, len(photo), Upload_Metadata=metadata)
    assert url.startswith("/v1/uploads/")
    assert await offset_of(client, url) == 0

    first = len(photo) * 2 // 5
    answer = await client.patch(url, content=photo[:first], headers=patch_headers(0))
    assert answer.status_code == 204, answer.text
    assert answer.headers["Upload-Offset"] == str(first)
    assert "GMT" in answer.headers["Upload-Expires"]

    # The phone lost its network here; on reconnecting it asks where to resume.
    assert await offset_of(client, url) == first
    assert files_under(settings.effective_media_dir) == []  # nothing unsanitised stored
    partial = settings.effective_upload_tmp_dir / f"{upload_id(url).hex}.part"
    assert partial.read_bytes() == photo[:first]
    assert stat.S_IMODE(partial.stat().st_mode) == 0o600
    assert stat.S_IMODE(settings.effective_upload_tmp_dir.stat().st_mode) == 0o700

    answer = await client.patch(url, content=photo[first:], headers=patch_headers(first))
    assert answer.status_code == 204, answer.text
    assert answer.headers["Upload-Offset"] == str(len(photo))
    assert await offset_of(client, url) == len(photo)
    assert not partial.exists()

    row = await upload_row(sessionmaker, url)
    assert row is not None and row.status is UploadStatus.READY
    assert row.kind == "image" and row.storage_key is not None
    stored = await app.state.storage.get(row.storage_key)
    assert len(stored) == row.size_bytes
    assert CAMERA_SERIAL.encode() not in stored and b"STOPCam" not in stored
    exif = Image.open(io.BytesIO(stored)).getexif()
    assert 0x8825 not in exif and not exif.get_ifd(0x8825)
    assert FILE_NAME not in repr(row.model_dump())  # Upload-Metadata was never kept

    # A retried last PATCH (its answer was lost) gets the same answer again.
    again = await client.patch(url, content=b"", headers=patch_headers(len(photo)))
    assert again.status_code == 204
    assert again.headers["Upload-Offset"] == str(len(photo))


async def test_report_takes_a_ready_upload_exactly_once(client, sessionmaker):
    photo = photo_with_gps_and_serial()
    url = await create(client, len(photo))
    assert (await client.patch(url, content=photo, headers=patch_headers(0))).status_code == 204
    async with transaction(sessionmaker) as session:
        [taken] = await take_ready_uploads(session, [upload_id(url)])
    assert (taken.kind, taken.mime) == ("image", "image/jpeg")
    assert taken.extension.endswith("jpg")
    row = await upload_row(sessionmaker, url)
    assert row is not None and row.status is UploadStatus.ATTACHED
    assert taken.storage_key == row.storage_key and taken.sha256 == row.sha256

    unfinished = await create(client, 100)
    for ids, why in (
        ([upload_id(url)], "already attached"),
        ([upload_id(unfinished)], "not complete"),
        ([uuid.uuid4()], "unknown"),
        ([upload_id(unfinished), upload_id(unfinished)], "more than once"),
    ):
        with pytest.raises(Exception) as refused:
            async with transaction(sessionmaker) as session:
                await take_ready_uploads(session, ids)
        assert refused.value.status == 422 and why in refused.value.detail  # type: ignore[attr-defined]


async def test_wrong_offset_is_a_conflict_and_changes_nothing(client):
    url = await create(client, 100)
    await client.patch(url, content=b"a" * 10, headers=patch_headers(0))
    for offset in (0, 5, 20):
        answer = await client.patch(url, content=b"b" * 10, headers=patch_headers(offset))
        assert answer.status_code == 409
        assert answer.json()["type"] == "urn:stop-intake:problem:upload-offset-mismatch"
    assert await offset_of(client, url) == 10


async def test_too_large_uploads_and_bodies_are_refused_with_413(client, settings):
    too_big = await client.post("/v1/uploads", headers=headers(Upload_Length=str(MAX_BYTES + 1)))
    assert too_big.status_code == 413
    assert too_big.headers["content-type"].startswith(PROBLEM)

    url = await create(client, 100)
    declared = await client.patch(url, content=b"x" * 101, headers=patch_headers(0))
    assert declared.status_code == 413
    assert await offset_of(client, url) == 0

    async def streamed():  # no Content-Length: cut off while streaming
        for _ in range(3):
            yield b"y" * 40

    answer = await client.patch(url, content=streamed(), headers=patch_headers(0))
    assert answer.status_code == 413
    assert answer.json()["type"] == "urn:stop-intake:problem:upload-too-large"
    assert await offset_of(client, url) == 80  # the bytes before the excess are kept
    assert files_under(settings.effective_media_dir) == []


async def test_unknown_and_malformed_upload_ids_are_404(client):
    for url in (f"/v1/uploads/{uuid.uuid4()}", "/v1/uploads/not-an-id"):
        assert (await client.head(url, headers=TUS)).status_code == 404
        answer = await client.patch(url, content=b"x", headers=patch_headers(0))
        assert answer.status_code == 404
        assert answer.json()["type"] == "urn:stop-intake:problem:upload-not-found"


async def test_malformed_creation_requests_are_400(client):
    for extra in (
        {},
        {"Upload-Length": "-5"},
        {"Upload-Length": "0"},
        {"Upload-Defer-Length": "1"},
        {"Upload-Length": "10", "Upload-Metadata": "filename not base64!"},
    ):
        answer = await client.post("/v1/uploads", headers={**TUS, **extra})
        assert answer.status_code == 400, extra
        assert answer.headers["content-type"].startswith(PROBLEM)
    url = await create(client, 10)
    wrong_type = await client.patch(
        url, content=b"x", headers={**TUS, "Upload-Offset": "0", "Content-Type": "image/jpeg"}
    )
    assert wrong_type.status_code == 415


async def test_a_file_that_is_not_media_is_refused_and_nothing_is_kept(
    client, settings, sessionmaker
):
    document = b"%PDF-1.4\n" + b"Name: Maria, passport 123456\n" * 200
    url = await create(client, len(document))
    answer = await client.patch(url, content=document, headers=patch_headers(0))
    assert answer.status_code == 415
    assert answer.headers["content-type"].startswith(PROBLEM)
    assert answer.json()["type"] == "urn:stop-intake:problem:upload-refused"
    assert answer.json()["detail"] and "Maria" not in answer.json()["detail"]
    assert files_under(settings.effective_media_dir) == []
    assert files_under(settings.effective_upload_tmp_dir) == []
    row = await upload_row(sessionmaker, url)
    assert row is not None and row.status is UploadStatus.REFUSED and row.storage_key is None
    again = await client.patch(url, content=b"", headers=patch_headers(len(document)))
    assert again.status_code == 415


async def test_concurrent_patches_on_one_upload_do_not_interleave(client):
    url = await create(client, 200)
    first, release = await patch_held_open(client, url, b"a" * 50, b"a" * 50)
    second = await client.patch(url, content=b"b" * 100, headers=patch_headers(0))
    assert second.status_code == 423
    assert second.json()["type"] == "urn:stop-intake:problem:upload-locked"
    release.set()
    assert (await first).status_code == 204
    assert await offset_of(client, url) == 100


async def test_cancelling_deletes_what_was_received_and_an_unused_clean_copy(
    client, app, settings, sessionmaker
):
    unfinished = await create(client, 100)
    await client.patch(unfinished, content=b"z" * 30, headers=patch_headers(0))
    answer = await client.delete(unfinished, headers=TUS)
    assert answer.status_code == 204, answer.text
    assert answer.headers["Tus-Resumable"] == "1.0.0"
    assert files_under(settings.effective_upload_tmp_dir) == []
    for again in (
        await client.head(unfinished, headers=TUS),
        await client.patch(unfinished, content=b"z", headers=patch_headers(30)),
        await client.delete(unfinished, headers=TUS),
    ):
        assert again.status_code == 404

    photo = photo_with_gps_and_serial()
    ready = await create(client, len(photo))
    await client.patch(ready, content=photo, headers=patch_headers(0))
    key = (await upload_row(sessionmaker, ready)).storage_key
    assert await app.state.storage.exists(key)
    assert (await client.delete(ready, headers=TUS)).status_code == 204
    assert not await app.state.storage.exists(key)  # no report took it: nothing is kept
    assert await upload_row(sessionmaker, ready) is None


async def test_an_upload_being_appended_to_cannot_be_cancelled(client):
    url = await create(client, 200)
    patching, release = await patch_held_open(client, url, b"a" * 50)
    refused = await client.delete(url, headers=TUS)
    assert refused.status_code == 423
    release.set()
    assert (await patching).status_code == 204
    assert (await client.delete(url, headers=TUS)).status_code == 204


async def test_a_connection_cut_mid_body_keeps_the_bytes_received(app, client):
    """A real TCP connection to a real server, dropped after part of the body."""
    photo = photo_with_gps_and_serial()
    url = await create(client, len(photo))
    sent = len(photo) // 3
    async with served(app) as address:
        writer = await begin_patch(address, url, photo, sent)
        await asyncio.sleep(0.3)
        writer.transport.abort()  # the network drops: no more bytes, no goodbye
        assert await offset_settles_at(client, url, sent) == sent
    answer = await client.patch(url, content=photo[sent:], headers=patch_headers(sent))
    assert answer.status_code == 204, answer.text
    assert answer.headers["Upload-Offset"] == str(len(photo))


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"], indirect=True)
async def test_expiry_deletes_unfinished_and_unclaimed_uploads(client, app, settings, sessionmaker):
    area = UploadArea.from_settings(settings)
    partials = app.state.upload_partials
    storage = app.state.storage
    unfinished = await create(client, 100)
    await client.patch(unfinished, content=b"z" * 30, headers=patch_headers(0))
    photo = photo_with_gps_and_serial()
    unclaimed = await create(client, len(photo))
    await client.patch(unclaimed, content=photo, headers=patch_headers(0))
    claimed = await create(client, len(photo))
    await client.patch(claimed, content=photo, headers=patch_headers(0))
    unclaimed_key = (await upload_row(sessionmaker, unclaimed)).storage_key
    orphan = area.path(uuid.uuid4())
    orphan.write_bytes(b"left by a crash")
    os.utime(orphan, (time.time() - 7200, time.time() - 7200))

    # A report takes one upload, as the submission will: its media rows keep the file.
    report = await client.post("/v1/reports", json=new_report())
    async with transaction(sessionmaker) as session:
        [taken] = await take_ready_uploads(session, [upload_id(claimed)])
        session.add(
            Media(
                report_id=uuid.UUID(report.json()["report_id"]),
                created_at=utcnow(),
                **taken.__dict__,
            )
        )

    async with transaction(sessionmaker) as session:  # nothing has expired yet
        assert (
            await expire_uploads(session, storage, utcnow(), partials=partials) == 2
        )  # attached, orphan
    assert not orphan.exists()
    assert await offset_of(client, unfinished) == 30

    later = utcnow() + timedelta(hours=settings.upload_expiry_hours, minutes=2)
    async with transaction(sessionmaker) as session:
        assert await expire_uploads(session, storage, later, partials=partials) == 2
    for url in (unfinished, unclaimed, claimed):
        assert await upload_row(sessionmaker, url) is None
    assert (await client.head(unfinished, headers=TUS)).status_code == 404
    assert files_under(settings.effective_upload_tmp_dir) == []
    assert not await storage.exists(unclaimed_key)
    assert await storage.exists(taken.storage_key)  # the report's photo stays
    async with sessionmaker() as session:
        assert (await session.scalars(select(Media.storage_key))).all() == [taken.storage_key]


async def test_an_expired_upload_cannot_be_resumed(client, sessionmaker):
    url = await create(client, 100)
    async with transaction(sessionmaker) as session:
        row = await session.get(Upload, upload_id(url))
        row.expires_at = utcnow() - timedelta(minutes=1)
    assert (await client.head(url, headers=TUS)).status_code == 404
    answer = await client.patch(url, content=b"x", headers=patch_headers(0))
    assert answer.status_code == 404


@pytest.mark.parametrize("settings_overrides", [{"upload_reserved_max_bytes": 150}])
async def test_creation_stops_when_unfinished_uploads_would_fill_the_disk(client):
    await create(client, 100)
    answer = await client.post("/v1/uploads", headers=headers(Upload_Length="100"))
    assert answer.status_code == 503
    assert "Retry-After" in answer.headers


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_resumable_upload_on_the_embedded_database(client, app, sessionmaker):
    photo = photo_with_gps_and_serial()
    url = await create(client, len(photo))
    half = len(photo) // 2
    await client.patch(url, content=photo[:half], headers=patch_headers(0))
    assert await offset_of(client, url) == half
    answer = await client.patch(url, content=photo[half:], headers=patch_headers(half))
    assert answer.status_code == 204, answer.text
    row = await upload_row(sessionmaker, url)
    assert row is not None and row.status is UploadStatus.READY
    assert CAMERA_SERIAL.encode() not in await app.state.storage.get(row.storage_key)
