"""The approvals waiting for a lead, paged and filtered by why they wait, in a real browser
(Debian's chromium, Playwright): a lead pages through them oldest first with the "Next page"
link and its cursor, sees how many wait in all, and lists those of one reason."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import expect

from console import confirmations
from core.db import transaction
from models.moderator import ModeratorRole
from moderation.accounts import create_moderator
from tests.api.test_four_eyes import approve
from tests.conftest import TEST_PASSWORD
from tests.console.conftest import log_in

pytestmark = pytest.mark.slow

PAGE = 2  # approvals per page, so five fill three pages


@pytest.fixture
def settings_overrides(settings_overrides: dict[str, Any]) -> dict[str, Any]:
    # Four eyes on urgent reports; every other approval is rare (an empty feed holds
    # nothing alike), so both reasons wait.
    return settings_overrides | {"four_eyes": ["urgent"], "hub_rarity_k": 3}


@pytest.fixture
async def waiting(client, make_moderator, queued_report) -> list[tuple[str, str]]:
    """Five approvals by ana that wait for a lead, in the order she approved them, each
    with why it waits: two urgent ones (four eyes), three rare ones."""
    ana = await make_moderator("ana")
    held = []
    for urgent in (False, True, False, True, False):
        report_id = await queued_report(urgent=urgent)
        answer = await approve(client, ana, report_id)
        assert answer.status_code == 202, answer.text
        held.append((report_id, answer.json()["hold_reason"]))
    assert [reason for _, reason in held] == ["rare", "four_eyes", "rare", "four_eyes", "rare"]
    return held


async def test_a_lead_pages_through_the_approvals_waiting_and_filters_them_by_reason(
    app, page, waiting, monkeypatch
):
    monkeypatch.setattr(confirmations, "AWAITING_PAGE", PAGE)
    async with transaction(app.state.sessionmaker) as session:
        await create_moderator(
            session, app.state.passwords, "lea", ModeratorRole.LEAD, TEST_PASSWORD
        )
    await log_in(page, "lea")
    await page.wait_for_url("**/console/queue")
    await page.get_by_role("link", name="Waiting for a lead").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("5 waiting")

    rows = page.locator("table.awaiting tbody tr")
    seen: list[str] = []
    for expected in (PAGE, PAGE, 1):
        await expect(rows).to_have_count(expected)
        for link in await rows.get_by_role("link").all():
            seen.append((await link.get_attribute("href") or "").rsplit("/", 1)[-1])
        next_page = page.get_by_role("link", name="Next page")
        if expected < PAGE:
            await expect(next_page).to_have_count(0)
            break
        await next_page.click()
        await expect(page.get_by_role("link", name="First page")).to_be_visible()
    # Every approval once, the oldest first.
    assert seen == [report_id for report_id, _ in waiting]
    await expect(page.get_by_role("heading", level=1)).to_contain_text("5 waiting")

    reason = page.get_by_label("Why it waits")
    await reason.select_option(label="Four eyes: a lead confirms this kind of report (2)")
    await page.get_by_role("button", name="Show").click()
    await expect(rows).to_have_count(2)
    await expect(rows.nth(0)).to_contain_text("Four eyes")
    await expect(rows.nth(1)).to_contain_text("Four eyes")
    await expect(rows.nth(0).get_by_role("link")).to_have_attribute(
        "href", f"/console/reports/{waiting[1][0]}"
    )
    await expect(page.get_by_role("link", name="Next page")).to_have_count(0)
    assert "reason=four_eyes" in page.url

    await reason.select_option(label="Rare even at the coarsest level (3)")
    await page.get_by_role("button", name="Show").click()
    await expect(rows).to_have_count(PAGE)
    await page.get_by_role("link", name="Next page").click()
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("Rare even at the coarsest level")
    await expect(rows.first.get_by_role("link")).to_have_attribute(
        "href", f"/console/reports/{waiting[4][0]}"
    )
    await expect(reason).to_have_value("rare")  # the next page keeps the filter
