"""The incident as the hub receives it (schema 2.0): validated against the schema it
publishes, tri-state, coarsened, checked for rarity, and retracted for good."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import h3
import jsonschema
import pytest
from sqlalchemy import update

from models.incident import FeedCounter, Incident
from tests.api.test_followup import receipt_auth
from tests.factories import incident_fields, new_report
from tests.media import builders

MEXICO_CITY = {"latitude": 19.4326, "longitude": -99.1332, "accuracy_m": 20}


async def claim_and_approve(client, headers, report_id, **fields) -> Any:
    await client.post(f"/v1/moderation/reports/{report_id}/claim", headers=headers)
    return await client.post(
        f"/v1/moderation/reports/{report_id}/approve",
        json=incident_fields(**fields),
        headers=headers,
    )


async def feed(client, hub, **params) -> list[dict[str, Any]]:
    answer = await client.get("/v1/hub/incidents", params={"limit": 1000, **params}, headers=hub)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


async def test_feed_items_validate_against_the_schema_the_hub_is_given(
    client, make_moderator, make_hub_client, queued_report
):
    moderator, hub = await make_moderator(), await make_hub_client()
    report_id = await queued_report(location=MEXICO_CITY, text="Vi a cinco mujeres encerradas.")
    approved = await claim_and_approve(
        client,
        moderator,
        report_id,
        control_methods={"WithholdsDocuments": "yes", "PhysicalAbuse": "no"},
        genders={"Woman": "yes", "Man": "no"},
        age_bands={"18-20": "yes", "9-17": "no"},
        citizenships=["gt", "HND"],
        people_affected=7,
        recruitment_websites_and_apps={"4Sale": "yes"},
        events=[
            {"type": "Recruitment", "place": "country", "country": "GT", "date_from": "2024-01-20"},
            {"type": "Exploitation", "place": "cell", "country": "MX", "date_from": "2024-05-03"},
        ],
    )
    assert approved.status_code == 200, approved.text

    schema_answer = await client.get("/v1/hub/schema", headers=hub)
    assert schema_answer.headers["content-type"].startswith("application/schema+json")
    validator = jsonschema.Draft202012Validator(schema_answer.json())
    (item,) = await feed(client, hub)
    validator.validate(item)

    incident = item["incident"]
    assert item["schema_version"] == "2.0" and incident["source"] == "community_app"
    assert incident["original_language"] == "spa"
    assert incident["control_methods"]["WithholdsDocuments"] == "yes"
    assert incident["control_methods"]["PhysicalAbuse"] == "no"
    assert incident["control_methods"]["DebtBondage"] == "not_reported"
    assert incident["recruitment_websites_and_apps"]["4Sale"] == "yes"
    assert incident["people"]["citizenship"] == ["GTM", "HND"]
    assert incident["people"]["count"] == "6-10"
    assert incident["people"]["ages"]["bands"]["18-20"] == "yes"
    recruitment, exploitation = incident["events"]
    assert recruitment["place"] == {
        "precision": "country",
        "country": "GTM",
        "region": None,
        "cell": None,
    }
    assert recruitment["window"] == {"unit": "month", "start": "2024-01-01", "end": "2024-01-31"}
    assert exploitation["place"]["precision"] == "cell"
    assert exploitation["place"]["cell"]["resolution"] == 7
    assert item["published_at"].endswith(":00:00Z")


async def test_the_first_version_of_the_form_says_yes_or_not_reported_never_no(
    client, make_moderator, make_hub_client, queued_report
):
    moderator, hub = await make_moderator(), await make_hub_client()
    report_id = await queued_report(location=MEXICO_CITY)
    legacy = {
        "summary": "Men working at a farm without pay.",
        "types_of_exploitation": ["ForcedLabour"],
        "event_type": "Exploitation",
        "country": "MEX",
        "city": "Ciudad Secreta",
        "date_from": "2024-05-01",
        "victims_estimate": 3,
        "include_location": False,
    }
    await client.post(f"/v1/moderation/reports/{report_id}/claim", headers=moderator)
    approved = await client.post(
        f"/v1/moderation/reports/{report_id}/approve", json=legacy, headers=moderator
    )
    assert approved.status_code == 200, approved.text
    (item,) = await feed(client, hub)
    incident = item["incident"]
    assert incident["exploitation_types"]["ForcedLabour"] == "yes"
    assert set(incident["exploitation_types"].values()) == {"yes", "not_reported"}
    assert incident["events"][0]["place"]["precision"] == "country"
    assert incident["people"]["count"] == "2-5"
    assert "Ciudad Secreta" not in json.dumps(item)


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"citizenships": ["XX"]}, "citizenships"),
        ({"events": [{"type": "Transit", "country": "ZZZ"}]}, "country"),
        ({"events": [{"type": "Transit", "country": "GB", "region": "MX-CMX"}]}, "events"),
        ({"events": [{"type": "Transit", "place": "region"}]}, "events"),
        ({"exploitation_types": {"ForcedLabour": "maybe"}}, "exploitation_types"),
        ({"genders": {"Robot": "yes"}}, "genders"),
        ({"shared_media": ["6a1f0c2e-0000-4000-8000-000000000000"]}, None),
    ],
)
async def test_facts_outside_the_standards_are_refused_clearly(
    client, make_moderator, queued_report, fields, where
):
    moderator = await make_moderator()
    report_id = await queued_report()
    answer = await claim_and_approve(client, moderator, report_id, **fields)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    if where:
        assert where in answer.text


async def test_only_the_media_a_moderator_shares_are_referenced(
    client, make_moderator, make_hub_client, process_pending, tmp_path
):
    moderator, hub = await make_moderator(), await make_hub_client()
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
    (item,) = await feed(client, hub)
    assert [media["media_id"] for media in item["incident"]["media"]] == [shared]
    assert kept not in json.dumps(item)


class TestRarity:
    @pytest.fixture
    def settings_overrides(self, settings_overrides: dict[str, Any]) -> dict[str, Any]:
        return {**settings_overrides, "hub_rarity_k": 2}

    async def test_a_rare_incident_waits_for_a_second_lead_then_leaves_coarse(
        self, client, make_moderator, make_hub_client, queued_report
    ):
        ana = await make_moderator("ana")
        lee = await make_moderator("lee", role="lead")
        lou = await make_moderator("lou", role="lead")
        hub = await make_hub_client()
        first = await queued_report(location=MEXICO_CITY)
        held = await claim_and_approve(client, lee, first, genders={"Woman": "yes"})
        assert held.status_code == 202, held.text
        assert held.json() == {"report_id": first, "status": "awaiting_lead", "hold_reason": "rare"}
        assert await feed(client, hub) == []
        detail = (await client.get(f"/v1/moderation/reports/{first}", headers=lou)).json()
        assert detail["status"] == "awaiting_lead" and "confirm" in detail["actions"]

        refused = await client.post(f"/v1/moderation/reports/{first}/confirm", headers=lee)
        assert refused.status_code == 403
        assert refused.json()["type"] == "urn:stop-intake:problem:own-approval"
        assert (
            await client.post(f"/v1/moderation/reports/{first}/confirm", headers=ana)
        ).status_code == 403
        confirmed = await client.post(f"/v1/moderation/reports/{first}/confirm", headers=lou)
        assert confirmed.status_code == 200, confirmed.text
        incident = confirmed.json()["incident"]
        assert incident["generalisation"] == {
            "level": 3,
            "cell_resolution": None,
            "window_unit": "year",
            "rarity_k": 2,
            "released_by_lead": True,
        }
        assert incident["events"][0]["place"]["precision"] == "country"
        assert incident["people"] == "withheld"

        # A second incident alike is one of two: it leaves as precise as configured.
        second = await queued_report(location=MEXICO_CITY)
        published = await claim_and_approve(client, ana, second, genders={"Woman": "yes"})
        assert published.status_code == 200, published.text
        assert published.json()["incident"]["generalisation"]["level"] == 0
        assert published.json()["incident"]["events"][0]["place"]["precision"] == "cell"

    async def test_a_lead_can_send_a_waiting_approval_back(
        self, client, make_moderator, make_hub_client, queued_report
    ):
        ana, lee = await make_moderator("ana"), await make_moderator("lee", role="lead")
        hub = await make_hub_client()
        report_id = await queued_report(location=MEXICO_CITY)
        assert (await claim_and_approve(client, ana, report_id)).status_code == 202
        back = await client.post(
            f"/v1/moderation/reports/{report_id}/send-back",
            json={"reason": "Publish only the country."},
            headers=lee,
        )
        assert back.status_code == 204
        queue = (await client.get("/v1/moderation/queue", headers=ana)).json()["items"]
        assert [item["id"] for item in queue] == [report_id]
        assert await feed(client, hub) == []


async def test_a_retraction_scrubs_every_earlier_version(
    client, make_moderator, make_hub_client, queued_report
):
    moderator = await make_moderator("ana")
    lead = await make_moderator("lee", role="lead")
    hub = await make_hub_client()
    report_id = await queued_report(location=MEXICO_CITY)
    await claim_and_approve(client, moderator, report_id, summary="A bakery on Calle Uno.")
    corrected = await client.post(
        f"/v1/moderation/reports/{report_id}/correct",
        json=incident_fields(summary="A bakery near the market."),
        headers=lead,
    )
    assert corrected.status_code == 200
    before = await client.get("/v1/hub/incidents", headers=hub)
    assert "Calle Uno" in before.text

    retracted = await client.post(
        f"/v1/moderation/reports/{report_id}/retract",
        json={
            "reason": "The bakery owner could be identified.",
            "category": "reidentification_risk",
        },
        headers=lead,
    )
    assert retracted.status_code == 200, retracted.text

    after = await client.get("/v1/hub/incidents", headers=hub)
    assert [
        (item["version"], item["change"], item["scrubbed"]) for item in after.json()["items"]
    ] == [
        (1, "published", True),
        (2, "corrected", True),
        (3, "retracted", False),
    ]
    assert all(item["incident"] is None for item in after.json()["items"])
    assert after.json()["items"][2]["retraction"] == {"reason": "reidentification_risk"}
    for secret in ("Calle Uno", "bakery", "cell", "could be identified"):
        assert secret not in after.text


async def test_a_reporter_withdrawing_after_approval_retracts_the_incident(
    client, make_moderator, make_hub_client, process_pending
):
    moderator, hub = await make_moderator(), await make_hub_client()
    accepted = await client.post("/v1/reports", json=new_report(location=MEXICO_CITY))
    report_id, auth = accepted.json()["report_id"], receipt_auth(accepted.json()["receipt"])
    await process_pending()
    assert (await claim_and_approve(client, moderator, report_id)).status_code == 200

    withdrawn = await client.post("/v1/reports/mine/withdraw", headers=auth)
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "withdrawn"
    published, tombstone = await feed(client, hub)
    assert published["scrubbed"] and published["incident"] is None
    assert tombstone["change"] == "retracted"
    assert tombstone["retraction"] == {"reason": "withdrawn_by_reporter"}


async def test_an_unchanged_page_is_a_304_until_a_retraction_changes_it(
    client, make_moderator, make_hub_client, queued_report
):
    moderator = await make_moderator("ana")
    lead = await make_moderator("lee", role="lead")
    hub = await make_hub_client()
    report_id = await queued_report()
    await claim_and_approve(client, moderator, report_id)
    first = await client.get("/v1/hub/incidents", params={"limit": 1}, headers=hub)
    tag = first.headers["etag"]
    again = await client.get(
        "/v1/hub/incidents", params={"limit": 1}, headers={**hub, "If-None-Match": tag}
    )
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag

    await client.post(
        f"/v1/moderation/reports/{report_id}/retract", json={"reason": "hoax"}, headers=lead
    )
    changed = await client.get(
        "/v1/hub/incidents", params={"limit": 1}, headers={**hub, "If-None-Match": tag}
    )
    assert changed.status_code == 200 and changed.headers["etag"] != tag
    assert changed.json()["items"][0]["scrubbed"] is True


async def test_the_schema_needs_a_hub_key(client):
    answer = await client.get("/v1/hub/schema")
    assert answer.status_code == 401


async def test_incidents_published_under_the_first_schema_are_served_as_schema_two(
    client, make_hub_client, queued_report, sessionmaker
):
    """Rows stored before schema 2.0 hold the first form and a 0.01° point."""
    hub = await make_hub_client()
    report_id = uuid.UUID(await queued_report())
    async with sessionmaker() as session, session.begin():
        await session.execute(update(FeedCounter).values(last_sequence=1))
        session.add(
            Incident(
                incident_id=uuid.uuid4(),
                report_id=report_id,
                version=1,
                sequence=1,
                change="published",
                published_at=datetime(2025, 3, 1, 10, tzinfo=UTC),
                payload={
                    "summary": "Old incident.",
                    "types_of_exploitation": ["ForcedBegging"],
                    "event_type": "Exploitation",
                    "country": "MEX",
                    "city": "Somewhere",
                    "date_from": "2025-02-10",
                    "date_to": None,
                    "location": {"latitude": 19.43, "longitude": -99.13, "precision_m": 1113},
                    "victims_estimate": 2,
                    "urgent": False,
                    "original_language": "es",
                },
            )
        )
    schema = (await client.get("/v1/hub/schema", headers=hub)).json()
    (item,) = await feed(client, hub)
    jsonschema.Draft202012Validator(schema).validate(item)
    incident = item["incident"]
    assert incident["exploitation_types"]["ForcedBegging"] == "yes"
    assert "no" not in incident["exploitation_types"].values()
    assert incident["events"][0]["place"]["cell"]["id"] == h3.latlng_to_cell(19.43, -99.13, 7)
    assert incident["events"][0]["window"]["start"] == "2025-02-01"
    assert "Somewhere" not in json.dumps(item)
