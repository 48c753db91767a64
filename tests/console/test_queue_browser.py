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
