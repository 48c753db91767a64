"""Four eyes: a moderator's approval that the policy names waits for a lead's
confirmation before anything reaches the hub."""

from __future__ import annotations

from typing import Any

import pytest

from api.app import create_app
from moderation.four_eyes import UnknownFourEyesRule
from tests.conftest import make_settings
from tests.factories import incident_fields


@pytest.fixture
def settings_overrides(settings_overrides: dict[str, Any]) -> dict[str, Any]:
    return {**settings_overrides, "four_eyes": ["urgent", "SexualExploitation"]}


async def approve(client, headers, report_id, **fields):
    await client.post(f"/v1/moderation/reports/{report_id}/claim", headers=headers)
    return await client.post(
        f"/v1/moderation/reports/{report_id}/approve",
        json=incident_fields(**fields),
        headers=headers,
    )


async def test_approvals_the_policy_names_wait_for_a_lead(
    client, make_moderator, make_hub_client, queued_report
):
    ana, lee = await make_moderator("ana"), await make_moderator("lee", role="lead")
    hub = await make_hub_client()
    urgent = await queued_report(urgent=True)
    sexual = await queued_report()
    plain = await queued_report()
    by_lead = await queued_report(urgent=True)

    for report_id, fields in [
        (urgent, {}),
        (sexual, {"exploitation_types": {"SexualExploitation": "yes"}}),
    ]:
        held = await approve(client, ana, report_id, **fields)
        assert held.status_code == 202, held.text
        assert held.json()["hold_reason"] == "four_eyes"
    assert (await approve(client, ana, plain)).status_code == 200
    assert (await approve(client, lee, by_lead)).status_code == 200
    feed = (await client.get("/v1/hub/incidents", headers=hub)).json()["items"]
    assert len(feed) == 2

    confirmed = await client.post(f"/v1/moderation/reports/{urgent}/confirm", headers=lee)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["incident"]["generalisation"]["level"] == 0  # k=1 in tests
    feed = (await client.get("/v1/hub/incidents", headers=hub)).json()["items"]
    assert len(feed) == 3


async def test_a_held_approval_still_refuses_media_of_another_report(
    client, make_moderator, queued_report
):
    ana = await make_moderator("ana")
    report_id = await queued_report(urgent=True)
    answer = await approve(
        client, ana, report_id, shared_media=["6a1f0c2e-0000-4000-8000-000000000000"]
    )
    assert answer.status_code == 422
    assert answer.json()["type"] == "urn:stop-intake:problem:unknown-shared-media"


def test_an_unknown_rule_stops_the_service_at_start(tmp_path):
    with pytest.raises(UnknownFourEyesRule):
        create_app(make_settings(tmp_path, None, four_eyes=["urgnet"]))
