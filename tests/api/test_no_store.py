"""Answers that carry tokens, receipts or report data are never kept by a cache."""

from __future__ import annotations

from tests.api.test_followup import receipt_auth
from tests.factories import new_report


async def test_token_receipt_and_moderation_answers_are_not_stored(
    client, make_moderator, make_hub_client
):
    moderator = await make_moderator()
    submitted = await client.post("/v1/reports", json=new_report())
    token = await client.post(
        "/v1/auth/login", json={"username": "mod", "password": "correct horse battery staple"}
    )
    assert token.status_code == 200 and "access_token" in token.json()
    receipt = submitted.json()["receipt"]
    answers = {
        "submission (holds the receipt)": submitted,
        "token": token,
        "reporter's view": await client.get("/v1/reports/mine", headers=receipt_auth(receipt)),
        "unknown receipt": await client.get("/v1/reports/mine", headers=receipt_auth("a-b")),
        "queue": await client.get("/v1/moderation/queue", headers=moderator),
        "hub feed": await client.get("/v1/hub/incidents", headers=await make_hub_client()),
    }
    policies = {name: answer.headers.get("cache-control") for name, answer in answers.items()}
    assert policies == dict.fromkeys(answers, "no-store")
