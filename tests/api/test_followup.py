"""The reporter follows the report with the receipt alone: status, questions, answers."""

from __future__ import annotations

from tests.factories import new_report


def receipt_auth(receipt: str) -> dict[str, str]:
    return {"Authorization": f"Receipt {receipt}"}


async def submit(client, **fields) -> dict:
    answer = await client.post("/v1/reports", json=new_report(**fields))
    assert answer.status_code == 201
    return answer.json()


async def test_the_receipt_shows_the_status_whatever_the_case_or_separators(client):
    accepted = await submit(client)
    typed = accepted["receipt"].upper().replace("-", "  ")
    view = await client.get("/v1/reports/mine", headers=receipt_auth(typed))
    assert view.status_code == 200
    assert view.json()["report_id"] == accepted["report_id"]
    assert view.json()["status"] == "received"
    assert view.json()["messages"] == []


async def test_unknown_and_malformed_receipts_get_the_same_answer(client):
    await submit(client)
    answers = [
        await client.get("/v1/reports/mine", headers=headers)
        for headers in (
            receipt_auth("able-baker-charlie-delta-echo-foxtrot"),
            receipt_auth("x"),
            {"Authorization": "Bearer something"},
            {},
        )
    ]
    assert {answer.status_code for answer in answers} == {401}
    assert {answer.json()["type"] for answer in answers} == {
        "urn:stop-intake:problem:receipt-not-recognised"
    }


async def test_a_question_reaches_the_reporter_and_the_answer_reaches_the_moderator(
    client, make_moderator, process_pending
):
    moderator = await make_moderator()
    accepted = await submit(client)
    await process_pending()
    report_id = accepted["report_id"]
    asked = await client.post(
        f"/v1/moderation/reports/{report_id}/messages",
        json={"text": "Which street is the workshop on?"},
        headers=moderator,
    )
    assert asked.status_code == 201

    view = (await client.get("/v1/reports/mine", headers=receipt_auth(accepted["receipt"]))).json()
    assert [m["original_text"] for m in view["messages"]] == ["Which street is the workshop on?"]
    assert view["messages"][0]["sender"] == "moderator"

    reply = await client.post(
        "/v1/reports/mine/messages",
        json={"text": "Calle 8, next to the bakery."},
        headers=receipt_auth(accepted["receipt"]),
    )
    assert reply.status_code == 201
    detail = (await client.get(f"/v1/moderation/reports/{report_id}", headers=moderator)).json()
    assert [m["sender"] for m in detail["messages"]] == ["moderator", "reporter"]
    assert detail["messages"][1]["text"] == "Calle 8, next to the bakery."
    assert "asked_reporter" in [entry["action"] for entry in detail["history"]]


async def test_withdrawing_takes_the_report_out_of_the_queue_once(
    client, make_moderator, process_pending
):
    moderator = await make_moderator()
    accepted = await submit(client)
    await process_pending()
    withdrawn = await client.post(
        "/v1/reports/mine/withdraw", headers=receipt_auth(accepted["receipt"])
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert (await client.get("/v1/moderation/queue", headers=moderator)).json()["items"] == []
    again = await client.post(
        "/v1/reports/mine/withdraw", headers=receipt_auth(accepted["receipt"])
    )
    assert again.status_code == 409
    assert again.json()["type"] == "urn:stop-intake:problem:invalid-transition"
