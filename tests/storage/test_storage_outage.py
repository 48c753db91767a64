"""Media storage down (the S3-compatible server stopped mid-test): a report with a photo
is a 503 with Retry-After, no report row points at missing media, and the same request
works once the server is back, storing exactly one report. What an outage or a crash
leaves in the bucket without a row is removed by the orphan sweep."""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer
from sqlalchemy import func, select
from sqlmodel import col

from core.clock import utcnow
from intake.orphans import sweep_orphans
from models.media import Media
from models.report import Report
from tests.factories import new_report
from tests.media import builders
from tests.storage.conftest import REGION


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RestartableS3:
    """A moto server of this test alone on a fixed port, stopped and started again (moto
    keeps its buckets in the process, so they survive the restart like a real server's)."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._server: ThreadedMotoServer | None = None

    def start(self) -> None:
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None


@pytest.fixture
def s3(aws_credentials: None) -> Iterator[RestartableS3]:
    server = RestartableS3()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def outage_bucket(s3: RestartableS3) -> str:
    name = f"stop-outage-{uuid.uuid4().hex[:12]}"
    admin(s3).create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    return name


def admin(s3: RestartableS3) -> Any:
    return boto3.client("s3", endpoint_url=s3.endpoint, region_name=REGION)


@pytest.fixture
def settings_overrides(s3: RestartableS3, outage_bucket: str) -> dict[str, Any]:
    return {
        "media_backend": "s3",
        "s3_bucket": outage_bucket,
        "s3_endpoint_url": s3.endpoint,
        "s3_region": REGION,
        "s3_prefix": "media/",
    }


def with_photo(body: dict[str, Any], photo: Any) -> list[Any]:
    return [
        ("report", (None, json.dumps(body), "application/json")),
        ("media", (photo.name, photo.read_bytes(), "image/jpeg")),
    ]


def stored_keys(s3: RestartableS3, bucket: str) -> set[str]:
    listed = admin(s3).list_objects_v2(Bucket=bucket, Prefix="media/")
    return {entry["Key"].removeprefix("media/") for entry in listed.get("Contents", [])}


async def media_keys(sessionmaker: Any) -> set[str]:
    async with sessionmaker() as session:
        return set((await session.execute(select(col(Media.storage_key)))).scalars())


async def reports(sessionmaker: Any) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(Report)) or 0)


async def test_storage_down_is_a_503_with_nothing_half_written_and_recovers(
    client, sessionmaker, s3, outage_bucket, tmp_path
):
    photo = builders.jpeg(tmp_path)
    before = await client.post("/v1/reports", files=with_photo(new_report(), photo))
    assert before.status_code == 201, before.text

    s3.stop()
    body = new_report()
    down = await client.post("/v1/reports", files=with_photo(body, photo))

    assert down.status_code == 503, down.text
    assert down.headers["content-type"] == "application/problem+json"
    assert down.json()["type"] == "urn:stop-intake:problem:storage-unavailable"
    assert int(down.headers["retry-after"]) > 0
    assert await reports(sessionmaker) == 1  # no row for the refused report

    s3.start()  # the service itself is not restarted
    retried = await client.post("/v1/reports", files=with_photo(body, photo))
    assert retried.status_code == 201, retried.text
    again = await client.post("/v1/reports", files=with_photo(body, photo))
    assert again.status_code == 200 and again.json() == retried.json()  # exactly once
    assert await reports(sessionmaker) == 2
    # every stored object is named by a media row, and every row's object exists
    assert stored_keys(s3, outage_bucket) == await media_keys(sessionmaker)
    assert len(await media_keys(sessionmaker)) == 2


async def test_the_orphan_sweep_removes_objects_no_row_names(
    app, client, sessionmaker, s3, outage_bucket, tmp_path
):
    accepted = await client.post(
        "/v1/reports", files=with_photo(new_report(), builders.jpeg(tmp_path))
    )
    assert accepted.status_code == 201, accepted.text
    orphan = f"ab/{uuid.uuid4().hex}.jpg"  # as a crash between the file and its row leaves
    admin(s3).put_object(Bucket=outage_bucket, Key=f"media/{orphan}", Body=b"clean bytes")
    named = await media_keys(sessionmaker)

    storage = app.state.storage
    assert await sweep_orphans(sessionmaker, storage, utcnow()) == 0  # within the grace
    assert await sweep_orphans(sessionmaker, storage, utcnow(), timedelta(0)) == 1

    assert stored_keys(s3, outage_bucket) == named
    assert orphan not in stored_keys(s3, outage_bucket)
