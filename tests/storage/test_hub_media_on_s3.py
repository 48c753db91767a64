"""Shared media with S3 storage: the hub's link is an S3 presigned URL that the S3 server
(moto over HTTP) serves without any credentials, signed for the configured time, as the
stored media type and never cached. Refusing an altered or expired presigned URL is S3's
own work: moto does not check presigned signatures or expiry, so it is not tested here."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from models.hub_client import HubScope
from tests.api.test_hub_media import approve_sharing_one_of_two_photos
from tests.storage.conftest import REGION


@pytest.fixture
def settings_overrides(s3_endpoint: str, bucket: str) -> dict:
    return {
        "media_backend": "s3",
        "s3_bucket": bucket,
        "s3_endpoint_url": s3_endpoint,
        "s3_region": REGION,
        "s3_prefix": "media/",
        "hub_media_link_seconds": 120,
    }


async def test_a_shared_photo_is_a_presigned_s3_url(
    client, make_moderator, make_hub_client, process_pending, tmp_path, s3_endpoint
):
    moderator = await make_moderator()
    hub = await make_hub_client("media", [HubScope.MEDIA_READ])
    found = await approve_sharing_one_of_two_photos(client, moderator, process_pending, tmp_path)

    answer = await client.get(f"/v1/hub/media/{found['shared']}/url", headers=hub)
    assert answer.status_code == 200, answer.text
    url = answer.json()["url"]
    assert url.startswith(s3_endpoint + "/")
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["120"]
    assert "X-Amz-Signature" in query

    reviewed = await client.get(f"/v1/moderation/media/{found['shared']}", headers=moderator)
    async with httpx.AsyncClient() as s3:  # a plain HTTP client: no AWS credentials
        download = await s3.get(url)
        assert download.status_code == 200, download.text
        assert download.content == reviewed.content
        assert download.headers["content-type"] == "image/jpeg"
        assert download.headers["cache-control"] == "no-store"

    kept = await client.get(f"/v1/hub/media/{found['kept']}/url", headers=hub)
    assert kept.status_code == 404
