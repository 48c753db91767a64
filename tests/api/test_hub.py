"""The hub pulls approved incidents with an API key, page by page, with an opaque cursor."""

from __future__ import annotations

import h3

from tests.factories import incident_fields


async def approve_new_report(client, headers, queued_report, **fields) -> str:
    report_id = await queued_report(**fields)
    await client.post(f"/v1/moderation/reports/{report_id}/claim", headers=headers)
    answer = await client.post(
        f"/v1/moderation/reports/{report_id}/approve", json=incident_fields(), headers=headers
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["incident_id"]


async def test_feed_needs_a_known_key(client, make_hub_client):
    await make_hub_client()
    assert (await client.get("/v1/hub/incidents")).status_code == 401
    wrong = await client.get("/v1/hub/incidents", headers={"Authorization": "Bearer stophub_nope"})
    assert wrong.status_code == 401
    assert wrong.json()["type"] == "urn:stop-intake:problem:invalid-hub-key"


async def test_feed_pages_through_incidents_in_publication_order(
    client, make_moderator, make_hub_client, queued_report
):
    moderator = await make_moderator()
    hub = await make_hub_client()
    published = [await approve_new_report(client, moderator, queued_report) for _ in range(5)]

    seen: list[str] = []
    cursor = None
    for _ in range(4):
        params = {"limit": 2} | ({"after": cursor} if cursor else {})
        page = (await client.get("/v1/hub/incidents", params=params, headers=hub)).json()
        seen += [item["incident_id"] for item in page["items"]]
        cursor = page["next"]
    assert seen == published
    assert cursor is not None

    later = await approve_new_report(client, moderator, queued_report)
    page = (await client.get("/v1/hub/incidents", params={"after": cursor}, headers=hub)).json()
    assert [item["incident_id"] for item in page["items"]] == [later]


async def test_feed_items_carry_no_report_text_and_only_coarse_coordinates(
    client, make_moderator, make_hub_client, queued_report
):
    moderator = await make_moderator()
    hub = await make_hub_client()
    location = {"latitude": 19.432608, "longitude": -99.133209, "accuracy_m": 10}
    await approve_new_report(
        client, moderator, queued_report, location=location, text="secret words here"
    )
    page = await client.get("/v1/hub/incidents", headers=hub)
    item = page.json()["items"][0]["incident"]
    assert "secret words" not in page.text
    (event,) = item["events"]
    cell = event["place"]["cell"]
    assert event["place"]["precision"] == "cell" and cell["resolution"] == 7
    assert h3.latlng_to_cell(19.432608, -99.133209, 7) == cell["id"]
    assert cell["centre"] != {"latitude": 19.432608, "longitude": -99.133209}
    assert cell["area_km2"] > 4
    assert "19.4326" not in page.text and "-99.1332" not in page.text
    assert item["original_language"] == "eng"


async def test_a_cursor_the_feed_never_gave_is_a_clear_error(client, make_hub_client):
    hub = await make_hub_client()
    for cursor in ("garbage!!", "c2VxMTphYmM", "-1"):
        answer = await client.get("/v1/hub/incidents", params={"after": cursor}, headers=hub)
        assert answer.status_code == 422
        assert answer.json()["type"] == "urn:stop-intake:problem:invalid-cursor"


async def test_corrections_and_retractions_reach_the_hub_as_new_versions(
    client, make_moderator, make_hub_client, queued_report
):
    moderator = await make_moderator("ana")
    lead = await make_moderator("lee", role="lead")
    hub = await make_hub_client()
    approved_id = await queued_report()
    await client.post(f"/v1/moderation/reports/{approved_id}/claim", headers=moderator)
    approval = await client.post(
        f"/v1/moderation/reports/{approved_id}/approve", json=incident_fields(), headers=moderator
    )
    incident_id = approval.json()["incident_id"]
    cursor = (await client.get("/v1/hub/incidents", headers=hub)).json()["next"]

    refused = await client.post(
        f"/v1/moderation/reports/{approved_id}/correct", json=incident_fields(), headers=moderator
    )
    assert refused.status_code == 403
    corrected = await client.post(
        f"/v1/moderation/reports/{approved_id}/correct",
        json=incident_fields(summary="Six women, not five."),
        headers=lead,
    )
    assert corrected.status_code == 200
    retracted = await client.post(
        f"/v1/moderation/reports/{approved_id}/retract", json={"reason": "hoax"}, headers=lead
    )
    assert retracted.status_code == 200
    again = await client.post(
        f"/v1/moderation/reports/{approved_id}/retract", json={"reason": "hoax"}, headers=lead
    )
    assert again.status_code == 409

    later = (await client.get("/v1/hub/incidents", params={"after": cursor}, headers=hub)).json()
    assert [(i["incident_id"], i["version"], i["change"]) for i in later["items"]] == [
        (incident_id, 2, "corrected"),
        (incident_id, 3, "retracted"),
    ]
    # The correction was readable until the retraction; now every version is empty.
    assert later["items"][0]["scrubbed"] and later["items"][0]["incident"] is None
    assert later["items"][1]["incident"] is None
    assert later["items"][1]["retraction"] == {"reason": "other"}
