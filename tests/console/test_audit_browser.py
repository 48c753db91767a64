"""In a real browser (Debian's chromium, Playwright): an admin goes from the accounts page
to one moderator's audit trail and sees what that moderator changed."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import expect

from core.db import transaction
from models.moderator import ModeratorRole
from moderation.accounts import create_moderator
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
