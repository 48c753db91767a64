"""The incident form in a real browser (Debian's chromium, Playwright) against the real app
under uvicorn: a moderator approves choosing a "No" and a "Yes" (the rarity check holds
the approval, `hub_rarity_k` > 1), a lead finds it in the nav's count and confirms it,
and the hub feed carries exactly what was chosen.

Screenshots go to pytest's temporary folder (`incident-screenshots`), printed by the
test, for a person to look at; they are never committed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import expect

from core.db import transaction
from models.moderator import ModeratorRole
from moderation.accounts import create_moderator
from tests.conftest import TEST_PASSWORD
from tests.console.conftest import log_in

# Drives a real chromium against a live server: slow, excluded by `make test-fast`.
pytestmark = pytest.mark.slow

SHED = "Workers sleep in a locked shed behind the farm and are never paid."
SUMMARY = "Farm workers locked in a shed at night and not paid."


@pytest.fixture
def settings_overrides(settings_overrides: dict[str, Any]) -> dict[str, Any]:
    # Nothing alike in an empty feed: the first approval is rare and waits for a lead.
    return settings_overrides | {"hub_rarity_k": 3}


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("incident-screenshots")
    print(f"\nscreenshots of the incident form browser test: {folder}", file=sys.stderr)
    return folder


async def test_approve_with_a_no_and_a_yes_then_a_lead_confirms_the_held_approval(
    page, app, queued_report, add_moderator, attach_image, make_hub_client, live_server, screenshots
):
    report_id = await queued_report(text=SHED, categories=["ForcedBegging"], country="MX")
    await attach_image(report_id)
    await add_moderator("ana")
    async with transaction(app.state.sessionmaker) as session:
        await create_moderator(
            session, app.state.passwords, "lea", ModeratorRole.LEAD, TEST_PASSWORD
        )

    await log_in(page, "ana")
    await page.wait_for_url("**/console/queue")
    await page.goto(f"/console/reports/{report_id}")
    await page.get_by_role("button", name="Claim this report").click()
    await expect(page.get_by_role("status")).to_contain_text("You have claimed this report")

    form = page.locator("form.approve")
    await form.get_by_label("Summary").fill(SUMMARY)
    types = form.get_by_role("group", name="Types of exploitation")
    begging = types.get_by_role("radiogroup", name="Forced begging")
    await expect(begging).to_contain_text("from the reporter")
    await expect(begging.get_by_label("Yes", exact=True)).to_be_checked()
    await begging.get_by_label("No", exact=True).check()  # the moderator disagrees
    labour = types.get_by_role("radiogroup", name="Forced labour")
    await expect(labour.get_by_label("Not reported")).to_be_checked()
    await labour.get_by_label("Yes", exact=True).check()
    # A folded group opens with the keyboard's Enter on its summary.
    industries = form.get_by_role("group", name="Forced labour: industry")
    await industries.locator("summary").focus()
    await page.keyboard.press("Enter")
    farming = industries.get_by_role("radiogroup", name="A: Agriculture forestry and fishing")
    await farming.get_by_label("Yes", exact=True).check()

    first = form.get_by_role("group", name="Event 1")
    await expect(first.get_by_role("textbox", name="Country")).to_have_value(
        "MEX"
    )  # from the report
    await expect(first.get_by_label("Stage of trafficking")).to_have_value("Exploitation")
    await expect(form.get_by_role("group", name="Event 3")).to_be_hidden()  # script: one blank
    await form.get_by_role("button", name="Add another event").click()
    second = form.get_by_role("group", name="Event 2")
    await second.get_by_label("Stage of trafficking").select_option("Recruitment")
    await second.get_by_role("textbox", name="Country").fill("GT")
    await second.get_by_label("No place").check()
    await (
        form.get_by_role("group", name="Media the hub may download").get_by_role("checkbox").check()
    )
    await page.screenshot(path=screenshots / "approval-form.png", full_page=True)
    await form.get_by_role("button", name="Approve and publish").click()

    await page.wait_for_url("**/console/queue?done=held&undo=*")
    await expect(page.get_by_role("status")).to_contain_text("waits for a lead")
    await page.get_by_role("button", name="Log out").click()

    await log_in(page, "lea")
    await page.wait_for_url("**/console/queue")
    waiting = page.get_by_role("link", name="Waiting for a lead")
    await expect(waiting).to_contain_text("1")
    await waiting.click()
    await page.get_by_role("link", name="Report received").click()
    pending = page.locator("section.pending")
    await expect(pending).to_contain_text(SUMMARY)
    await expect(pending.locator("table.facts-view")).to_contain_text("Forced begging")
    await page.screenshot(path=screenshots / "lead-confirms.png", full_page=True)
    await pending.get_by_role("button", name="Confirm and publish").click()
    await page.wait_for_url("**/console/awaiting?done=confirmed")
    await expect(page.get_by_text("No approval is waiting.")).to_be_visible()
    # Nothing waits: the link has no count, not an empty badge or a "0".
    waiting = page.get_by_role("link", name="Waiting for a lead")
    await expect(waiting).to_have_text("Waiting for a lead")
    await expect(waiting.locator(".badge")).to_have_count(0)

    hub = await make_hub_client()
    async with httpx.AsyncClient(base_url=live_server) as http:
        [item] = (await http.get("/v1/hub/incidents", headers=hub)).json()["items"]
    incident = item["incident"]
    assert incident["summary"] == SUMMARY
    stated = {k: v for k, v in incident["exploitation_types"].items() if v != "not_reported"}
    assert stated == {"ForcedLabour": "yes", "ForcedBegging": "no"}
    assert incident["forced_labour_industries"]["A_AgricultureForestryAndFishing"] == "yes"
    assert [(e["type"], e["place"]["precision"]) for e in incident["events"]] == [
        ("Exploitation", "country"),
        ("Recruitment", "withheld"),
    ]
    assert len(incident["media"]) == 1
    assert incident["generalisation"]["released_by_lead"] is True

    await page.goto(f"/console/reports/{report_id}")
    published = page.locator("section.published")
    await expect(published).to_contain_text("released by a lead")
    await page.screenshot(path=screenshots / "published.png", full_page=True)
