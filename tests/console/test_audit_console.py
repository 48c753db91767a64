"""The audit trail in the console: a report's history shows what each action changed;
leads and admins read the trail per moderator (from the accounts page), per report and
per span of days, in pages, and download it; a moderator reads and downloads their own
events ("My activity") and gets the 403 page for anyone else's."""

from __future__ import annotations

import csv
import io

import pytest

from console import audit as console_audit
from console.wording import change_lines
from core.db import transaction
from models.moderator import ModeratorRole
from moderation.accounts import create_moderator
from tests.audit_helpers import DAY_EDGES, SINCE, UNTIL, dated_events
from tests.conftest import TEST_PASSWORD
from tests.console.conftest import form_login
from tests.factories import incident_fields


async def _add(app, username: str, role: ModeratorRole) -> None:
    async with transaction(app.state.sessionmaker) as session:
        await create_moderator(session, app.state.passwords, username, role, TEST_PASSWORD)


async def _log_in(client, username: str) -> str:
    client.cookies.clear()
    return await form_login(client, username)


@pytest.fixture
async def decided(app, client, queued_report) -> list[str]:
    """Two reports `mo` claimed and rejected in the console."""
    await _add(app, "mo", ModeratorRole.MODERATOR)
    reports = [await queued_report(), await queued_report()]
    csrf = await _log_in(client, "mo")
    for report_id in reports:
        claim = await client.post(f"/console/reports/{report_id}/claim", data={"csrf_token": csrf})
        assert claim.status_code == 303
        reject = await client.post(
            f"/console/reports/{report_id}/reject",
            data={"csrf_token": csrf, "reason": "Spam from a test."},
        )
        assert reject.status_code == 303, reject.text
    return reports


async def test_the_report_history_shows_before_and_after(client, decided):
    page = await client.get(f"/console/reports/{decided[0]}")

    assert page.status_code == 200
    history = page.text.split('id="history-heading"')[1]
    assert "status:</span> queued → in_review" in history
    assert "status:</span> in_review → rejected" in history
    assert "rejection reason:</span> — → Spam from a test." in history
    assert "audit trail" not in history.lower()  # a moderator has no link to the whole trail


def test_a_change_of_an_incident_is_told_by_the_parts_that_differ():
    facts = {"ForcedLabour": "yes", "ChildLabour": "not_reported", "SexualExploitation": "no"}
    corrected = facts | {"ChildLabour": "yes", "SexualExploitation": "not_reported"}
    changes = {
        "status": ["in_review", "approved"],
        "incident.summary": [None, {"chars": 42}],
        "incident.exploitation_types": [None, facts],
        "incident.people": [None, {"count": "not_reported", "genders": {"Woman": "yes"}}],
        "incident.media": [None, []],  # reads "— → —": no line
    }

    assert change_lines(changes) == [
        ("status", "in_review", "approved"),
        ("incident.summary", None, {"chars": 42}),
        ("incident.exploitation_types.ForcedLabour", None, "yes"),
        ("incident.exploitation_types.SexualExploitation", None, "no"),
        ("incident.people.genders.Woman", None, "yes"),
    ]
    assert change_lines({"incident.exploitation_types": [facts, corrected]}) == [
        ("incident.exploitation_types.ChildLabour", "not_reported", "yes"),
        ("incident.exploitation_types.SexualExploitation", "no", "not_reported"),
    ]
    assert change_lines({"incident.exploitation_types": [facts, None]}) == [  # scrubbed
        ("incident.exploitation_types.ForcedLabour", "yes", None),
        ("incident.exploitation_types.SexualExploitation", "no", None),
    ]


async def test_an_approval_in_the_history_lists_what_was_stated(
    app, client, queued_report, make_moderator
):
    report_id = await queued_report()
    mo = await make_moderator("bo")
    await client.post(f"/v1/moderation/reports/{report_id}/claim", headers=mo)
    approved = await client.post(
        f"/v1/moderation/reports/{report_id}/approve", json=incident_fields(), headers=mo
    )
    assert approved.status_code == 200, approved.text
    await _add(app, "lea", ModeratorRole.LEAD)
    await _log_in(client, "lea")

    page = (await client.get(f"/console/reports/{report_id}")).text
    history = page.split('id="history-heading"')[1]

    assert "incident.exploitation types.ForcedLabour:</span> — → yes" in history
    assert "incident.exploitation types.SexualExploitation:</span> — → no" in history
    assert "ChildLabour" not in history  # not reported: not a line of its own
    export = await client.get("/console/audit/export", params={"report_id": report_id})
    assert "ChildLabour" in export.text  # the download keeps every value


async def test_a_moderator_reads_their_own_activity_only(app, client, decided):
    await _add(app, "bo", ModeratorRole.MODERATOR)
    csrf = await _log_in(client, "bo")
    await client.post(f"/console/reports/{decided[0]}/claim", data={"csrf_token": csrf})
    await _log_in(client, "mo")

    queue = await client.get("/console/queue")
    mine = await client.get("/console/audit")
    on_report = await client.get(f"/console/audit?report_id={decided[0]}")
    export = await client.get("/console/audit/export", params={"report_id": decided[0]})

    assert 'href="/console/audit">My activity</a>' in queue.text
    assert "Audit trail" not in queue.text
    assert mine.status_code == 200 and "<h1>My activity</h1>" in mine.text
    assert 'id="audit-moderator"' not in mine.text  # no one else to choose
    rows = mine.text.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    whats = [row.split("<td>")[3].split("</td>")[0] for row in rows]
    assert whats == ["login", "rejected", "claimed", "rejected", "claimed", "login"]
    assert all("<td>mo</td>" in row for row in rows) and "bo" not in "".join(rows)
    assert on_report.text.count("<tr>") == 1 + 2  # header, their claim and rejection
    assert export.status_code == 200
    exported = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"), newline="")))
    assert [(row["moderator"], row["action"]) for row in exported] == [
        ("mo", "claimed"),
        ("mo", "rejected"),
    ]


@pytest.mark.parametrize(
    "path", ["/console/audit?moderator=bo", "/console/audit/export?moderator=nobody"]
)
async def test_a_moderator_gets_the_403_page_for_anyone_elses_events(app, client, decided, path):
    await _add(app, "bo", ModeratorRole.MODERATOR)
    await _log_in(client, "mo")

    answer = await client.get(path)

    assert answer.status_code == 403 and answer.headers["content-type"].startswith("text/html")
    assert "only your own events" in answer.text


async def test_a_lead_reads_one_moderators_trail_in_pages(app, client, decided, monkeypatch):
    monkeypatch.setattr(console_audit, "PAGE_SIZE", 3)
    await _add(app, "lea", ModeratorRole.LEAD)
    await _log_in(client, "lea")

    seen: list[str] = []
    path = "/console/audit?moderator=mo"
    while True:
        page = await client.get(path)
        assert page.status_code == 200
        body = page.text.split("<tbody>")[1].split("</tbody>")[0]
        seen += [line for line in body.split("<tr>")[1:]]
        older = page.text.split('rel="next" href="')
        if len(older) == 1:
            break
        path = older[1].split('"')[0].replace("&amp;", "&")

    assert "Audit trail of mo" in page.text
    whats = [row.split("<td>")[3].split("</td>")[0] for row in seen]
    # newest first: the second report's rejection first, the login last
    assert whats == ["rejected", "claimed", "rejected", "claimed", "login"]
    assert all(">mo</a>" in row for row in seen)
    assert "lea" not in "".join(seen)


async def test_an_admin_reaches_a_moderators_trail_from_the_accounts_page(app, client, decided):
    await _add(app, "ada", ModeratorRole.ADMIN)
    await _log_in(client, "ada")

    accounts = await client.get("/console/accounts")
    assert 'href="/console/audit?moderator=mo"' in accounts.text
    report_trail = await client.get(f"/console/audit?report_id={decided[1]}")
    assert report_trail.status_code == 200
    assert report_trail.text.count("<tr>") == 1 + 2  # header, claimed, rejected


async def test_a_lead_downloads_what_the_filters_pick(app, client, decided):
    await _add(app, "lea", ModeratorRole.LEAD)
    await _log_in(client, "lea")

    page = await client.get(f"/console/audit?report_id={decided[0]}")
    link = page.text.split('href="/console/audit/export?')[1].split('"')[0].replace("&amp;", "&")
    export = await client.get(f"/console/audit/export?{link}")

    assert "format=csv" in link
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"), newline="")))
    assert [row["action"] for row in rows] == ["claimed", "rejected"]
    assert {row["report_id"] for row in rows} == {decided[0]}


async def test_an_unknown_moderator_is_said_plainly(app, client, decided):
    await _add(app, "lea", ModeratorRole.LEAD)
    await _log_in(client, "lea")

    answer = await client.get("/console/audit?moderator=nobody")

    assert answer.status_code == 422 and answer.headers["content-type"].startswith("text/html")
    assert "No moderator account is called" in answer.text


def _dated_rows(page: str) -> list[str]:
    """The `DAY_EDGES` events a page lists, by the edge's name, in the page's order."""
    if "<tbody>" not in page:
        return []
    rows = page.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    vias = [row.split("via:</span> ")[1].split("<")[0] for row in rows if "via:</span>" in row]
    return [via for via in vias if via in DAY_EDGES]


async def test_a_lead_bounds_the_trail_by_days_and_blank_fields_mean_any(app, client):
    dated = await dated_events(app, "mo")
    await _add(app, "lea", ModeratorRole.LEAD)
    await _log_in(client, "lea")

    # the form sends every field, the blank ones too
    everything = await client.get("/console/audit?moderator=&report_id=&action=&until=")
    bounded = await client.get(f"/console/audit?moderator=&since={SINCE}&until={UNTIL}")
    after = await client.get("/console/audit?moderator=mo&since=2024-03-13&until=2024-03-13")

    assert everything.status_code == 200
    assert _dated_rows(everything.text) == ["after", "last", "first", "before"]  # newest first
    assert bounded.status_code == 200 and _dated_rows(bounded.text) == ["last", "first"]
    assert _dated_rows(after.text) == ["after"]
    link = bounded.text.split('href="/console/audit/export?')[1].split('"')[0]
    assert f"since={SINCE}" in link and f"until={UNTIL}" in link
    export = await client.get(f"/console/audit/export?{link.replace('&amp;', '&')}")
    exported = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"), newline="")))
    assert [dated[int(row["id"])] for row in exported] == ["first", "last"]


@pytest.mark.parametrize(
    ("query", "field", "says"),
    [
        ("since=2024-03-12&until=2024-03-10", "audit-form", "since is after until"),
        ("since=12%2F03%2F2024", "audit-since", "YYYY-MM-DD"),
        ("report_id=not-an-id", "audit-report", "UUID"),
    ],
)
async def test_a_filter_the_trail_cannot_take_is_said_beside_its_field(
    app, client, decided, query, field, says
):
    await _add(app, "lea", ModeratorRole.LEAD)
    await _log_in(client, "lea")

    answer = await client.get(f"/console/audit?{query}")

    assert answer.status_code == 422 and answer.headers["content-type"].startswith("text/html")
    error = answer.text.split(f'id="{field}-error">')[1].split("</p>")[0]
    assert says in error
    assert "<table" not in answer.text  # nothing listed until it is fixed
