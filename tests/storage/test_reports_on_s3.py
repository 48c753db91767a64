"""The production set-up's media path: a report's photos go to an S3-compatible server
(moto over HTTP) sanitised, encrypted at rest, under keys that say nothing."""

from __future__ import annotations

import json
import re

import pytest

from tests.factories import new_report
from tests.media import builders
from tests.media.oracle import leaks
from tests.storage.conftest import REGION


@pytest.fixture
def settings_overrides(s3_endpoint: str, bucket: str) -> dict:
    return {
        "media_backend": "s3",
        "s3_bucket": bucket,
        "s3_endpoint_url": s3_endpoint,
        "s3_region": REGION,
        "s3_prefix": "media/",
    }


async def test_a_reports_photo_is_stored_in_s3_sanitised_and_encrypted(
    client, s3_admin, bucket, tmp_path
):
    photo = builders.jpeg(tmp_path, "IMG_20240501_maria.jpg")
    parts = [
        ("report", (None, json.dumps(new_report()), "application/json")),
        ("media", (photo.name, photo.read_bytes(), "image/jpeg")),
    ]
    answer = await client.post("/v1/reports", files=parts)
    assert answer.status_code == 201, answer.text

    [entry] = s3_admin.list_objects_v2(Bucket=bucket)["Contents"]
    assert re.fullmatch(r"media/[0-9a-f]{2}/[0-9a-f]{32}\.jpg", entry["Key"])
    head = s3_admin.head_object(Bucket=bucket, Key=entry["Key"])
    assert head["ServerSideEncryption"] == "AES256"
    assert head.get("Metadata", {}) == {}
    stored = tmp_path / "stored.jpg"
    stored.write_bytes(s3_admin.get_object(Bucket=bucket, Key=entry["Key"])["Body"].read())
    assert leaks(stored) == []
    assert b"maria" not in stored.read_bytes()
