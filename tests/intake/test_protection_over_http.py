"""Rate limits and App Check as the phone meets them: through POST /v1/reports."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models.app_check import AppCheckTokenUse
from models.report import Report
from tests.factories import new_report
from tests.intake.conftest import APP_ID, FETCH_TIMEOUT, PROJECT_NUMBER, sign, valid_claims


@pytest.fixture
def settings_overrides(request: pytest.FixtureRequest, key_server) -> dict:
    mode = getattr(request, "param", "enforce")
    return {
        "app_check_mode": mode,
        "app_check_project_number": PROJECT_NUMBER,
        "app_check_app_ids": [APP_ID],
        "app_check_jwks_url": key_server.url,
        "app_check_jwks_timeout_seconds": FETCH_TIMEOUT,
        "app_check_max_reports_per_token": 3,
        "rate_limit_submit": "1000/minute",
        "rate_limit_receipt_lookup": "2/minute",
    }


async def count(sessionmaker) -> int:
    async with sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(Report))


async def test_enforced_app_check_refuses_missing_and_forged_tokens_without_storing(
    client, sessionmaker, signing_key, stranger_key
):
    missing = await client.post("/v1/reports", json=new_report())
    forged = await client.post(
        "/v1/reports",
        json=new_report(),
        headers={"X-Firebase-AppCheck": sign(stranger_key, valid_claims())},
    )
    for answer in (missing, forged):
        assert answer.status_code == 401
        assert answer.json()["type"] == "urn:stop-intake:problem:app-check-failed"
    assert await count(sessionmaker) == 0
    good = await client.post(
        "/v1/reports",
        json=new_report(),
        headers={"X-Firebase-AppCheck": sign(signing_key, valid_claims())},
    )
    assert good.status_code == 201


async def test_one_token_carries_a_bounded_number_of_reports(client, signing_key):
    token = {"X-Firebase-AppCheck": sign(signing_key, valid_claims())}
    codes = [
        (await client.post("/v1/reports", json=new_report(), headers=token)).status_code
        for _ in range(4)
    ]
    assert codes == [201, 201, 201, 401]


@pytest.mark.parametrize("settings_overrides", ["monitor"], indirect=True)
async def test_monitor_mode_accepts_a_forged_token_and_shows_the_gap_to_moderators(
    client, stranger_key, signing_key, make_moderator, process_pending
):
    forged = {"X-Firebase-AppCheck": sign(stranger_key, valid_claims())}
    genuine = {"X-Firebase-AppCheck": sign(signing_key, valid_claims())}
    doubtful = await client.post("/v1/reports", json=new_report(), headers=forged)
    attested = await client.post("/v1/reports", json=new_report(), headers=genuine)
    assert (doubtful.status_code, attested.status_code) == (201, 201)
    await process_pending()
    moderator = await make_moderator()
    labels = [
        (
            await client.get(
                f"/v1/moderation/reports/{answer.json()['report_id']}", headers=moderator
            )
        ).json()["app_check"]
        for answer in (doubtful, attested)
    ]
    assert labels == ["invalid", "verified"]


async def test_token_uses_are_counted_in_the_database_by_keyed_hash_only(
    client, sessionmaker, signing_key
):
    token = sign(signing_key, valid_claims())
    await client.post("/v1/reports", json=new_report(), headers={"X-Firebase-AppCheck": token})
    async with sessionmaker() as session:
        rows = (await session.execute(select(AppCheckTokenUse))).scalars().all()
    assert [row.uses for row in rows] == [1]
    assert token not in rows[0].token_hash and len(rows[0].token_hash) == 64


@pytest.mark.parametrize("settings_overrides", ["off"], indirect=True)
async def test_receipt_lookups_are_rate_limited_with_retry_after(client):
    receipt = (await client.post("/v1/reports", json=new_report())).json()["receipt"]
    headers = {"Authorization": f"Receipt {receipt}"}
    codes = [(await client.get("/v1/reports/mine", headers=headers)).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    refused = await client.get("/v1/reports/mine", headers=headers)
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.json()["type"] == "urn:stop-intake:problem:too-many-requests"
