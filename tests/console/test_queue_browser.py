"""Filtering and searching the queue in a real browser (Debian's chromium, Playwright),
with the keyboard where a moderator would use it."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.api.test_queue_search import BEGGING, SPANISH, VAN, set_columns

pytestmark = pytest.mark.slow


async def test_a_moderator_filters_and_searches_the_queue(
    logged_in, queued_report, sessionmaker, screenshots_dir
):
    await queued_report(text=VAN, urgent=True, country="MX")
    await queued_report(text=BEGGING, country="GB", categories=["ForcedBegging"])
    spanish = await queued_report(text=SPANISH, locale="es-MX", country="ES")
    await set_columns(sessionmaker, spanish, translated_text="They took our passports.")
    page = await logged_in()
    rows = page.locator("table.queue tbody tr")
    await expect(rows).to_have_count(3)

    # Search from the keyboard: type in the labelled box and press Enter.
    search = page.get_by_label("Search the text and its translation")
    await search.fill("passports")
    await search.press("Enter")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("passports")  # the excerpt is the translation
    assert "q=passports" in page.url  # the view is a link to share
    # The urgent report is outside this view, and the page says so.
    banner = page.get_by_role("alert").filter(has_text="urgent report is waiting")
    await expect(banner).to_be_visible()
    await page.screenshot(path=screenshots_dir / "queue-search.png", full_page=True)

    # Filter by category and country with the form, starting from a clear search.
    await search.fill("")
    await page.get_by_label("Category").select_option(label="Forced begging")
    await page.get_by_label("Country code").fill("gb")
    await page.get_by_role("button", name="Apply filters").click()
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text(BEGGING)
    await expect(page.get_by_label("Country code")).to_have_value("gb")

    await banner.get_by_role("link", name="Show the urgent reports").click()
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text(VAN)
    await expect(page.get_by_label("Urgency")).to_have_value("true")


@pytest.fixture(scope="session")
def screenshots_dir(tmp_path_factory: pytest.TempPathFactory):
    return tmp_path_factory.mktemp("queue-screenshots")


async def test_a_moderator_lists_the_reports_she_claimed(
    logged_in, make_moderator, queued_report, client
):
    van = await queued_report(text=VAN)
    begging = await queued_report(text=BEGGING)
    spanish = await queued_report(text=SPANISH, locale="es-MX")
    bo = await make_moderator("bo")
    claimed = await client.post(f"/v1/moderation/reports/{begging}/claim", headers=bo)
    assert claimed.status_code == 200, claimed.text
    page = await logged_in("ana")
    await page.goto(f"/console/reports/{van}")
    await page.get_by_role("button", name="Claim this report").click()
    await expect(page.get_by_role("status")).to_contain_text("You have claimed this report")
    await page.get_by_role("link", name="Queue").first.click()
    rows = page.locator("table.queue tbody tr")
    await expect(rows).to_have_count(3)

    claimed_by = page.get_by_label("Claimed")
    await claimed_by.select_option(label="By me")
    await page.get_by_role("button", name="Apply filters").click()
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text(VAN)
    assert "claimed=me" in page.url
    await expect(claimed_by).to_have_value("me")

    await claimed_by.select_option(label="By others")
    await page.get_by_role("button", name="Apply filters").click()
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text(BEGGING)
    await expect(rows.first).to_contain_text("bo")

    await claimed_by.select_option(label="By nobody")
    await page.get_by_role("button", name="Apply filters").click()
    await expect(rows).to_have_count(1)
    await expect(rows.first.get_by_role("link")).to_have_attribute(
        "href", f"/console/reports/{spanish}"
    )
