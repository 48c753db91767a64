"""In a real browser (Debian's chromium, Playwright): an admin goes from the accounts page
to one moderator's audit trail and sees what that moderator changed; a moderator opens
their own activity from the navigation; a lead narrows the trail to a span of days."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import expect

from core.db import transaction
from models.moderator import ModeratorRole
from moderation.accounts import create_moderator
from tests.audit_helpers import SINCE, UNTIL, dated_events
from tests.conftest import TEST_PASSWORD
from tests.console.conftest import log_in

pytestmark = pytest.mark.slow


async def test_an_admin_follows_the_accounts_page_to_a_moderators_trail(
    app, page, queued_report, client, tmp_path: Path
):
    async with transaction(app.state.sessionmaker) as session:
        for name, role in (("mo", ModeratorRole.MODERATOR), ("ada", ModeratorRole.ADMIN)):
            await create_moderator(session, app.state.passwords, name, role, TEST_PASSWORD)
    report_id = await queued_report()
    login = await client.post("/v1/auth/login", json={"username": "mo", "password": TEST_PASSWORD})
    mo = {"Authorization": f"Bearer {login.json()['access_token']}"}
    await client.post(f"/v1/moderation/reports/{report_id}/claim", headers=mo)

    await log_in(page, "ada")
    await page.wait_for_url("**/console/queue")
    await page.get_by_role("link", name="Accounts").click()
    await page.get_by_role("link", name="Audit trail of mo").click()

    await expect(page.get_by_role("heading", name="Audit trail of mo")).to_be_visible()
    rows = page.locator("table.audit tbody tr")
    await expect(rows).to_have_count(2)  # newest first: the claim, then the login
    await expect(rows.first).to_contain_text("claimed")
    await expect(rows.first).to_contain_text("queued → in_review")
    await expect(page.get_by_role("link", name="CSV")).to_be_visible()
    await page.screenshot(path=tmp_path / "audit-trail.png", full_page=True)


async def test_a_moderator_opens_my_activity_from_the_nav(
    app, page, queued_report, client, tmp_path: Path
):
    async with transaction(app.state.sessionmaker) as session:
        for name in ("mo", "bo"):
            await create_moderator(
                session, app.state.passwords, name, ModeratorRole.MODERATOR, TEST_PASSWORD
            )
    report_id = await queued_report()
    login = await client.post("/v1/auth/login", json={"username": "bo", "password": TEST_PASSWORD})
    bo = {"Authorization": f"Bearer {login.json()['access_token']}"}
    await client.get(f"/v1/moderation/reports/{report_id}", headers=bo)

    await log_in(page, "mo")
    await page.wait_for_url("**/console/queue")
    await expect(page.get_by_role("link", name="Audit trail")).to_have_count(0)
    await (
        page.get_by_role("navigation", name="Console")
        .get_by_role("link", name="My activity")
        .click()
    )

    await expect(page.get_by_role("heading", name="My activity")).to_be_visible()
    await expect(page.get_by_label("Moderator")).to_have_count(0)  # only their own
    rows = page.locator("table.audit tbody tr")
    await expect(rows).to_have_count(1)  # their login; bo's view is not theirs
    await expect(rows.first).to_contain_text("login")
    await expect(rows.first).not_to_contain_text("bo")
    await page.screenshot(path=tmp_path / "my-activity.png", full_page=True)


async def test_a_lead_filters_the_trail_by_days(app, page, tmp_path: Path):
    await dated_events(app, "mo")
    async with transaction(app.state.sessionmaker) as session:
        await create_moderator(
            session, app.state.passwords, "lea", ModeratorRole.LEAD, TEST_PASSWORD
        )

    await log_in(page, "lea")
    await page.wait_for_url("**/console/queue")
    await page.get_by_role("link", name="Audit trail").click()
    await page.get_by_label("Moderator").fill("mo")
    await page.get_by_label("From (UTC day)").fill(SINCE)
    await page.get_by_label("To (UTC day, included)").fill(UNTIL)
    await page.get_by_role("button", name="Show").click()

    await expect(page.get_by_role("heading", name="Audit trail of mo")).to_be_visible()
    rows = page.locator("table.audit tbody tr")
    await expect(rows).to_have_count(2)  # the span's last and first events, nothing outside
    await expect(rows.first).to_contain_text("via: last")
    await expect(rows.last).to_contain_text("via: first")
    await expect(page.get_by_label("From (UTC day)")).to_have_value(SINCE)
    csv_link = page.get_by_role("link", name="CSV")
    await expect(csv_link).to_have_attribute("href", re.compile(f"since={SINCE}.*until={UNTIL}"))
    await page.screenshot(path=tmp_path / "audit-days.png", full_page=True)
