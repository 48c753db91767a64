"""The media routes (JSON API and console): only moderators get the bytes, exactly as
stored, with headers that keep them out of caches and stop type sniffing; each fetch is
in the report's history."""

from __future__ import annotations

import uuid

import pytest

from tests.console.conftest import png_bytes
from tests.factories import new_report


async def test_api_media_needs_a_moderator_and_streams_the_stored_file(
    client, make_moderator, queued_report, attach_image
):
    report_id = await queued_report()
    media_id = await attach_image(report_id)
    assert (await client.get(f"/v1/moderation/media/{media_id}")).status_code == 401
    forged = {"Authorization": "Bearer stopmod_forged"}
    assert (await client.get(f"/v1/moderation/media/{media_id}", headers=forged)).status_code == 401

    headers = await make_moderator()
    answer = await client.get(f"/v1/moderation/media/{media_id}", headers=headers)
    assert answer.status_code == 200
    assert answer.content == png_bytes()
    assert answer.headers["content-type"] == "image/png"
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["content-disposition"] == "inline"

    detail = await client.get(f"/v1/moderation/reports/{report_id}", headers=headers)
    first = detail.json()["history"][0]
    assert first["action"] == "viewed_media" and first["moderator"] == "mod"
    assert first["detail"] == {"media_id": str(media_id)}


async def test_api_media_of_an_unknown_or_unprocessed_report_is_404(
    client, make_moderator, attach_image
):
    headers = await make_moderator()
    unknown = await client.get(f"/v1/moderation/media/{uuid.uuid4()}", headers=headers)
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"

    accepted = await client.post("/v1/reports", json=new_report())  # not through the worker yet
    media_id = await attach_image(accepted.json()["report_id"])
    answer = await client.get(f"/v1/moderation/media/{media_id}", headers=headers)
    assert answer.status_code == 404


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"], indirect=True)
async def test_console_media_needs_a_console_session(
    client, console_login, queued_report, attach_image
):
    media_id = await attach_image(await queued_report())
    logged_out = await client.get(f"/console/media/{media_id}")
    assert logged_out.status_code == 303
    assert logged_out.headers["location"].startswith("/console/login")

    await console_login()
    answer = await client.get(f"/console/media/{media_id}")
    assert answer.status_code == 200 and answer.content == png_bytes()
    assert answer.headers["content-type"] == "image/png"
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-content-type-options"] == "nosniff"
