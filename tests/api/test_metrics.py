"""`GET /metrics`: what an operator's Prometheus reads, with no personal data in any label,
and only for the holder of the metrics token."""

from __future__ import annotations

import re

import pytest

from tests.api.test_followup import receipt_auth
from tests.factories import new_report

TOKEN = "metrics-token-for-tests"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"metrics_token": TOKEN}


def _value(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    found = re.search(rf"^{re.escape(name)}{{{re.escape(wanted)}}} (\S+)$", text, re.MULTILINE)
    assert found, f"{name}{{{wanted}}} not in the metrics"
    return float(found[1])


async def test_requests_and_the_queue_are_counted_without_personal_data(client, process_pending):
    accepted = []
    for _ in range(3):
        accepted.append((await client.post("/v1/reports", json=new_report())).json())
    await process_pending()
    receipt = accepted[0]["receipt"]
    await client.get("/v1/reports/mine", headers=receipt_auth(receipt))
    await client.get("/v1/reports/mine", headers=receipt_auth("no-such-receipt"))

    answer = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    text = answer.text
    requests = "stop_http_requests_total"
    assert _value(text, requests, method="POST", route="/v1/reports", status="201") == 3
    assert _value(text, requests, method="GET", route="/v1/reports/mine", status="200") == 1
    assert _value(text, requests, method="GET", route="/v1/reports/mine", status="401") == 1
    assert _value(text, "stop_reports", status="queued") == 3
    assert _value(text, "stop_reports", status="received") == 0
    for secret in [receipt, "no-such-receipt", "127.0.0.1", "testclient", "Five women"]:
        assert secret not in text
    assert not [i["report_id"] for i in accepted if i["report_id"] in text]


async def test_metrics_need_the_token(client):
    assert (await client.get("/metrics")).status_code == 401
    wrong = await client.get("/metrics", headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 401
    assert wrong.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("settings_overrides", [{}])
async def test_metrics_are_off_without_a_token(client):
    assert (await client.get("/metrics")).status_code == 404
