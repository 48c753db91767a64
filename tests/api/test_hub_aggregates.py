"""Private aggregates for public dashboards: counts of live incidents by public categories
with OpenDP's noise, a contribution bound per incident, one privacy budget recorded per
release and refused once spent, and a fresh release reused at no cost.

OpenDP cannot be seeded (its noise comes from the operating system's generator, on
purpose), so the statistical tests use bounds that cannot fail by chance: with a huge
epsilon the noise is zero with a probability indistinguishable from one; with a small one
the mean error over thousands of cells is checked between bounds several standard
deviations wide.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from core.db import transaction
from hub.codes import country_codes
from models.aggregate_release import AggregateRelease
from models.hub_client import HubScope
from tests.api.test_hub_incidents import claim_and_approve
from tests.factories import incident_fields

AGGREGATES = "/v1/hub/aggregates"
PROBLEM = "urn:stop-intake:problem:"
# noise of scale 4 / 1000: a cell is off by one with probability about e^-250
EXACT = {"aggregates_epsilon": 1000.0, "aggregates_budget_epsilon": 1e9}


def event(kind: str, country: str, day: str) -> dict[str, Any]:
    return {"type": kind, "place": "country", "country": country, "date_from": day}


def kinds(*yes: str) -> dict[str, str]:
    return {kind: "yes" for kind in yes}


@pytest.fixture
def publish(client, make_moderator, queued_report):
    """Approve a fresh report with these incident fields; returns its report id."""
    moderator: dict[str, str] = {}

    async def make(**fields: Any) -> str:
        if not moderator:
            moderator.update(await make_moderator("ana"))
        report_id = await queued_report()
        approved = await claim_and_approve(client, moderator, report_id, **fields)
        assert approved.status_code == 200, approved.text
        return report_id

    return make


@pytest.fixture
async def reader(make_hub_client) -> dict[str, str]:
    return await make_hub_client("dashboard", scopes=[HubScope.AGGREGATES_READ])


def cells(answer: Any) -> dict[tuple[str, ...], int]:
    body = answer.json()
    return {
        tuple(cell["group"][name] for name in body["dimensions"]): cell["count"]
        for cell in body["cells"]
    }


async def releases(app: Any) -> list[AggregateRelease]:
    async with transaction(app.state.sessionmaker) as session:
        found = await session.scalars(
            select(AggregateRelease).order_by(AggregateRelease.released_at)
        )
        return list(found)


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"], indirect=True)
@pytest.mark.parametrize("settings_overrides", [EXACT])
async def test_counts_live_incidents_by_country_month_and_exploitation(
    client, make_moderator, publish, reader
):
    lead = await make_moderator("lee", role="lead")
    may = event("Exploitation", "MX", "2024-05-03")
    await publish(
        exploitation_types=kinds("ForcedLabour") | {"SexualExploitation": "no"}, events=[may]
    )
    await publish(
        exploitation_types=kinds("ForcedLabour", "SexualExploitation"),
        events=[event("Recruitment", "GT", "2024-01-20"), may],
    )
    await publish(exploitation_types={"ForcedLabour": "no"}, events=[may])
    retracted = await publish(exploitation_types=kinds("ForcedLabour"), events=[may])
    corrected = await publish(exploitation_types=kinds("ForcedLabour"), events=[may])
    answer = await client.post(
        f"/v1/moderation/reports/{retracted}/retract",
        json={"reason": "Could identify the family.", "category": "reidentification_risk"},
        headers=lead,
    )
    assert answer.status_code == 200, answer.text
    answer = await client.post(
        f"/v1/moderation/reports/{corrected}/correct",
        json=incident_fields(
            exploitation_types=kinds("ForcedLabour"),
            events=[event("Exploitation", "GT", "2024-02-10")],
        ),
        headers=lead,
    )
    assert answer.status_code == 200, answer.text

    answer = await client.get(
        AGGREGATES,
        params={"by": "country,month,exploitation", "since": "2024-01", "until": "2024-06"},
        headers=reader,
    )

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["dimensions"] == ["country", "month", "exploitation"]
    assert (body["since"], body["until"], body["countries"]) == ("2024-01", "2024-06", None)
    assert cells(answer) == {
        ("GTM", "2024-01", "ForcedLabour"): 1,
        ("GTM", "2024-01", "SexualExploitation"): 1,
        ("GTM", "2024-02", "ForcedLabour"): 1,  # the correction, not the first version
        ("MEX", "2024-05", "ForcedLabour"): 2,  # not the retracted one
        ("MEX", "2024-05", "SexualExploitation"): 1,
        ("MEX", "2024-05", "unknown"): 1,  # no exploitation type answered yes
    }
    assert body["privacy"] == {
        "epsilon": pytest.approx(1000.0),
        "mechanism": body["privacy"]["mechanism"],
        "scale": pytest.approx(0.004),
        "contribution_bound": 4,
        "unit": "incident",
    }
    assert "Laplace" in body["privacy"]["mechanism"]
    assert body["reused"] is False
    assert body["released_at"].endswith(":00:00Z")


@pytest.mark.parametrize("settings_overrides", [EXACT])
async def test_an_incident_counts_in_at_most_the_contribution_bound_of_cells(
    client, publish, reader
):
    countries = ["MX", "GT", "HN", "SV", "BZ", "NI", "CR"]
    await publish(events=[event("Transit", country, "2024-03-01") for country in countries])
    await publish(events=[event("Exploitation", "PA", "2024-03-01")])

    first = await client.get(AGGREGATES, params={"by": "country"}, headers=reader)
    also = await client.get(AGGREGATES, params={"by": "country,event_type"}, headers=reader)

    assert first.status_code == 200 and also.status_code == 200, first.text + also.text
    counted = cells(first)
    assert counted[("PAN",)] == 1
    assert sum(counted.values()) == 4 + 1  # 4 of the 7 countries, the bound
    assert set(counted) - {("PAN",)} <= {
        ("MEX",),
        ("GTM",),
        ("HND",),
        ("SLV",),
        ("BLZ",),
        ("NIC",),
        ("CRI",),
    }
    # grouped otherwise, the incident still counts in four cells
    assert sum(n for cell, n in cells(also).items() if cell[1] == "Transit") == 4


async def test_without_the_scope_aggregates_are_refused(client, make_hub_client, publish):
    feed_only = await make_hub_client("feed")
    answer = await client.get(AGGREGATES, params={"by": "country"}, headers=feed_only)
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["type"] == PROBLEM + "hub-scope-missing"


@pytest.mark.parametrize(
    ("params", "slug"),
    [
        ({"by": "country,city"}, "unknown-dimension"),
        ({"by": ""}, "unknown-dimension"),
        ({"by": "month,year"}, "invalid-aggregate-query"),
        ({"by": "country,country"}, "invalid-aggregate-query"),
        ({"by": "country,month,gender,age_group"}, "invalid-aggregate-query"),
        ({"by": "month", "since": "2024-13"}, "invalid-aggregate-query"),
        ({"by": "month", "since": "2024-06", "until": "2024-01"}, "invalid-aggregate-query"),
        ({"by": "month", "since": "1990-01", "until": "2024-01"}, "invalid-aggregate-query"),
        ({"by": "country", "countries": "MX,ZZ"}, "invalid-aggregate-query"),
        ({"by": "month", "countries": "MX"}, "invalid-aggregate-query"),
        ({}, "validation-error"),
    ],
)
async def test_a_query_that_cannot_be_answered_is_a_422_problem(client, reader, params, slug):
    answer = await client.get(AGGREGATES, params=params, headers=reader)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["type"] == PROBLEM + slug


@pytest.mark.parametrize(
    "settings_overrides",
    [{"aggregates_epsilon": 1.0, "aggregates_budget_epsilon": 2.5, "aggregates_budget_days": 7}],
)
async def test_every_release_is_recorded_and_one_beyond_the_budget_is_refused(
    app, client, make_hub_client, publish, reader
):
    await publish()
    other = await make_hub_client("newsroom", scopes=[HubScope.AGGREGATES_READ])

    first = await client.get(AGGREGATES, params={"by": "country"}, headers=reader)
    second = await client.get(AGGREGATES, params={"by": "exploitation"}, headers=other)
    refused = await client.get(AGGREGATES, params={"by": "gender"}, headers=reader)

    assert first.status_code == 200 and second.status_code == 200
    assert first.json()["budget"] == {"epsilon_total": 2.5, "epsilon_spent": 1.0, "period_days": 7}
    assert second.json()["budget"]["epsilon_spent"] == pytest.approx(2.0)
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["type"] == PROBLEM + "privacy-budget-spent"
    # the oldest release leaves the 7 days (plus the hour its time was rounded by) then
    assert 6 * 86_400 < int(refused.headers["Retry-After"]) <= 7 * 86_400 + 3_600

    recorded = await releases(app)
    assert [(r.dimensions, r.epsilon, r.contribution_bound) for r in recorded] == [
        (["country"], pytest.approx(1.0), 4),
        (["exploitation"], pytest.approx(1.0), 4),
    ]
    assert all(r.released_at.minute == r.released_at.second == 0 for r in recorded)
    assert recorded[0].hub_client_id != recorded[1].hub_client_id
    assert all(r.hub_client_id is not None for r in recorded)

    # a query already released still answers, at no cost, once the budget is spent
    again = await client.get(AGGREGATES, params={"by": "country"}, headers=other)
    assert again.status_code == 200 and again.json()["reused"] is True
    assert len(await releases(app)) == 2


@pytest.mark.parametrize(
    "settings_overrides", [{"aggregates_epsilon": 0.1, "aggregates_budget_epsilon": 1.0}]
)
async def test_the_same_query_again_gets_the_released_numbers_without_spending_more(
    app, client, make_hub_client, publish, reader
):
    await publish()
    params = {"by": "country,month", "since": "2023-01", "until": "2024-12"}

    first = await client.get(AGGREGATES, params=params, headers=reader)
    again = await client.get(AGGREGATES, params=params, headers=reader)
    other = await make_hub_client("newsroom", scopes=[HubScope.AGGREGATES_READ])
    reordered = await client.get(AGGREGATES, params=params | {"by": "month,country"}, headers=other)

    assert first.status_code == again.status_code == reordered.status_code == 200
    assert first.json()["reused"] is False
    assert again.json()["reused"] is True and reordered.json()["reused"] is True
    # noise of scale 40 over ~6,000 cells: many come out above zero, and the same each time
    assert len(cells(first)) > 100
    assert cells(again) == cells(first)
    assert {(c[1], c[0]): n for c, n in cells(reordered).items()} == cells(first)
    assert reordered.json()["dimensions"] == ["month", "country"]
    assert again.json()["release_id"] == first.json()["release_id"]
    assert again.json()["budget"]["epsilon_spent"] == pytest.approx(0.1)
    assert len(await releases(app)) == 1


@pytest.mark.parametrize(
    "settings_overrides", [{"aggregates_epsilon": 0.5, "aggregates_budget_epsilon": 1.0}]
)
async def test_with_a_small_epsilon_the_error_is_of_the_order_of_the_noise_scale(
    client, publish, reader
):
    await publish(events=[event("Exploitation", "MX", "2024-05-03")])
    await publish(events=[event("Exploitation", "GT", "2024-05-03")])
    true = {("MEX", "2024-05"): 1, ("GTM", "2024-05"): 1}

    answer = await client.get(
        AGGREGATES,
        params={"by": "country,month", "since": "2024-01", "until": "2024-12"},
        headers=reader,
    )

    assert answer.status_code == 200, answer.text
    scale = answer.json()["privacy"]["scale"]
    assert scale == pytest.approx(4 / 0.5)
    released = cells(answer)
    total_cells = (len(country_codes()) + 1) * 13  # countries and `unknown`, 12 months and it
    errors = [abs(count - true.get(cell, 0)) for cell, count in released.items()]
    errors += [count for cell, count in true.items() if cell not in released]
    mean_error = sum(errors) / total_cells
    # a zero count plus discrete Laplace noise of scale 8, negatives released as 0, errs by
    # about 4 on average; over ~3,000 cells the mean is within a few tenths of that, always
    assert scale / 8 < mean_error < 3 * scale
