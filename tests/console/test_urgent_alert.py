"""An urgent report is impossible to miss on any console page: the navigation bar counts
the urgent reports waiting, and an open page (whichever it is) updates the count, puts it
in the tab's title and announces a new one, without the moderator reloading. The page's
background requests do not keep an unattended session alive."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.async_api import expect
from sqlalchemy import select, update

from models.moderator import ModeratorSession
from moderation.sessions import LAST_SEEN_STEP, token_hash
from tests.auth_helpers import ago, mint_token

VAN = "A white van takes girls from the bus station every night, they look scared."
ROUTINE = "Workers at the car wash sleep in the back room and never leave."


@pytest.fixture
def settings_overrides(settings_overrides):
    return settings_overrides | {"console_urgent_poll_seconds": 1}


@pytest.mark.slow
async def test_a_new_urgent_report_is_announced_on_whatever_page_is_open(
    logged_in, queued_report, screenshots_dir
):
    await queued_report(text=ROUTINE)
    page = await logged_in()
    urgent_link = page.get_by_role("link", name=re.compile("urgent reports waiting"))
    await expect(urgent_link).to_be_hidden()
    await page.get_by_role("link", name="Dashboard").click()
    await expect(page.get_by_role("heading", level=1)).to_be_visible()

    await queued_report(text=VAN, urgent=True)  # arrives while the dashboard is open

    news = page.get_by_role("alert").filter(has_text="A new urgent report has arrived")
    await expect(news).to_be_visible()
    await expect(urgent_link).to_be_visible()
    await expect(urgent_link).to_contain_text("1 urgent")
    await expect(page).to_have_title(re.compile(r"^\(1 urgent\) "))
    await page.screenshot(path=screenshots_dir / "urgent-announced.png", full_page=True)

    await news.get_by_role("link", name="Show the urgent reports").click()
    rows = page.locator("table.queue tbody tr")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text(VAN)
    await expect(page.get_by_label("Urgency")).to_have_value("true")
    # already counted when the page loaded: nothing new to announce
    await expect(urgent_link).to_contain_text("1 urgent")
    await page.wait_for_timeout(2500)  # two rounds of the count
    await expect(page.get_by_role("alert").filter(has_text="has arrived")).to_have_count(0)


async def test_the_count_is_for_signed_in_moderators_and_is_not_activity(
    app, client: httpx.AsyncClient, make_moderator, queued_report, sessionmaker
):
    await queued_report(text=VAN, urgent=True)
    await queued_report(text=ROUTINE)
    assert "application/json" not in (await client.get("/console/urgent.json")).headers.get(
        "content-type", ""
    )  # nobody signed in: the login page, no count

    await make_moderator("ana")
    token = await mint_token(app, "ana", last_seen_at=ago(minutes=10))
    client.cookies.set("stop_console", token)

    async def last_seen():
        async with sessionmaker() as session:
            return await session.scalar(
                select(ModeratorSession.last_seen_at).where(
                    ModeratorSession.token_hash == token_hash(app.state.hasher, token)
                )
            )

    before = await last_seen()
    answer = await client.get("/console/urgent.json")
    assert answer.status_code == 200 and answer.json() == {"urgent_open": 1}
    assert await last_seen() == before  # the page asking by itself is not the moderator
    assert (await client.get("/console/queue")).status_code == 200
    assert await last_seen() > before + LAST_SEEN_STEP  # a page the moderator opened is

    async with sessionmaker() as session:  # the session goes idle: no more counts
        await session.execute(
            update(ModeratorSession)
            .where(ModeratorSession.token_hash == token_hash(app.state.hasher, token))
            .values(last_seen_at=ago(minutes=31))
        )
        await session.commit()
    idle = await client.get("/console/urgent.json")
    assert "urgent_open" not in idle.text


async def test_every_page_shows_how_many_urgent_reports_wait(
    client: httpx.AsyncClient, console_login, queued_report
):
    await queued_report(text=VAN, urgent=True)
    await queued_report(text=VAN + " Again tonight.", urgent=True)
    await console_login()
    for path in ("/console/queue", "/console/dashboard", "/console/languages", "/console/account"):
        html = (await client.get(path)).text
        assert re.search(r'<a class="urgent-now"[^>]*>.*?data-urgent-count>2<', html), path
        assert 'data-urgent-poll="1"' in html


@pytest.fixture(scope="session")
def screenshots_dir(tmp_path_factory: pytest.TempPathFactory):
    return tmp_path_factory.mktemp("urgent-screenshots")
