"""A whole moderation shift in a real browser (Debian's chromium, Playwright) against the real
app under uvicorn, as the proof of issue 11: a moderator logs in, searches the queue and finds
a cluster of reports about one pier as one line with its count, merges a duplicate into its
primary, redacts a bystander's name and publishes the report (the hub's feed and its NDJSON
and CSV exports carry the redaction's placeholder where the summary quotes the text, never the
name), asks a reporter a question (the reporter answers through the API and the report comes
back flagged "Answered"), approves an urgent report choosing a "Yes" and a "No" (four eyes: it
waits for a lead); a lead, in a second browser, confirms it from the waiting list and the hub
feed carries exactly the facts chosen; the lead corrects and then retracts the redacted
report's incident from its page and downloads that report's audit trail; the lead rejects
a spam wave in bulk; the dashboard counts the shift's decisions.

Each step leaves a screenshot (01-login.png, 02-filter.png, …) in pytest's temporary folder
`shift-screenshots*`, whose path the test prints; they are for a person to look at and are
never committed.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Dialog, Page, expect

from core.db import transaction
from models.hub_client import HubScope
from models.moderator import ModeratorRole
from moderation.accounts import create_moderator
from tests.conftest import TEST_PASSWORD
from tests.console.conftest import log_in
from tests.factories import new_report

# Drives a real chromium against a live server: slow, excluded by `make test-fast`.
pytestmark = pytest.mark.slow

# Three reports about one pier within the hour: one cluster. The first two say the same thing.
PIER = {"latitude": -4.0435, "longitude": 39.6682, "accuracy_m": 30}
NEAR_PIER = {"latitude": -4.0441, "longitude": 39.6690, "accuracy_m": 30}
PRIMARY = "Men are kept on a fishing boat at the old pier and are never paid for their work."
DUPLICATE = "Men are kept on a fishing boat at the old pier and never get paid for their work!"
THIRD = "Boys carry crates at the old pier at night and sleep on the boats."
# A report naming a bystander, in quotes: the console suggests redacting the name.
NAME = "Marisol Quintana"
NAMED = f'The cook "{NAME}" saw the owner lock the workers inside the garment workshop.'
PLACEHOLDER = "[redacted: bystander]"
SHED = "Workers sleep in a locked shed behind the farm and are never paid."
ANSWER = "Behind the church, on the road to the river."
URGENT = "A girl is being taken across the border tonight in a white van from the market."
SPAM = "Send crypto to this wallet and win a prize today, click the link."
SUMMARY = "A girl reportedly moved across the border at night in a van."


@pytest.fixture
def settings_overrides(settings_overrides: dict[str, Any]) -> dict[str, Any]:
    # Four eyes on urgent reports: a moderator's approval waits for a lead's confirmation.
    return settings_overrides | {"four_eyes": ["urgent"]}


@pytest.fixture
def patient_expect() -> Iterator[None]:
    """A long shift on a shared machine: each expectation waits up to 15 s for the page
    (Playwright's default is 5 s), then the default again for other tests."""
    expect.set_options(timeout=15_000)
    try:
        yield
    finally:
        expect.set_options(timeout=5_000)


@pytest.fixture(scope="session")
def shift_screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("shift-screenshots")
    print(f"\nscreenshots of the moderation shift browser test: {folder}", file=sys.stderr)
    return folder


class Shots:
    """Numbered full-page screenshots, one per step of the shift."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.taken = 0

    async def take(self, page: Page, step: str) -> None:
        self.taken += 1
        await page.screenshot(path=self.folder / f"{self.taken:02d}-{step}.png", full_page=True)


async def accept(dialog: Dialog) -> None:
    """The moderator answers "OK" to the console's confirmation questions."""
    await dialog.accept()


async def test_a_moderation_shift_from_the_queue_to_the_hub_and_the_dashboard(
    page: Page,
    browser: Browser,
    live_server: str,
    app: Any,
    client: httpx.AsyncClient,
    process_pending: Any,
    queued_report: Any,
    add_moderator: Any,
    make_hub_client: Any,
    shift_screenshots: Path,
    record_property: Any,
    patient_expect: None,
) -> None:
    record_property("screenshots", str(shift_screenshots))
    shots = Shots(shift_screenshots)
    primary = await queued_report(text=PRIMARY, location=PIER)
    duplicate = await queued_report(text=DUPLICATE, location=NEAR_PIER)
    await queued_report(text=THIRD, location=PIER)
    named_id = await queued_report(text=NAMED)
    accepted = await client.post("/v1/reports", json=new_report(text=SHED))
    assert accepted.status_code == 201
    asked_id, receipt = accepted.json()["report_id"], accepted.json()["receipt"]
    urgent_id = await queued_report(
        text=URGENT, urgent=True, country="MX", categories=["ForcedLabour"]
    )
    spam = [await queued_report(text=SPAM) for _ in range(2)]
    await add_moderator("ana")
    async with transaction(app.state.sessionmaker) as session:
        await create_moderator(
            session, app.state.passwords, "lea", ModeratorRole.LEAD, TEST_PASSWORD
        )
    page.on("dialog", accept)
    rows = page.locator("table.queue tbody tr")

    # 1. ana logs in: eight reports, the pier's three folded into one line.
    await log_in(page, "ana")
    await page.wait_for_url("**/console/queue")
    await expect(rows).to_have_count(6)
    await expect(rows.first).to_contain_text("Urgent")
    await shots.take(page, "login")

    # 2. She searches for the pier: one line, the cluster, with its count.
    search = page.get_by_label("Search the text and its translation")
    await search.fill("pier")
    await search.press("Enter")
    await expect(rows).to_have_count(1)
    cluster = rows.first.locator("details.cluster")
    await expect(cluster.locator(".cluster-count")).to_contain_text("3 reports about this place")
    assert "q=pier" in page.url
    await shots.take(page, "filter")

    # 3. She opens the cluster and the duplicate, claims it and merges it into the primary.
    await cluster.locator("summary").click()
    await expect(cluster.get_by_role("link")).to_have_count(2)  # the line's two others
    # Reports received in the same minute are in the order of their ids: the duplicate
    # leads the line (its own link) or is one of those listed when the line opens.
    await rows.first.get_by_role("link", name=DUPLICATE).click()
    await page.wait_for_url(f"**/console/reports/{duplicate}")
    await page.get_by_role("button", name="Claim this report").click()
    await expect(page.get_by_role("status")).to_contain_text("You have claimed this report")
    suggestions = page.locator("ol.suggestions")
    await expect(suggestions).to_contain_text(PRIMARY)
    await shots.take(page, "cluster")
    await page.get_by_role("button", name=f"Merge into this report: {PRIMARY[:60]}").click()
    await page.wait_for_url(f"**/console/reports/{primary}?done=merged")
    merged = page.locator("ul.merged")
    await expect(merged).to_contain_text(DUPLICATE)
    await shots.take(page, "merged")
    await page.goto("/console/queue?q=pier")
    await expect(rows.first.locator(".cluster-count")).to_contain_text("2 reports about this place")

    # 4. She redacts a bystander's name with one click on its suggestion, then publishes the
    # report. The summary she first types repeats the name: refused. Pasting the text as she
    # reads it, the placeholder in it, is what the hub receives.
    await page.goto(f"/console/reports/{named_id}")
    await page.get_by_role("button", name="Claim this report").click()
    await expect(page.get_by_role("status")).to_contain_text("You have claimed this report")
    original = page.locator(".texts .pane").first.locator(".text")
    await expect(original).to_contain_text(NAME)
    await page.get_by_role("button", name=f"Redact this: {NAME}").click()
    await expect(page.get_by_role("status")).to_contain_text("Redacted: moderators now read")
    await expect(original).not_to_contain_text(NAME)
    await expect(original).to_contain_text(PLACEHOLDER)
    await expect(page.locator("table.redactions")).to_contain_text("bystander")
    await shots.take(page, "redacted")
    form = page.locator("form.approve")
    await form.get_by_label("Summary").fill(f"{NAME} saw workers locked inside a workshop.")
    await form.get_by_role("button", name="Approve and publish").click()
    await expect(form.get_by_role("alert")).to_contain_text("repeats text redacted")
    await shots.take(page, "summary-refused")
    shown = await original.inner_text()
    await form.get_by_label("Summary").fill(shown)
    await form.get_by_role("button", name="Approve and publish").click()
    await page.wait_for_url(f"**/console/queue?done=approved&undo={named_id}")
    await page.goto(f"/console/reports/{named_id}")
    published = page.locator("section.published")
    await expect(published).to_contain_text(PLACEHOLDER)
    await expect(published).not_to_contain_text(NAME)
    await shots.take(page, "redacted-published")

    # The hub reads the feed and both exports: the placeholder where the text was, no name.
    hub = await make_hub_client(scopes=[HubScope.INCIDENTS_READ, HubScope.EXPORT_READ])
    async with httpx.AsyncClient(base_url=live_server, headers=hub) as http:
        feed = await http.get("/v1/hub/incidents")
        ndjson = await http.get("/v1/hub/export", params={"format": "ndjson"})
        csv = await http.get("/v1/hub/export", params={"format": "csv"})
    [item] = feed.json()["items"]
    assert item["incident"]["summary"] == shown
    for answer in (feed, ndjson, csv):
        assert answer.status_code == 200, answer.text
        assert PLACEHOLDER in answer.text
        assert "Marisol" not in answer.text and "Quintana" not in answer.text

    # 5. She asks the reporter of the shed report: it leaves the queue until the answer.
    await page.goto(f"/console/reports/{asked_id}")
    await page.get_by_role("button", name="Claim this report").click()
    await expect(page.get_by_role("status")).to_contain_text("You have claimed this report")
    await page.get_by_label("Question").fill("Where is the farm?")
    await page.get_by_role("button", name="Send question").click()
    await expect(page.get_by_role("status")).to_contain_text("waits for the answer")
    await expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Waiting for the reporter's answer"
    )
    await shots.take(page, "asked")
    await page.goto("/console/queue")
    await expect(page.locator("table.queue")).not_to_contain_text(SHED)

    # 6. The reporter reads the question and answers with the receipt, through the API.
    receipt_auth = {"Authorization": f"Receipt {receipt}"}
    mine = (await client.get("/v1/reports/mine", headers=receipt_auth)).json()
    assert mine["awaiting_answer"] is True
    assert [m["original_text"] for m in mine["messages"]] == ["Where is the farm?"]
    answer = await client.post(
        "/v1/reports/mine/messages", json={"text": ANSWER}, headers=receipt_auth
    )
    assert answer.status_code == 201
    await process_pending()
    await page.reload()
    answered = rows.filter(has_text=SHED)
    await expect(answered.locator(".badge.answered")).to_have_text("Answered")
    await shots.take(page, "answered")
    await answered.get_by_role("link", name=SHED).click()
    await expect(page.locator("table.conversation")).to_contain_text(ANSWER)

    # 7. She approves the urgent report with a "Yes" and a "No": four eyes, it waits.
    await page.goto("/console/queue")
    await rows.first.get_by_role("link", name=URGENT).click()
    await page.wait_for_url(f"**/console/reports/{urgent_id}")
    await page.get_by_role("button", name="Claim this report").click()
    await expect(page.get_by_role("status")).to_contain_text("You have claimed this report")
    form = page.locator("form.approve")
    await form.get_by_label("Summary").fill(SUMMARY)
    types = form.get_by_role("group", name="Types of exploitation")
    labour = types.get_by_role("radiogroup", name="Forced labour")
    await expect(labour.get_by_label("Yes", exact=True)).to_be_checked()  # from the reporter
    await (
        types.get_by_role("radiogroup", name="Sexual exploitation")
        .get_by_label("No", exact=True)
        .check()
    )
    await (
        types.get_by_role("radiogroup", name="Forced begging")
        .get_by_label("Yes", exact=True)
        .check()
    )
    await expect(
        form.get_by_role("group", name="Event 1").get_by_role("textbox", name="Country")
    ).to_have_value("MEX")
    await shots.take(page, "approve")
    await form.get_by_role("button", name="Approve and publish").click()
    await page.wait_for_url(f"**/console/queue?done=held&undo={urgent_id}")
    await expect(page.get_by_role("status")).to_contain_text("waits for a lead")
    await expect(page.locator("table.queue")).not_to_contain_text(URGENT)
    await shots.take(page, "held")

    async with httpx.AsyncClient(base_url=live_server) as http:
        feed = (await http.get("/v1/hub/incidents", headers=hub)).json()["items"]
    # Nothing more than the redacted report's incident before a lead confirms.
    assert [i["incident"]["summary"] for i in feed] == [shown]

    # 8. A lead, in another browser, confirms it from the waiting list.
    lead_context = await browser.new_context(base_url=live_server)
    lead_context.set_default_timeout(10_000)
    try:
        lead = await lead_context.new_page()
        await log_in(lead, "lea")
        await lead.wait_for_url("**/console/queue")
        waiting = lead.get_by_role("link", name="Waiting for a lead")
        await expect(waiting).to_contain_text("1")
        await waiting.click()
        listed = lead.locator("table.awaiting tbody tr")
        await expect(listed).to_have_count(1)
        await expect(listed.first).to_contain_text("Urgent")
        await expect(listed.first).to_contain_text("ana")
        await expect(listed.first).to_contain_text("Four eyes")  # why it waits, in words
        await shots.take(lead, "awaiting")
        await listed.first.get_by_role("link").click()
        pending = lead.locator("section.pending")
        await expect(pending).to_contain_text(SUMMARY)
        await expect(pending).to_contain_text("four eyes, a lead confirms this kind of report")
        await pending.get_by_role("button", name="Confirm and publish").click()
        await lead.wait_for_url("**/console/awaiting?done=confirmed")
        await expect(lead.get_by_text("No approval is waiting.")).to_be_visible()
        await shots.take(lead, "confirmed")

        # The hub feed carries the incident with the facts as ana chose them.
        async with httpx.AsyncClient(base_url=live_server) as http:
            items = (await http.get("/v1/hub/incidents", headers=hub)).json()["items"]
        [incident] = [i["incident"] for i in items if i["incident"]["summary"] == SUMMARY]
        assert incident["summary"] == SUMMARY
        stated = {k: v for k, v in incident["exploitation_types"].items() if v != "not_reported"}
        assert stated == {"ForcedLabour": "yes", "ForcedBegging": "yes", "SexualExploitation": "no"}

        # 9. The lead corrects the redacted report's published incident from its page, then
        # retracts it (published twice, say), and reads and downloads that report's trail.
        await lead.goto(f"/console/reports/{named_id}")
        published = lead.locator("section.published")
        await published.get_by_text("Correct the incident").click()
        correction = lead.locator("form.correct")
        await (
            correction.get_by_role("group", name="Types of exploitation")
            .get_by_role("radiogroup", name="Forced labour")
            .get_by_label("Yes", exact=True)
            .check()
        )
        await correction.get_by_role("button", name="Publish the correction").click()
        await lead.wait_for_url(f"**/console/reports/{named_id}?done=corrected")
        await expect(published).to_contain_text("version 2, corrected")
        await shots.take(lead, "corrected")
        await published.get_by_text("Retract the incident").click()
        retraction = lead.locator("form.retract")
        await retraction.get_by_label("What the hub is told").select_option("duplicate")
        await retraction.get_by_label("Reason").fill("Published twice by mistake.")
        await retraction.get_by_role("button", name="Retract").click()
        await lead.wait_for_url(f"**/console/reports/{named_id}?done=retracted")
        await expect(published).to_contain_text("Retracted (duplicate)")
        async with httpx.AsyncClient(base_url=live_server, headers=hub) as http:
            versions = [
                item
                for item in (await http.get("/v1/hub/incidents")).json()["items"]
                if item["incident"] is None or item["incident"]["summary"] != SUMMARY
            ]
        assert [item["change"] for item in versions] == ["published", "corrected", "retracted"]
        assert all(item["incident"] is None for item in versions)  # scrubbed, every version

        await lead.get_by_role("link", name="This report in the audit trail").click()
        trail = lead.locator("table.audit tbody")
        for action in ("retracted", "corrected", "approved", "redacted", "claimed"):
            await expect(trail).to_contain_text(action)
        await shots.take(lead, "report-audit")
        async with lead.expect_download() as started:
            await lead.get_by_role("link", name="CSV").click()
        exported = Path(await (await started.value).path()).read_text(encoding="utf-8-sig")
        assert "retracted" in exported and "redacted" in exported
        assert named_id in exported and urgent_id not in exported  # this report only
        assert "Marisol" not in exported and "Quintana" not in exported

        # 10. The lead searches for the spam wave, ticks both and rejects them in bulk.
        await lead.goto("/console/queue")
        lead_rows = lead.locator("table.queue tbody tr")
        await expect(lead_rows.filter(has_text=SPAM)).to_have_count(2)
        lead_search = lead.get_by_label("Search the text and its translation")
        await lead_search.fill("crypto wallet")
        await lead_search.press("Enter")
        await expect(lead_rows).to_have_count(2)
        for row in await lead_rows.all():
            await row.get_by_role("checkbox").check()
        await lead.get_by_label("Action").select_option(label="Reject as spam")
        await lead.get_by_label("Reason for rejecting").fill("Spam wave: a crypto prize.")
        await shots.take(lead, "bulk-select")
        await lead.get_by_role("button", name="Review the change").click()
        await expect(lead.locator("#bulk-preview")).to_contain_text(
            "2 of 2 selected reports will change"
        )
        await lead.get_by_role("button", name="Confirm: change 2 reports").click()
        await expect(lead.locator("#bulk-outcome")).to_contain_text(
            "2 of 2 selected reports changed"
        )
        await shots.take(lead, "bulk-rejected")
        await lead.goto("/console/queue")
        await expect(lead.locator("table.queue")).not_to_contain_text(SPAM)
        for report_id in spam:
            await lead.goto(f"/console/reports/{report_id}")
            await expect(lead.get_by_role("heading", level=1)).to_contain_text("Rejected")

        # 11. The dashboard: ana's three decisions (the merge and two approvals), lea's two
        # rejections, and what waits.
        await lead.goto("/console/dashboard")
        decisions = lead.locator('svg[data-chart="decisions"]')
        for title in ("ana: Last 7 days: 3", "lea: Last 7 days: 2"):
            await expect(decisions.locator("title", has_text=title)).to_have_count(1)
        # Open now: the pier's primary and third report, and the answered shed report.
        await expect(lead.locator('[data-stat="queue-size"]')).to_have_text("3")
        await expect(lead.locator('[data-stat="queue-urgent"]')).to_have_text("0")
        await shots.take(lead, "dashboard")
    finally:
        await lead_context.close()
    assert len(list(shift_screenshots.glob("*.png"))) == shots.taken
