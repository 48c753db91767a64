"""Uploads kept in the bucket work on the embedded database too (SQLite, one host, S3
media): the lease is a plain UPDATE there as well."""

from __future__ import annotations

import pytest

from models.upload import UploadStatus
from tests.api.test_uploads import (
    CAMERA_SERIAL,
    create,
    offset_of,
    patch_headers,
    photo_with_gps_and_serial,
    upload_row,
)
from tests.storage.conftest import REGION
from tests.storage.partial_uploads import upload_leftovers


@pytest.fixture
def settings_overrides(s3_endpoint: str, bucket: str) -> dict[str, str]:
    return {
        "media_backend": "s3",
        "s3_bucket": bucket,
        "s3_endpoint_url": s3_endpoint,
        "s3_region": REGION,
    }


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_an_upload_kept_in_the_bucket_on_sqlite(client, app, sessionmaker, s3_admin, bucket):
    photo = photo_with_gps_and_serial()
    url = await create(client, len(photo))
    half = len(photo) // 2
    assert (await client.patch(url, content=photo[:half], headers=patch_headers(0))).is_success
    assert await offset_of(client, url) == half
    assert len(upload_leftovers(s3_admin, bucket)) == 1  # one sealed segment
    answer = await client.patch(url, content=photo[half:], headers=patch_headers(half))
    assert answer.status_code == 204, answer.text
    row = await upload_row(sessionmaker, url)
    assert row is not None and row.status is UploadStatus.READY
    assert CAMERA_SERIAL.encode() not in await app.state.storage.get(row.storage_key)
    assert upload_leftovers(s3_admin, bucket) == []
