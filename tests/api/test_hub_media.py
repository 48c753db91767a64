"""Shared media on the embedded default (local media folder): a hub client with
`media:read` gets a short-lived link signed by the service, downloads the sanitised file
with it, and is refused a file nobody shared, an expired or altered link, and any link
once the incident is retracted or no longer shares the file."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from core.clock import utcnow
from hub.shared_media import link_signature
from models.hub_client import HubScope
from tests.api.test_hub_incidents import claim_and_approve
from tests.factories import incident_fields, new_report
from tests.media import builders

both_databases = pytest.mark.parametrize("backend", ["postgresql", "sqlite"], indirect=True)


@pytest.fixture
async def media_reader(make_hub_client) -> dict[str, str]:
    return await make_hub_client("media", [HubScope.MEDIA_READ])


async def approve_sharing_one_of_two_photos(
    client: Any, moderator: dict[str, str], process_pending: Any, tmp_path: Any
) -> dict[str, str]:
    photos = [builders.jpeg(tmp_path, f"{index}.jpg") for index in range(2)]
    accepted = await client.post(
        "/v1/reports",
        files=[("report", (None, json.dumps(new_report()), "application/json"))]
        + [("media", (photo.name, photo.read_bytes(), "image/jpeg")) for photo in photos],
    )
    assert accepted.status_code == 201, accepted.text
    await process_pending()
    report_id = accepted.json()["report_id"]
    detail = await client.get(f"/v1/moderation/reports/{report_id}", headers=moderator)
    shared, kept = [media["id"] for media in detail.json()["media"]]
    approved = await claim_and_approve(client, moderator, report_id, shared_media=[shared])
    assert approved.status_code == 200, approved.text
    return {"report_id": report_id, "shared": shared, "kept": kept}


@pytest.fixture
async def shared(client, make_moderator, process_pending, tmp_path) -> dict[str, Any]:
    moderator = await make_moderator("ana")
    lead = await make_moderator("lee", role="lead")
    found = await approve_sharing_one_of_two_photos(client, moderator, process_pending, tmp_path)
    return found | {"moderator": moderator, "lead": lead}


async def link(client, hub, media_id) -> Any:
    return await client.get(f"/v1/hub/media/{media_id}/url", headers=hub)


def local(url: str) -> str:
    """The link as a path and query (the test client's base is the service itself)."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {name: values[0] for name, values in parse_qs(parts.query).items()} | changes
    return f"{parts.path}?{urlencode(query)}"


def assert_problem(answer: Any, status: int, slug: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == f"urn:stop-intake:problem:{slug}"


@both_databases
async def test_a_shared_photo_downloads_through_its_signed_link(client, media_reader, shared):
    before = utcnow()
    answer = await link(client, media_reader, shared["shared"])
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["url"].startswith(f"http://testserver/v1/hub/media/{shared['shared']}?")
    expires_at = datetime.fromisoformat(body["expires_at"])
    assert before + timedelta(seconds=299) <= expires_at <= utcnow() + timedelta(seconds=300)

    download = await client.get(local(body["url"]))  # no API key: the link is the credential
    assert download.status_code == 200, download.text
    assert download.headers["content-type"] == "image/jpeg"
    assert download.headers["cache-control"] == "no-store"
    assert download.headers["x-content-type-options"] == "nosniff"
    reviewed = await client.get(
        f"/v1/moderation/media/{shared['shared']}", headers=shared["moderator"]
    )
    assert download.content == reviewed.content and download.content.startswith(b"\xff\xd8")


async def test_media_nobody_shared_is_not_found(client, media_reader, shared):
    assert_problem(await link(client, media_reader, shared["kept"]), 404, "shared-media-not-found")
    unknown = "6a1f0c2e-0000-4000-8000-000000000000"
    assert_problem(await link(client, media_reader, unknown), 404, "shared-media-not-found")
    # A link signed for a file nobody shared does not reach it either.
    expires = int((utcnow() + timedelta(minutes=5)).timestamp())
    signature = link_signature(client_hasher(client), shared["kept"], expires)
    forged = f"/v1/hub/media/{shared['kept']}?expires={expires}&signature={signature}"
    assert_problem(await client.get(forged), 404, "shared-media-not-found")


def client_hasher(client: Any) -> Any:
    return client._transport.app.state.hasher


async def test_an_altered_link_is_refused(client, media_reader, shared):
    url = (await link(client, media_reader, shared["shared"])).json()["url"]
    signature = parse_qs(urlsplit(url).query)["signature"][0]
    flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
    later = str(int(parse_qs(urlsplit(url).query)["expires"][0]) + 3600)
    for altered in (
        with_query(url, signature=flipped),
        with_query(url, expires=later),  # a longer life than was signed
        with_query(url, signature="ü" * 64),
        with_query(url, signature=""),
        local(url).replace(shared["shared"], shared["kept"]),  # another file, same signature
    ):
        assert_problem(await client.get(altered), 403, "media-link-refused")


async def test_an_expired_link_is_refused(client, shared):
    past = int((utcnow() - timedelta(seconds=1)).timestamp())
    signature = link_signature(client_hasher(client), shared["shared"], past)
    expired = f"/v1/hub/media/{shared['shared']}?expires={past}&signature={signature}"
    answer = await client.get(expired)
    assert_problem(answer, 403, "media-link-refused")
    assert "expired" in answer.json()["detail"]


@pytest.mark.parametrize(
    "query", ["", "?expires=abc&signature=x", "?expires=1&signature=" + "a" * 200]
)
async def test_a_malformed_link_is_a_422(client, shared, query):
    assert_problem(
        await client.get(f"/v1/hub/media/{shared['shared']}{query}"), 422, "validation-error"
    )


class TestLinkLife:
    @pytest.fixture
    def settings_overrides(self, settings_overrides: dict[str, Any]) -> dict[str, Any]:
        return {**settings_overrides, "hub_media_link_seconds": 60}

    async def test_the_link_lives_as_long_as_configured(self, client, media_reader, shared):
        body = (await link(client, media_reader, shared["shared"])).json()
        expires = int(parse_qs(urlsplit(body["url"]).query)["expires"][0])
        assert datetime.fromisoformat(body["expires_at"]) == datetime.fromtimestamp(expires, UTC)
        assert expires - utcnow().timestamp() <= 60


async def test_a_retraction_ends_every_link_at_once(client, media_reader, shared):
    url = local((await link(client, media_reader, shared["shared"])).json()["url"])
    assert (await client.get(url)).status_code == 200
    retracted = await client.post(
        f"/v1/moderation/reports/{shared['report_id']}/retract",
        json={"reason": "The photo shows a face.", "category": "reidentification_risk"},
        headers=shared["lead"],
    )
    assert retracted.status_code == 200, retracted.text
    assert_problem(await client.get(url), 404, "shared-media-not-found")
    assert_problem(
        await link(client, media_reader, shared["shared"]), 404, "shared-media-not-found"
    )


async def test_a_correction_that_stops_sharing_ends_the_link(client, media_reader, shared):
    url = local((await link(client, media_reader, shared["shared"])).json()["url"])
    corrected = await client.post(
        f"/v1/moderation/reports/{shared['report_id']}/correct",
        json=incident_fields(shared_media=[shared["kept"]]),
        headers=shared["lead"],
    )
    assert corrected.status_code == 200, corrected.text
    assert_problem(await client.get(url), 404, "shared-media-not-found")
    assert (await link(client, media_reader, shared["kept"])).status_code == 200


async def test_links_need_the_media_scope(client, make_hub_client, shared):
    reader = await make_hub_client("reader", [HubScope.INCIDENTS_READ, HubScope.EXPORT_READ])
    assert_problem(await link(client, reader, shared["shared"]), 403, "hub-scope-missing")
    assert (await client.get(f"/v1/hub/media/{shared['shared']}/url")).status_code == 401
