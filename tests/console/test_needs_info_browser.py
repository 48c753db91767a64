"""Needs info and a lead's actions in a real browser (Debian's chromium, Playwright) against
the real app under uvicorn: a moderator asks the reporter, the reporter answers through the
API, and the report comes back to the queue flagged answered; a lead reopens a rejected
report and reassigns a claimed one.

Screenshots go to pytest's temporary folder (`needs-info-screenshots`), printed by the
test, for a person to look at; they are never committed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from playwright.async_api import expect

from core.db import transaction
from models.moderator import ModeratorRole
from moderation.accounts import create_moderator
from tests.conftest import TEST_PASSWORD
from tests.console.conftest import log_in
from tests.factories import new_report

# Drives a real chromium against a live server: slow, excluded by `make test-fast`.
pytestmark = pytest.mark.slow

SHED = "Workers sleep in a locked shed behind the farm and are never paid."
SPAM = "Test message, please ignore."
BEGGING = "A boy is made to beg at the station every day and hand over the money."


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("needs-info-screenshots")
    print(f"\nscreenshots of the needs-info browser test: {folder}", file=sys.stderr)
    return folder


async def test_asked_answered_back_in_the_queue_then_a_lead_reopens_and_reassigns(
    page, app, client, make_moderator, process_pending, add_moderator, screenshots
):
    # A report to ask about, one rejected by bo, and one bo is reviewing.
    accepted = await client.post("/v1/reports", json=new_report(text=SHED))
    assert accepted.status_code == 201
    asked_id, receipt = accepted.json()["report_id"], accepted.json()["receipt"]
    rejected_id = (await client.post("/v1/reports", json=new_report(text=SPAM))).json()["report_id"]
    claimed_id = (await client.post("/v1/reports", json=new_report(text=BEGGING))).json()[
        "report_id"
    ]
    await process_pending()
    bo = await make_moderator("bo")
    for report_id in (rejected_id, claimed_id):
        claim = await client.post(f"/v1/moderation/reports/{report_id}/claim", headers=bo)
        assert claim.status_code == 200
    rejected = await client.post(
        f"/v1/moderation/reports/{rejected_id}/reject", json={"reason": "Spam."}, headers=bo
    )
    assert rejected.status_code == 204

    # ana claims the report and asks the reporter: it leaves the queue, unclaimed.
    await add_moderator("ana")
    await log_in(page, "ana")
    await page.wait_for_url("**/console/queue")
    await page.goto(f"/console/reports/{asked_id}")
    await page.get_by_role("button", name="Claim this report").click()
    await expect(page.get_by_role("status")).to_contain_text("You have claimed this report")
    await page.get_by_label("Question").fill("Where is the farm?")
    await page.get_by_role("button", name="Send question").click()
    await expect(page.get_by_role("status")).to_contain_text("waits for the answer")
    await expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Waiting for the reporter's answer"
    )
    await expect(page.get_by_text("Not claimed.")).to_be_visible()
    await page.goto("/console/queue")
    rows = page.locator("table.queue tbody tr")
    await expect(rows).to_have_count(1)  # only bo's claimed report
    await expect(rows.first).to_contain_text(BEGGING)

    # The reporter reads the question and answers with the receipt, through the API.
    mine = await client.get("/v1/reports/mine", headers={"Authorization": f"Receipt {receipt}"})
    assert mine.json()["status"] == "in_review" and mine.json()["awaiting_answer"] is True
    answer = await client.post(
        "/v1/reports/mine/messages",
        json={"text": "Behind the church, on the road to the river."},
        headers={"Authorization": f"Receipt {receipt}"},
    )
    assert answer.status_code == 201
    await process_pending()

    await page.reload()
    await expect(rows).to_have_count(2)
    await expect(rows.first).to_contain_text(SHED)  # ahead of the older, unanswered one
    await expect(rows.first.locator(".badge.answered")).to_have_text("Answered")
    await page.screenshot(path=screenshots / "queue-answered.png", full_page=True)
    await rows.first.get_by_role("link").click()
    await expect(page.locator("table.conversation")).to_contain_text("Behind the church")
    await expect(page.locator("h1 .badge.answered")).to_be_visible()

    # A lead: the rejected report goes back to the queue; bo's claim goes to ana.
    async with transaction(app.state.sessionmaker) as session:
        await create_moderator(
            session, app.state.passwords, "lea", ModeratorRole.LEAD, TEST_PASSWORD
        )
    await page.get_by_role("button", name="Log out").click()
    await log_in(page, "lea")
    await page.wait_for_url("**/console/queue")

    await page.goto(f"/console/reports/{rejected_id}")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Rejected")
    await expect(page.get_by_role("button", name="Undo the rejection")).to_be_visible()
    await page.get_by_role("button", name="Reopen: back to the queue").click()
    await expect(page.get_by_role("status")).to_contain_text("Reopened")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Waiting")
    await expect(page.locator("table.history")).to_contain_text("reopened")

    await page.goto(f"/console/reports/{claimed_id}")
    await expect(page.get_by_text("bo is reviewing this report")).to_be_visible()
    await page.get_by_label("Give the claim to").select_option("ana")
    await page.screenshot(path=screenshots / "lead-reassigns.png", full_page=True)
    await page.get_by_role("button", name="Reassign").click()
    await expect(page.get_by_role("status")).to_contain_text("Reassigned")
    await expect(page.get_by_text("Claimed by ana")).to_be_visible()
    await expect(page.locator("table.history")).to_contain_text("reassigned")

    await page.goto("/console/queue")
    await expect(rows).to_have_count(3)
    await expect(page.locator("table.queue")).to_contain_text(SPAM)
