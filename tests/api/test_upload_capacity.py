"""One client cannot use up the room for resumable uploads: reservations are capped per
client, only bytes really received hold disk room, and an upload that receives nothing
goes quickly."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from core.clock import utcnow
from core.db import transaction
from intake.uploads.service import expire_uploads
from tests.api.test_uploads import create, headers, patch_headers

MB = 1_000_000


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {
        "upload_max_bytes": 200 * MB,
        "upload_reserved_max_bytes": 1_000 * MB,
        "upload_reserve_ahead_bytes": 4 * MB,
        "rate_limit_upload_create": "100/hour",
    }


def client_at(app, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_empty_reservations_do_not_starve_the_next_reporter(app):
    async with client_at(app, "203.0.113.9") as attacker:
        answers = [
            await attacker.post("/v1/uploads", headers=headers(Upload_Length=str(200 * MB)))
            for _ in range(120)
        ]
    statuses = [answer.status_code for answer in answers]
    assert statuses[:100] == [201] * 100  # 100 × 200 MB declared: 20 GB, ten times the guard
    assert set(statuses[100:]) == {429}  # then the per-client cap
    assert "Retry-After" in answers[-1].headers

    async with client_at(app, "198.51.100.4") as reporter:
        url = await create(reporter, 4096)
        done = await reporter.patch(url, content=b"\0" * 4096, headers=patch_headers(0))
    # 415: the bytes reached the sanitiser (they are no photo); what matters is no 503
    assert done.status_code == 415, done.text


@pytest.mark.parametrize(
    "settings_overrides",
    [
        {
            "upload_reserved_max_bytes": 10 * MB,
            "upload_reserve_ahead_bytes": 1 * MB,
            "upload_max_bytes": 100 * MB,
        }
    ],
)
async def test_received_bytes_hold_room_and_declared_ones_do_not(client):
    first = await create(client, 9 * MB)
    sent = await client.patch(first, content=b"\1" * (8 * MB), headers=patch_headers(0))
    assert sent.status_code == 204
    # 8 MB received + 1 MB ahead are held; a 50 MB upload declared but not sent holds only
    # its 1 MB ahead: one more fits (10 MB held in all), two do not
    await create(client, 50 * MB)
    refused = await client.post("/v1/uploads", headers=headers(Upload_Length=str(50 * MB)))
    assert refused.status_code == 503


async def test_an_upload_that_receives_nothing_expires_within_minutes(client, app):
    idle = await create(client, 1000)
    started = await create(client, 1000)
    assert (await client.patch(started, content=b"x", headers=patch_headers(0))).status_code == 204
    soon = utcnow() + timedelta(minutes=app.state.settings.upload_first_byte_minutes + 1)
    async with transaction(app.state.sessionmaker) as session:
        removed = await expire_uploads(
            session, app.state.storage, soon, partials=app.state.upload_partials
        )
    assert removed == 1
    assert (await client.head(idle, headers=headers())).status_code == 404
    assert (await client.head(started, headers=headers())).status_code == 200


async def test_a_patch_that_brings_no_byte_does_not_renew_the_upload(client):
    url = await create(client, 1000)
    before = (await client.head(url, headers=headers())).headers["Upload-Expires"]
    empty = await client.patch(url, content=b"", headers=patch_headers(0))
    assert empty.status_code == 204
    assert empty.headers["Upload-Expires"] == before


@pytest.mark.parametrize(
    "settings_overrides",
    [
        {
            "upload_reserved_max_bytes": 10 * MB,
            "upload_reserve_ahead_bytes": 1 * MB,
            "upload_max_bytes": 100 * MB,
        }
    ],
)
async def test_uploads_created_while_the_disk_was_empty_cannot_all_fill_it(client):
    first = await create(client, 8 * MB)
    second = await create(client, 8 * MB)  # fits at creation: the first holds 1 MB so far
    sent = await client.patch(first, content=b"\1" * (2 * MB), headers=patch_headers(0))
    assert sent.status_code == 204
    # the second's 8 MB no longer fit beside the first's 2 MB received + 1 MB ahead
    refused = await client.patch(second, content=b"\1" * MB, headers=patch_headers(0))
    assert refused.status_code == 503
    assert "Retry-After" in refused.headers
