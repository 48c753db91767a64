"""Accessibility and the keyboard, in a real browser (Debian's chromium, Playwright).

axe-core (npm, pinned in tests/console/axe/package-lock.json and installed there with
`npm ci` the first time it is missing) runs on every console page, in the states a
moderator meets them: logged out, the queue, a report unclaimed, claimed (with the
approval form) and approved, the account and two-factor set-up pages, the lead's and the
admin's pages, the dashboard and the error pages. A serious or critical violation fails
the test, listed with the page, the rule and the elements.

axe is loaded as an init script (the DevTools protocol adds it before the page's own
scripts), so the console's Content-Security-Policy, which allows only its own script
files, stays in force while it runs.
"""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

from core.db import transaction
from models.moderator import ModeratorRole
from moderation.accounts import create_moderator
from tests.conftest import TEST_PASSWORD
from tests.console.conftest import log_in

pytestmark = pytest.mark.slow

AXE_DIR = Path(__file__).parent / "axe"
AXE_SCRIPT = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe-core's script, installed from the lock file if it is not there yet."""
    if not AXE_SCRIPT.exists():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(AXE_DIR)],
            check=True,
            timeout=300,
        )
    return AXE_SCRIPT


async def violations(page: Page) -> list[str]:
    """The serious and critical violations axe finds on the page as it is now."""
    found: list[dict[str, Any]] = await page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(n => n.target.join(" ")).slice(0, 5),
            }));
        }"""
    )
    return [
        f"{page.url}: {v['id']} ({v['impact']}) {v['help']}: {', '.join(v['targets'])}"
        for v in found
        if v["impact"] in BLOCKING
    ]


async def _accounts(app: Any) -> None:
    async with transaction(app.state.sessionmaker) as session:
        for name, role in (
            ("mo", ModeratorRole.MODERATOR),
            ("lea", ModeratorRole.LEAD),
            ("ada", ModeratorRole.ADMIN),
        ):
            await create_moderator(session, app.state.passwords, name, role, TEST_PASSWORD)


async def test_axe_finds_no_serious_violation_on_any_console_page(
    app: Any, page: Page, queued_report: Any, client: Any, axe_script: Path
) -> None:
    await page.context.add_init_script(path=str(axe_script))
    await _accounts(app)
    unclaimed = await queued_report(text="Nos quitaron los pasaportes en la finca.", urgent=True)
    claimed = await queued_report()
    approved = await queued_report()
    login = await client.post("/v1/auth/login", json={"username": "mo", "password": TEST_PASSWORD})
    mo = {"Authorization": f"Bearer {login.json()['access_token']}"}
    for report_id in (claimed, approved):
        await client.post(f"/v1/moderation/reports/{report_id}/claim", headers=mo)
    tagged = {"action": "tag", "report_ids": [claimed], "tag": "spam-wave"}  # a remove button
    assert (await client.post("/v1/moderation/bulk", headers=mo, json=tagged)).status_code == 200
    answer = await client.post(
        f"/v1/moderation/reports/{approved}/approve",
        headers=mo,
        json={
            "summary": "Five women reportedly locked inside a workshop.",
            "exploitation_types": {"ForcedLabour": "yes"},
        },
    )
    assert answer.status_code == 200, answer.text

    found: list[str] = []

    async def check(path: str | None = None) -> None:
        if path is not None:
            await page.goto(path)
        found.extend(await violations(page))

    await check("/console/login")
    await log_in(page, "mo")
    await page.wait_for_url("**/console/queue")
    await check()
    await check(f"/console/reports/{unclaimed}")
    await check(f"/console/reports/{claimed}")
    await expect(page.get_by_role("heading", name="Approve and publish to the hub")).to_be_visible()
    await check(f"/console/reports/{approved}")
    await check("/console/languages")
    await check("/console/dashboard")
    await check("/console/dashboard?days=90")
    await check("/console/audit")  # "My activity"
    await check("/console/account")
    start = page.locator("form", has=page.get_by_role("button", name="Set up two-factor login"))
    await start.get_by_label("Your password", exact=False).fill(TEST_PASSWORD)
    await start.get_by_role("button", name="Set up two-factor login").click()
    await page.wait_for_url("**/console/account/two-factor")
    await check()
    await check(f"/console/reports/{uuid.uuid4()}")  # 404
    await check("/console/accounts")  # 403 for a moderator
    await page.context.clear_cookies()

    await log_in(page, "ada")
    await page.wait_for_url("**/console/queue")
    for path in ("/console/accounts", "/console/audit", "/console/awaiting", "/console/dashboard"):
        await check(path)
    await check("/console/audit?since=2024-03-12&until=2024-03-10")  # errors in the form

    assert not found, "axe found:\n" + "\n".join(found)


async def test_the_keyboard_moves_claims_and_explains(
    app: Any, page: Page, queued_report: Any, logged_in: Any
) -> None:
    first = await queued_report(text="The first report in the queue.")
    second = await queued_report(text="The second report in the queue.")
    await logged_in("ana")
    rows = page.locator("table.queue tbody tr")
    await expect(rows).to_have_count(2)

    await page.keyboard.press("j")
    await expect(rows.nth(0)).to_have_class("current")
    await expect(rows.nth(0).get_by_role("link")).to_be_focused()
    await page.keyboard.press("j")
    await expect(rows.nth(1)).to_have_class("current")
    await expect(rows.nth(0)).not_to_have_class("current")
    await page.keyboard.press("k")
    await expect(rows.nth(0).get_by_role("link")).to_be_focused()

    # Typing in a field is typing, not a shortcut.
    search = page.get_by_label("Search the text and its translation")
    await search.click()
    await page.keyboard.type("jk")
    await expect(search).to_have_value("jk")
    await expect(rows.nth(0)).to_have_class("current")

    await page.keyboard.press("Escape")
    await page.locator("h1").click()
    await page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    await expect(dialog).to_be_visible()
    await expect(dialog).to_contain_text("Claim the report")
    await dialog.get_by_role("button", name="Close").click()
    await expect(dialog).to_be_hidden()

    await page.keyboard.press("j")
    # Reports received in the same minute are listed by id: the chosen row holds either.
    chosen = page.locator("table.queue tbody tr.current")
    opened = first if await chosen.get_by_text("The first report").count() else second
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"**/console/reports/{opened}")
    await page.keyboard.press("c")
    await expect(page.get_by_text("You have claimed this report")).to_be_visible()
    await page.wait_for_load_state()  # the keys work once the new page's script has run
    await page.keyboard.press("r")
    await expect(page.get_by_label("Reason", exact=False).first).to_be_focused()
    await page.keyboard.press("Escape")
    await page.locator("h1").click()
    await page.keyboard.press("a")
    focused = await page.evaluate("document.activeElement.closest('form.approve') !== null")
    assert focused
    assert second  # the other report stays in the queue


async def test_the_dashboard_draws_its_charts(
    app: Any, page: Page, queued_report: Any, logged_in: Any
) -> None:
    for _ in range(3):
        await queued_report()
    await logged_in("ana")
    await page.get_by_role("link", name="Dashboard").click()
    await page.wait_for_url("**/console/dashboard")
    chart = page.get_by_role("img", name="Reports received per day, last 30 days")
    await expect(chart).to_be_visible()
    box = await chart.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 50
    today = page.locator('svg[data-chart="per-day"] rect').last
    await expect(today.locator("title")).to_have_text(f"{await _today(page)}: 3")
    bar = await today.bounding_box()
    assert bar and bar["height"] > 10  # the only non-empty day is drawn full height
    await expect(page.locator('[data-stat="queue-size"]')).to_have_text("3")
    await page.get_by_text("Reports received per day, last 30 days: the figures as a table").click()
    await expect(page.get_by_role("row", name=f"{await _today(page)} 3")).to_be_visible()


async def _today(page: Page) -> str:
    return str(await page.evaluate("new Date().toISOString().slice(0, 10)"))


async def test_a_tablet_gets_controls_a_finger_can_hit(
    browser: Any, live_server: str, add_moderator: Any
) -> None:
    """On a touch screen of a tablet's size, the page fits its width and the nav links and
    buttons are at least 44 px high."""
    context = await browser.new_context(
        base_url=live_server,
        viewport={"width": 768, "height": 1024},
        has_touch=True,
        is_mobile=True,
    )
    try:
        tablet = await context.new_page()
        await add_moderator("ana")
        await log_in(tablet, "ana")
        await tablet.wait_for_url("**/console/queue")
        width = await tablet.evaluate("document.documentElement.scrollWidth")
        assert width <= 768
        for control in (
            tablet.get_by_role("link", name="Dashboard"),
            tablet.get_by_role("button", name="Apply filters"),
            tablet.get_by_role("button", name="Log out"),
        ):
            box = await control.bounding_box()
            assert box and box["height"] >= 44, await control.inner_text()
    finally:
        await context.close()
