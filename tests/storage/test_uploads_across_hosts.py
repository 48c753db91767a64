"""Resumable uploads behind a load balancer without sticky routing: two API instances, each
with its own data folder, on one PostgreSQL database and one S3-compatible server (moto
over HTTP). The requests of one upload go to either, in chunks of any size; a connection
is cut mid-chunk on one and the upload resumed on the other; the bucket is searched for
anything readable of the original photo (its EXIF, planted identifiers, stretches of its
bytes), and for anything left of an upload once it is finished, cancelled or expired.
"""

from __future__ import annotations

import contextlib
import io
import uuid
import warnings
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import update
from sqlmodel import col

from api.app import create_app
from core.clock import utcnow
from core.db import transaction
from intake.uploads.lease import Lease
from intake.uploads.pieces import MAX_SEGMENTS, PART_BYTES
from intake.uploads.service import expire_uploads
from migrations.secret_key import OtherSecretKey
from models.upload import Upload, UploadStatus
from tests.api.test_uploads import (
    TUS,
    begin_patch,
    create,
    files_under,
    offset_of,
    offset_settles_at,
    patch_headers,
    patch_held_open,
    served,
    upload_id,
)
from tests.conftest import _empty_all_tables, make_settings
from tests.media.oracle import leaks
from tests.storage.conftest import REGION
from tests.storage.partial_uploads import (
    UPLOAD_PREFIX,
    camera_photo,
    original_traces,
    stored_bytes,
    upload_leftovers,
)

MiB = 1024 * 1024


@pytest.fixture(scope="module")
def photo(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return camera_photo(tmp_path_factory.mktemp("camera"))


def host_settings(folder: Path, database: str, endpoint: str, bucket: str, **extra: Any) -> Any:
    return make_settings(
        folder,
        database,
        media_backend="s3",
        s3_bucket=bucket,
        s3_endpoint_url=endpoint,
        s3_region=REGION,
        **extra,
    )


@dataclass
class Hosts:
    apps: list[Any]
    clients: list[httpx.AsyncClient]

    async def row(self, url: str) -> Upload | None:
        async with self.apps[0].state.sessionmaker() as session:
            return await session.get(Upload, upload_id(url))

    async def change_row(self, url: str, **values: Any) -> None:
        """What time does to the upload's row (an expiry or a lease end passing)."""
        async with transaction(self.apps[0].state.sessionmaker) as session:
            await session.execute(
                update(Upload).where(col(Upload.id) == upload_id(url)).values(**values)
            )


async def started(stack: contextlib.AsyncExitStack, settings: Any) -> tuple[Any, httpx.AsyncClient]:
    """An app with its lifespan running and a client of it, both ended by `stack`."""
    app = create_app(settings)
    await stack.enter_async_context(app.router.lifespan_context(app))
    transport = httpx.ASGITransport(app=app)
    client = httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=60)
    return app, await stack.enter_async_context(client)


@pytest.fixture
async def hosts(
    tmp_path: Path, pg_database: str, s3_endpoint: str, bucket: str
) -> AsyncIterator[Hosts]:
    """Host A and host B: two apps, two data folders, one database, one bucket."""
    async with contextlib.AsyncExitStack() as stack:
        pairs = [
            await started(stack, host_settings(tmp_path / name, pg_database, s3_endpoint, bucket))
            for name in ("a", "b")
        ]
        yield Hosts([app for app, _ in pairs], [client for _, client in pairs])
    await _empty_all_tables(pairs[0][0].state.settings)


def pixels(jpeg: bytes) -> bytes:
    with warnings.catch_warnings():  # Pillow frowns at the original's planted segments
        warnings.simplefilter("ignore")
        return Image.open(io.BytesIO(jpeg)).tobytes()


async def send(client: httpx.AsyncClient, url: str, data: bytes, offset: int) -> int:
    answer = await client.patch(url, content=data, headers=patch_headers(offset))
    assert answer.status_code == 204, answer.text
    assert answer.headers["Upload-Offset"] == str(offset + len(data))
    return offset + len(data)


async def assert_clean_and_whole(hosts: Hosts, url: str, photo: bytes, tmp_path: Path) -> None:
    """Sanitised, stored, not a byte lost or doubled; nothing of it left in the bucket or
    in either host's upload folder."""
    row = await hosts.row(url)
    assert row is not None and row.status is UploadStatus.READY and row.storage_key
    stored = await hosts.apps[1].state.storage.get(row.storage_key)
    copy = tmp_path / "as-stored.jpg"
    copy.write_bytes(stored)
    assert leaks(copy) == []
    assert pixels(stored) == pixels(photo)
    for app in hosts.apps:
        assert files_under(app.state.settings.effective_upload_tmp_dir) == []


async def test_an_upload_alternating_between_hosts_in_chunks_of_any_size(
    hosts, photo, s3_admin, bucket, tmp_path
):
    a, b = hosts.clients
    url = await create(a, len(photo))
    offset = 0
    for number in range(MAX_SEGMENTS + 8):  # tiny PATCHes, more of them than segments kept
        offset = await send(hosts.clients[number % 2], url, photo[offset : offset + 4096], offset)
    assert await offset_of(a, url) == await offset_of(b, url) == offset
    assert 0 < len(upload_leftovers(s3_admin, bucket)) <= MAX_SEGMENTS

    number = 0
    while offset <= PART_BYTES:  # 1 MiB PATCHes, alternating, until a part is folded
        offset = await send(hosts.clients[number % 2], url, photo[offset : offset + MiB], offset)
        number += 1
    found = stored_bytes(s3_admin, bucket)
    assert any(name.endswith("(part 1, unfinished)") for name in found)
    assert original_traces(found, photo) == []
    assert await offset_of(b, url) == offset

    rest = photo[offset:]  # over a part's worth in one PATCH, on the other host
    assert len(rest) > PART_BYTES
    assert await send(b, url, rest, offset) == len(photo)
    assert await offset_of(a, url) == len(photo)
    await assert_clean_and_whole(hosts, url, photo, tmp_path)
    assert upload_leftovers(s3_admin, bucket) == []


async def test_a_connection_cut_mid_chunk_on_one_host_resumes_on_the_other(
    hosts, photo, s3_admin, bucket, tmp_path
):
    """A real TCP connection to host A, closed after part of a PATCH's body (a part's
    worth and more): host B tells the offset A kept, and the upload finishes there."""
    a, b = hosts.clients
    url = await create(a, len(photo))
    sent = PART_BYTES + 2 * MiB + 12345
    async with served(hosts.apps[0]) as address:
        writer = await begin_patch(address, url, photo, sent)
        writer.write_eof()  # the network drops mid-body: nothing more comes
        await offset_settles_at(b, url, sent)
        writer.close()
    assert await offset_of(b, url) == sent  # exactly what host A received: kept
    assert original_traces(stored_bytes(s3_admin, bucket), photo) == []

    stale = await b.patch(url, content=photo[:10], headers=patch_headers(0))
    assert stale.status_code == 409  # a client that did not ask with HEAD learns where
    assert await send(b, url, photo[sent:], sent) == len(photo)
    await assert_clean_and_whole(hosts, url, photo, tmp_path)
    assert upload_leftovers(s3_admin, bucket) == []


async def test_two_patches_of_one_upload_on_two_hosts_do_not_interleave(hosts):
    a, b = hosts.clients
    url = await create(a, 200)
    first, release = await patch_held_open(a, url, b"a" * 50, b"a" * 50)
    for refused in (
        await b.patch(url, content=b"b" * 100, headers=patch_headers(0)),
        await b.delete(url, headers=TUS),
    ):
        assert refused.status_code == 423
        assert refused.json()["type"] == "urn:stop-intake:problem:upload-locked"
    release.set()
    assert (await first).status_code == 204
    assert await offset_of(b, url) == 100
    row = await hosts.row(url)
    assert row is not None and row.lease_token is None  # let go once done


async def test_nothing_stays_in_the_bucket_after_cancel_or_expiry(hosts, photo, s3_admin, bucket):
    a, b = hosts.clients
    six = PART_BYTES + MiB  # a part and a segment

    cancelled = await create(a, len(photo))
    await send(a, cancelled, photo[:six], 0)
    assert len(upload_leftovers(s3_admin, bucket)) == 2  # a multipart upload and a segment
    assert (await b.delete(cancelled, headers=TUS)).status_code == 204
    assert upload_leftovers(s3_admin, bucket) == []
    assert (await a.head(cancelled, headers=TUS)).status_code == 404

    expired = await create(b, len(photo))
    await send(b, expired, photo[:six], 0)
    await hosts.change_row(expired, expires_at=utcnow() - timedelta(minutes=1))
    unfinished = await create(a, len(photo))
    await send(a, unfinished, photo[:six], 0)
    # a PATCH on another host between beginning a multipart upload and recording it
    in_flight = f"{UPLOAD_PREFIX}{upload_id(unfinished).hex}/parts"
    s3_admin.create_multipart_upload(Bucket=bucket, Key=in_flight)
    kept = set(upload_leftovers(s3_admin, bucket))
    # what a crash between a write and its row leaves: pieces of an upload no row names
    stray = f"{UPLOAD_PREFIX}{uuid.uuid4().hex}"
    s3_admin.put_object(Bucket=bucket, Key=f"{stray}/{uuid.uuid4().hex}", Body=b"sealed bytes")
    s3_admin.create_multipart_upload(Bucket=bucket, Key=f"{stray}/parts")

    later = utcnow() + timedelta(hours=2)  # past the grace for leftovers, not any expiry
    app = hosts.apps[1]
    async with transaction(app.state.sessionmaker) as session:
        removed = await expire_uploads(
            session, app.state.storage, later, partials=app.state.upload_partials
        )
    assert removed == 2  # the expired upload, the stray one
    left = set(upload_leftovers(s3_admin, bucket))
    assert left and left < kept
    assert all(upload_id(unfinished).hex in name for name in left)
    in_flight_too = upload_leftovers(s3_admin, bucket).count(f"multipart upload of {in_flight}")
    assert in_flight_too == 2  # its own, and the one in flight
    assert (await b.head(expired, headers=TUS)).status_code == 404

    # the sweep left the unfinished upload whole: it finishes on the other host
    assert await offset_of(b, unfinished) == six
    assert await send(b, unfinished, photo[six:], six) == len(photo)
    assert upload_leftovers(s3_admin, bucket) == [f"multipart upload of {in_flight}"]
    async with transaction(app.state.sessionmaker) as session:  # the next sweep
        await expire_uploads(session, app.state.storage, later, partials=app.state.upload_partials)
    assert upload_leftovers(s3_admin, bucket) == []


async def test_a_host_with_another_secret_key_does_not_start_and_the_upload_goes_on(
    hosts, photo, tmp_path, pg_database, s3_endpoint, bucket
):
    """A misconfigured host (STOP_SECRET_KEY not shared) stops at start-up, before it
    could take a piece it cannot open (`tests/storage/test_sealed_pieces.py` shows the
    pieces stay sealed to it); the upload goes on on the hosts that share the key."""
    a, b = hosts.clients
    url = await create(a, len(photo))
    await send(a, url, photo[:MiB], 0)
    other = host_settings(
        tmp_path / "c", pg_database, s3_endpoint, bucket, secret_key="another-secret-key"
    )
    async with contextlib.AsyncExitStack() as stack:
        with pytest.raises(OtherSecretKey):
            await started(stack, other)
    assert await offset_of(b, url) == MiB
    assert await send(b, url, photo[MiB:], MiB) == len(photo)


async def test_a_lease_left_by_a_host_that_died_runs_out(hosts):
    """A host killed mid-PATCH cannot let go of its lease: the upload waits (423) until
    the lease's end, then any host continues from what was stored."""
    a, b = hosts.clients
    url = await create(a, 300)
    await send(a, url, b"x" * 100, 0)
    sessionmaker = hosts.apps[0].state.sessionmaker
    await Lease.take(sessionmaker, upload_id(url))  # taken, never released: the host died
    assert (await b.patch(url, content=b"y", headers=patch_headers(100))).status_code == 423
    await hosts.change_row(url, lease_until=utcnow() - timedelta(seconds=1))  # its end passes
    assert await send(b, url, b"y" * 100, 100) == 200


async def test_a_patch_whose_lease_was_taken_over_adds_nothing(hosts):
    """Host A stalls past its lease's end in the middle of a PATCH; host B takes the lease
    and appends. When A goes on, none of its bytes are added (423): no interleaving."""
    a, b = hosts.clients
    url = await create(a, 300)
    stalled, release = await patch_held_open(a, url, b"a" * 50, b"a" * 50)
    await hosts.change_row(url, lease_until=utcnow() - timedelta(seconds=1))  # A's ends
    assert await send(b, url, b"b" * 100, 0) == 100
    release.set()
    assert (await stalled).status_code == 423
    assert await offset_of(a, url) == await offset_of(b, url) == 100
