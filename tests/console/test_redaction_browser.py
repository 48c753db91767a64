"""Redaction in a real browser (Debian's chromium, Playwright) against the real app under
uvicorn: a moderator redacts a quoted name with one click on its suggestion and a phone
number by selecting it; the name is gone from the page and the queue; a lead shows the
original, sees both spans highlighted, and un-redacts one.

Screenshots go to pytest's temporary folder (`redaction-screenshots`), printed by the
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

pytestmark = pytest.mark.slow

NAME = "Marisol Quintana"
PHONE = "+52 55 1234 5678"
TEXT = f'The cook "{NAME}" saw them lock the door. Call me on {PHONE}, the workshop on 8th street.'

SELECT_PHONE = """(phone) => {
  const pieces = document.querySelectorAll('[data-redact-target="text"] span[data-offset]');
  const piece = Array.from(pieces).find((el) => el.textContent.includes(phone));
  const range = document.createRange();
  const at = piece.textContent.indexOf(phone);
  range.setStart(piece.firstChild, at);
  range.setEnd(piece.firstChild, at + phone.length);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}"""


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("redaction-screenshots")
    print(f"\nscreenshots of the redaction browser test: {folder}", file=sys.stderr)
    return folder


async def test_redact_by_suggestion_and_selection_then_a_lead_reads_and_unredacts(
    page, browser, live_server, app, client, process_pending, logged_in, screenshots
):
    accepted = await client.post("/v1/reports", json=new_report(text=TEXT))
    report_id = accepted.json()["report_id"]
    await process_pending()

    await logged_in("ana")
    await page.goto(f"/console/reports/{report_id}")
    original_pane = page.locator(".texts .pane").first
    await expect(original_pane).to_contain_text(NAME)
    await page.get_by_role("button", name=f"Redact this: {NAME}").click()
    await expect(page.get_by_text("Redacted: moderators now read the reason")).to_be_visible()
    await expect(original_pane).not_to_contain_text(NAME)
    await expect(original_pane).to_contain_text("[redacted: bystander]")

    # select the number in the text: the form takes its offsets in the stored text
    await page.evaluate(SELECT_PHONE, PHONE)
    await expect(page.locator("#redact-selection")).to_contain_text(PHONE)
    await page.locator("#redact-form select[name=reason]").select_option("reporter_identity")
    await page.screenshot(path=screenshots / "1-selected.png", full_page=True)
    await page.get_by_role("button", name="Redact selection").click()
    await expect(original_pane).not_to_contain_text(PHONE)
    await expect(original_pane).to_contain_text("[redacted: reporter_identity]")
    await page.screenshot(path=screenshots / "2-redacted.png", full_page=True)
    assert await page.get_by_role("link", name="Show original").count() == 0

    await page.goto("/console/queue")
    await expect(page.locator("main")).to_contain_text("[redacted: bystander]")
    await expect(page.locator("main")).not_to_contain_text(NAME)

    async with transaction(app.state.sessionmaker) as session:
        await create_moderator(
            session, app.state.passwords, "lea", ModeratorRole.LEAD, TEST_PASSWORD
        )
    context = await browser.new_context(base_url=live_server)
    lead = await context.new_page()
    try:
        await log_in(lead, "lea")
        await lead.wait_for_url("**/console/queue")
        await lead.goto(f"/console/reports/{report_id}")
        await lead.get_by_role("link", name="Show original").click()
        pane = lead.locator(".texts .pane").first
        await expect(pane.locator("mark.redacted-original")).to_have_count(2)
        await expect(pane).to_contain_text(NAME)
        await lead.screenshot(path=screenshots / "3-lead-original.png", full_page=True)
        lead.on("dialog", lambda dialog: dialog.accept())
        await lead.get_by_role("button", name="Un-redact").first.click()
        await expect(lead.get_by_text("Un-redacted: the span is readable")).to_be_visible()
        await expect(pane.locator("mark.redacted-original")).to_have_count(1)
    finally:
        await context.close()

    await page.goto(f"/console/reports/{report_id}")
    shown = await original_pane.inner_text()
    assert (NAME in shown) != (PHONE in shown)  # exactly one span is readable again
