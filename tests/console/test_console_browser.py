"""A moderator's day in a real browser: Debian's chromium, driven by Playwright, against
the real app served by uvicorn on PostgreSQL.

Screenshots of the queue and a report page are written to pytest's temporary folder
(`console-screenshots`), for a person to look at; they are never committed.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.console.conftest import SPANISH, log_in

# Drives a real chromium against a live server: slow, excluded by `make test-fast`.
pytestmark = pytest.mark.slow

BEGGING = "A boy is made to beg at the station every day and hand over the money."
URGENT = "They are taking a girl across the border tonight in a white van."


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("console-screenshots")


def queue_rows(page: Page):
    return page.locator("table.queue tbody tr")


async def test_login_refuses_a_wrong_password_then_opens_the_queue(page, add_moderator):
    await add_moderator("ana")
    await log_in(page, "ana", "not the password")
    await expect(page.get_by_role("alert")).to_have_text(
        "Wrong username, password or one-time code."
    )
    assert page.url.endswith("/console/login")

    await log_in(page, "ana")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Queue")
    await expect(page.get_by_text("Signed in as ana")).to_be_visible()


async def test_the_queue_shows_the_urgent_report_first(
    logged_in, queued_report, attach_image, screenshots
):
    older = await queued_report(text=BEGGING)
    await attach_image(older)
    await queued_report(text=URGENT, urgent=True)
    page = await logged_in()
    await page.reload()

    rows = queue_rows(page)
    await expect(rows).to_have_count(2)
    await expect(rows.nth(0)).to_contain_text("Urgent")
    await expect(rows.nth(0)).to_contain_text(URGENT)
    await expect(rows.nth(1)).to_contain_text(BEGGING)
    # cells after the bulk checkbox: priority, waiting, language, translation, media
    await expect(rows.nth(1).locator("td").nth(5)).to_have_text("1")  # one photo
    await expect(rows.nth(0).locator("td").nth(3)).to_have_text("English (en)")
    await page.screenshot(path=screenshots / "queue.png", full_page=True)


async def test_a_report_shows_original_beside_translation_and_its_photo(
    logged_in, install_spanish, queued_report, attach_image, screenshots
):
    report_id = await queued_report(text=SPANISH, locale="es-MX")
    await attach_image(report_id)
    page = await logged_in()
    await queue_rows(page).first.get_by_role("link").click()  # the excerpt is translated
    await page.wait_for_url(f"**/console/reports/{report_id}")

    panes = page.locator(".texts .pane")
    original, translation = panes.nth(0), panes.nth(1)
    await expect(original).to_contain_text(SPANISH)
    await expect(original).to_contain_text("Detected language: Spanish (es)")
    await expect(original.locator(".text")).to_have_attribute("lang", "es")
    await expect(translation).to_contain_text(re.compile(r"Direct translation, \w+ confidence"))
    await expect(translation).to_contain_text("model es-en@1.0")
    side_by_side = [await pane.bounding_box() for pane in (original, translation)]
    assert side_by_side[0]["x"] < side_by_side[1]["x"]
    assert side_by_side[0]["y"] == side_by_side[1]["y"]

    image = page.get_by_role("img", name="Photo 1 attached to the report")
    await expect(image).to_be_visible()
    assert await image.evaluate("img => img.complete && img.naturalWidth") == 64
    await page.screenshot(path=screenshots / "report.png", full_page=True)


async def test_claim_then_approve_publishes_the_incident_to_the_hub(
    logged_in, queued_report, make_hub_client, live_server
):
    report_id = await queued_report(categories=["ForcedBegging"])
    page = await logged_in()
    await page.goto(f"/console/reports/{report_id}")
    await page.get_by_role("button", name="Claim this report").click()
    await expect(page.get_by_role("status")).to_contain_text("You have claimed this report")

    form = page.locator("form.approve")
    await form.get_by_label("Summary").fill("A boy is forced to beg at a railway station.")
    begging = form.get_by_role("radiogroup", name="Forced begging")
    await expect(begging.get_by_label("Yes", exact=True)).to_be_checked()  # the reporter's hint
    await (
        form.get_by_role("radiogroup", name="Child labour").get_by_label("Yes", exact=True).check()
    )
    event = form.get_by_role("group", name="Event 1")
    await event.get_by_label("Stage of trafficking").select_option("Exploitation")
    await event.get_by_role("textbox", name="Country").fill("mex")
    await form.get_by_role("spinbutton", name="People affected").fill("1")
    await form.get_by_role("button", name="Approve and publish").click()

    await page.wait_for_url("**/console/queue?done=approved&undo=*")
    await expect(page.get_by_role("status")).to_contain_text("published to the hub")
    await expect(queue_rows(page)).to_have_count(0)

    hub = await make_hub_client()
    async with httpx.AsyncClient(base_url=live_server) as http:
        items = (await http.get("/v1/hub/incidents", headers=hub)).json()["items"]
    assert len(items) == 1
    incident = items[0]["incident"]
    assert incident["summary"] == "A boy is forced to beg at a railway station."
    stated = {k: v for k, v in incident["exploitation_types"].items() if v != "not_reported"}
    assert stated == {"ChildLabour": "yes", "ForcedBegging": "yes"}
    [event] = incident["events"]
    assert (event["type"], event["place"]["country"]) == ("Exploitation", "MEX")
    assert incident["people"]["count"] == "1"


async def test_an_invalid_approval_keeps_the_form_and_says_what_to_fix(logged_in, queued_report):
    report_id = await queued_report()
    page = await logged_in()
    await page.goto(f"/console/reports/{report_id}")
    await page.get_by_role("button", name="Claim this report").click()
    await page.get_by_label("Summary").fill("Workers locked in.")
    event = page.get_by_role("group", name="Event 1")
    await event.get_by_label("Stage of trafficking").select_option("Exploitation")
    await event.get_by_label("From date").fill("2024-05-02")
    await event.get_by_label("To date").fill("2024-05-01")
    await page.get_by_role("button", name="Approve and publish").click()

    await expect(page.locator(".approve [role=alert]")).to_contain_text("date_from is after")
    await expect(event).to_contain_text("date_from is after date_to")  # beside the event
    await page.locator(".approve [role=alert]").get_by_role("link").click()
    await expect(event.get_by_role("combobox")).to_have_value("Exploitation")
    await expect(page.get_by_label("Summary")).to_have_value("Workers locked in.")
    await expect(page.get_by_role("button", name="Approve and publish")).to_be_visible()


async def test_reject_with_a_reason_and_ask_the_reporter(logged_in, queued_report):
    asked = await queued_report(text=BEGGING)
    rejected = await queued_report(text="Test message, please ignore.")
    page = await logged_in()

    await page.goto(f"/console/reports/{asked}")
    await page.get_by_label("Question").fill("Which station is it?")
    await page.get_by_role("button", name="Send question").click()
    await expect(page.get_by_role("status")).to_contain_text("Your question was sent")
    conversation = page.locator("table.conversation")
    await expect(conversation).to_contain_text("Which station is it?")
    await expect(conversation).to_contain_text("Moderator")
    await expect(page.locator("table.history")).to_contain_text("asked reporter")

    await page.goto(f"/console/reports/{rejected}")
    await page.get_by_role("button", name="Claim this report").click()
    page.once("dialog", lambda dialog: dialog.accept())  # the console asks to confirm
    await page.get_by_label("Reason").fill("A test submission, not a real report.")
    await page.get_by_role("button", name="Reject").click()
    await page.wait_for_url(f"**/console/queue?done=rejected&undo={rejected}")
    # Both have left the queue: one rejected, the other waiting for the reporter's answer.
    await expect(queue_rows(page)).to_have_count(0)

    await page.goto(f"/console/reports/{rejected}")
    await expect(page.get_by_text("This report is rejected")).to_be_visible()
    await expect(page.locator("table.history")).to_contain_text(
        "A test submission, not a real report."
    )


async def test_a_rejection_is_undone_from_the_queue_right_after(logged_in, queued_report):
    """The queue a moderator lands on after a decision offers to undo it, in one click."""
    report_id = await queued_report(text="A real report, rejected by mistake.")
    page = await logged_in()
    await page.goto(f"/console/reports/{report_id}")
    await page.get_by_role("button", name="Claim this report").click()
    page.once("dialog", lambda dialog: dialog.accept())
    await page.get_by_label("Reason").fill("Looked like a test.")
    await page.get_by_role("button", name="Reject").click()
    await page.wait_for_url(f"**/console/queue?done=rejected&undo={report_id}")
    await expect(queue_rows(page)).to_have_count(0)

    await page.get_by_role("button", name="Undo this decision").click()

    await page.wait_for_url(f"**/console/reports/{report_id}?done=undone")
    await expect(page.get_by_role("status")).to_contain_text("The rejection is undone")
    await expect(page.get_by_text("Claimed by ana")).to_be_visible()
    await page.goto("/console/queue")
    await expect(queue_rows(page)).to_have_count(1)


async def test_a_post_without_the_csrf_token_is_refused(logged_in, queued_report):
    report_id = await queued_report()
    page = await logged_in()
    # The browser's own cookie is sent (same origin), but not the form's token.
    answer = await page.request.post(f"/console/reports/{report_id}/claim", form={})
    assert answer.status == 403
    assert "did not come from the console" in await answer.text()
    await page.goto(f"/console/reports/{report_id}")
    await expect(page.get_by_text("Not claimed.")).to_be_visible()


async def test_pages_carry_the_security_headers(logged_in):
    page = await logged_in()
    answer = await page.goto("/console/queue")
    headers = await answer.all_headers()
    assert headers["content-security-policy"].startswith("default-src 'self'")
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "no-store"


async def test_logout_ends_the_session_for_every_copy_of_the_cookie(
    logged_in, browser, live_server
):
    page = await logged_in()
    cookies = await page.context.cookies()
    session = next(cookie for cookie in cookies if cookie["name"] == "stop_console")
    assert session["httpOnly"] and session["sameSite"] == "Strict"
    assert session["path"] == "/console"

    await page.get_by_role("button", name="Log out").click()
    await page.wait_for_url("**/console/login")

    stolen = await browser.new_context(base_url=live_server)
    try:
        await stolen.add_cookies([session])
        other = await stolen.new_page()
        await other.goto("/console/queue")
        assert other.url.endswith("/console/login?next=/console/queue")
    finally:
        await stolen.close()
    async with httpx.AsyncClient(base_url=live_server) as http:
        bearer = {"Authorization": f"Bearer {session['value']}"}
        assert (await http.get("/v1/moderation/queue", headers=bearer)).status_code == 401
