"""The audit trail: before and after values of every change, append-only in the database
itself, readable per report and per moderator in pages, exported as CSV and NDJSON
(over the API and the command line) equal to what the API lists."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import httpx
import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import DBAPIError

from core.csv_cells import csv_cell
from core.db import create_engine, transaction
from models.moderator import Moderator, ModeratorRole
from moderation import audit
from moderation.accounts import create_moderator
from moderation.audit import AuditAction
from tests.audit_helpers import SINCE, UNTIL, dated_events
from tests.cli_helpers import RunCli
from tests.conftest import TEST_PASSWORD
from tests.factories import DEFAULT_REPORT_TEXT, incident_fields

PROBLEM = "application/problem+json"
_LIST = "/v1/moderation/audit"
_EXPORT = "/v1/moderation/audit/export"
SUMMARY = "Five women reportedly locked inside a workshop."


async def _events(client: httpx.AsyncClient, headers: dict[str, str], **query: Any) -> list[Any]:
    """Every event the API lists for `query`, following `next` page by page."""
    items: list[Any] = []
    after = 0
    while True:
        answer = await client.get(
            "/v1/moderation/audit", params={**query, "after": after}, headers=headers
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        items += body["items"]
        if body["next"] is None:
            return items
        after = body["next"]


def _by_action(events: list[Any]) -> dict[str, Any]:
    return {event["action"]: event for event in events}


@pytest.fixture
async def staff(make_moderator) -> dict[str, dict[str, str]]:
    return {
        "mod": await make_moderator("mod"),
        "lead": await make_moderator("lead", ModeratorRole.LEAD),
    }


async def test_each_report_action_records_what_it_changed(client, queued_report, staff):
    mod, lead = staff["mod"], staff["lead"]
    approved = await queued_report()
    rejected = await queued_report()
    for report_id in (approved, rejected):
        claim = await client.post(f"/v1/moderation/reports/{report_id}/claim", headers=mod)
        assert claim.status_code == 200
    release = await client.post(f"/v1/moderation/reports/{rejected}/release", headers=mod)
    assert release.status_code == 204
    await client.post(f"/v1/moderation/reports/{rejected}/claim", headers=mod)
    reason = "Duplicate of an earlier report."
    await client.post(
        f"/v1/moderation/reports/{rejected}/reject", json={"reason": reason}, headers=mod
    )
    await client.post(
        f"/v1/moderation/reports/{approved}/approve", json=incident_fields(), headers=mod
    )
    corrected = incident_fields(
        exploitation_types={"SexualExploitation": "yes"},
        events=[{"type": "Exploitation", "place": "country", "country": "GTM"}],
    )
    await client.post(f"/v1/moderation/reports/{approved}/correct", json=corrected, headers=lead)
    await client.post(
        f"/v1/moderation/reports/{approved}/retract", json={"reason": "hoax"}, headers=lead
    )

    one = _by_action(await _events(client, lead, report_id=approved))
    claimed = one["claimed"]["changes"]
    assert claimed["status"] == ["queued", "in_review"]
    assert claimed["claimed_by"] == [None, "mod"]
    assert claimed["claim_expires_at"][0] is None and claimed["claim_expires_at"][1]
    approval = one["approved"]["changes"]
    assert approval["status"] == ["in_review", "approved"]
    assert approval["claimed_by"] == ["mod", None]
    assert approval["decided_by"] == [None, "mod"]
    assert approval["incident.version"] == [None, 1]
    assert approval["incident.exploitation_types"][0] is None
    assert approval["incident.exploitation_types"][1]["ForcedLabour"] == "yes"
    assert approval["incident.events"][1][0]["place"]["country"] == "MEX"
    assert approval["incident.summary"] == [None, {"chars": len(SUMMARY)}]
    correction = one["corrected"]["changes"]
    assert correction["incident.version"] == [1, 2]
    before, after = correction["incident.exploitation_types"]
    assert (before["ForcedLabour"], after["ForcedLabour"]) == ("yes", "not_reported")
    assert (before["SexualExploitation"], after["SexualExploitation"]) == ("no", "yes")
    assert [events[0]["place"]["country"] for events in correction["incident.events"]] == [
        "MEX",
        "GTM",
    ]
    assert "incident.summary" not in correction and "status" not in correction
    retraction = one["retracted"]
    assert retraction["changes"]["incident.change"] == ["corrected", "retracted"]
    assert retraction["changes"]["incident.summary"] == [{"chars": len(SUMMARY)}, None]
    assert retraction["detail"]["reason"] == "hoax"

    other = await _events(client, lead, report_id=rejected)
    released = next(event for event in other if event["action"] == "released")["changes"]
    assert released["status"] == ["in_review", "queued"] and released["claimed_by"] == ["mod", None]
    rejection = _by_action(other)["rejected"]["changes"]
    assert rejection["status"] == ["in_review", "rejected"]
    assert rejection["rejection_reason"] == [None, reason]

    # the report page's history shows the same changes to the moderator
    detail = await client.get(f"/v1/moderation/reports/{rejected}", headers=mod)
    history = {entry["action"]: entry for entry in detail.json()["history"]}
    assert history["rejected"]["changes"]["status"] == ["in_review", "rejected"]

    # no report text anywhere in the trail
    everything = json.dumps(await _events(client, lead))
    assert DEFAULT_REPORT_TEXT not in everything and SUMMARY not in everything


async def test_account_changes_record_before_and_after_but_never_a_secret(
    app, client, run_cli: RunCli, staff
):
    lead = staff["lead"]
    assert (await run_cli("moderators", "add", "zed")).exit_code == 0
    assert (await run_cli("moderators", "set-role", "zed", "lead")).exit_code == 0
    assert (await run_cli("moderators", "disable", "zed")).exit_code == 0
    assert (await run_cli("moderators", "enable", "zed")).exit_code == 0
    reset = await run_cli("moderators", "reset-password", "zed")
    assert reset.exit_code == 0
    password = reset.output.split("Password (shown once): ")[1].strip()

    events = [
        event
        for event in await _events(client, lead)
        if event["action"].startswith(("account_", "role_", "password_"))
    ]
    changes = {event["action"]: event["changes"] for event in events}
    assert changes["account_created"] == {
        "is_active": [None, True],
        "role": [None, "moderator"],
        "username": [None, "zed"],
    }
    assert changes["role_changed"] == {"role": ["moderator", "lead"]}
    assert changes["account_disabled"] == {"is_active": [True, False]}
    assert changes["account_enabled"] == {"is_active": [False, True]}
    assert changes["password_reset"] == {"password": [audit.SECRET, audit.SECRET]}
    assert all(event["moderator"] is None and event["detail"]["via"] == "cli" for event in events)
    async with app.state.sessionmaker() as session:
        stored = await session.scalar(
            text("SELECT password_hash FROM moderators WHERE username = 'zed'")
        )
    everything = json.dumps(await _events(client, lead))
    assert password not in everything and stored not in everything


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"], indirect=True)
async def test_the_database_refuses_to_change_or_delete_audit_rows(app, settings):
    async with transaction(app.state.sessionmaker) as session:
        moderator = await create_moderator(
            session, app.state.passwords, "ana", ModeratorRole.MODERATOR, TEST_PASSWORD
        )
        await audit.record(session, moderator, AuditAction.LOGOUT, via="test")
    refused = {
        "UPDATE audit_events SET action = 'login'": "append-only",
        "UPDATE audit_events SET moderator_id = NULL": "append-only",
        "DELETE FROM audit_events": "append-only",
        "DELETE FROM moderators": "foreign key",  # the trail names the account: RESTRICT
    }
    engine = create_engine(settings)  # plain SQL, as someone with the service's access
    try:
        for statement, says in refused.items():
            with pytest.raises(DBAPIError) as raised:
                async with engine.begin() as connection:
                    await connection.execute(text(statement))
            assert says in str(raised.value).lower(), statement
        async with engine.connect() as connection:
            rows = (await connection.execute(text("SELECT action FROM audit_events"))).all()
    finally:
        await engine.dispose()
    assert sorted(row[0] for row in rows) == ["account_created", "logout"]


async def test_per_report_and_per_moderator_pages_add_up(client, queued_report, make_moderator):
    ana = await make_moderator("ana")
    bob = await make_moderator("bob")
    lead = await make_moderator("lea", ModeratorRole.LEAD)
    reports = [await queued_report() for _ in range(3)]
    for report_id in reports:
        for who in (ana, bob):
            await client.get(f"/v1/moderation/reports/{report_id}", headers=who)
        await client.post(f"/v1/moderation/reports/{report_id}/claim", headers=ana)

    everything = await _events(client, lead)
    paged_ana = await _events(client, lead, moderator="ana", limit=2)
    assert [e["id"] for e in paged_ana] == [e["id"] for e in everything if e["moderator"] == "ana"]
    assert {e["action"] for e in paged_ana} == {"login", "viewed", "claimed"}
    assert len([e for e in paged_ana if e["action"] != "login"]) == 6

    paged_report = await _events(client, lead, report_id=reports[1], limit=1)
    assert [(e["moderator"], e["action"]) for e in paged_report] == [
        ("ana", "viewed"),
        ("bob", "viewed"),
        ("ana", "claimed"),
    ]
    claims = await _events(client, lead, action="claimed", moderator="ANA")
    assert [e["report_id"] for e in claims] == reports

    first = await client.get("/v1/moderation/audit", params={"limit": 2}, headers=lead)
    assert first.json()["next"] == first.json()["items"][-1]["id"]


async def _trail(client, queued_report, make_moderator) -> tuple[dict[str, str], str]:
    mod = await make_moderator("mod")
    lead = await make_moderator("lead", ModeratorRole.LEAD)
    report_id = await queued_report()
    await client.post(f"/v1/moderation/reports/{report_id}/claim", headers=mod)
    await client.post(
        f"/v1/moderation/reports/{report_id}/reject",
        json={"reason": '=HYPERLINK("http://x") spam, ünïcode'},
        headers=mod,
    )
    return lead, report_id


def _csv_events(body: bytes) -> list[dict[str, Any]]:
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    return [
        {
            **row,
            "id": int(row["id"]),
            "moderator": row["moderator"] or None,
            "report_id": row["report_id"] or None,
            "changes": json.loads(row["changes"]),
            "detail": json.loads(row["detail"]),
        }
        for row in rows
    ]


async def test_exports_parse_and_equal_the_listing(client, queued_report, make_moderator):
    lead, report_id = await _trail(client, queued_report, make_moderator)
    listed = await _events(client, lead, report_id=report_id)

    ndjson = await client.get(
        "/v1/moderation/audit/export",
        params={"format": "ndjson", "report_id": report_id},
        headers=lead,
    )
    as_csv = await client.get(
        "/v1/moderation/audit/export", params={"report_id": report_id}, headers=lead
    )

    assert ndjson.headers["content-type"].startswith("application/x-ndjson")
    assert [json.loads(line) for line in ndjson.text.splitlines()] == listed
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in as_csv.headers["content-disposition"]
    assert as_csv.content.startswith(b"\xef\xbb\xbf")  # spreadsheets read it as UTF-8
    assert _csv_events(as_csv.content) == listed
    assert [e["action"] for e in listed] == ["claimed", "rejected"]

    # the export itself is audited, with its filters
    exports = await _events(client, lead, action="audit_exported")
    assert [e["detail"]["format"] for e in exports] == ["ndjson", "csv"]
    assert exports[0]["detail"]["filters"] == {"report_id": report_id}


async def test_whole_trail_exports_in_batches(client, queued_report, make_moderator, monkeypatch):
    from moderation import audit_log

    monkeypatch.setattr(audit_log, "EXPORT_BATCH", 2)
    lead, _ = await _trail(client, queued_report, make_moderator)
    listed = await _events(client, lead)
    exported = await client.get(
        "/v1/moderation/audit/export", params={"format": "ndjson"}, headers=lead
    )
    lines = [json.loads(line) for line in exported.text.splitlines()]
    assert lines[: len(listed)] == listed and len(listed) > 2
    assert lines[-1]["action"] == "audit_exported"


def test_csv_cells_never_start_a_formula():
    assert [csv_cell(v) for v in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "ok", None, 5)] == [
        "'=1+1",
        "'+1",
        "'-1",
        "'@SUM(A1)",
        "'\tx",
        "ok",
        "",
        "5",
    ]


async def test_a_legacy_username_that_looks_like_a_formula_is_escaped(
    app, client, queued_report, make_moderator
):
    lead, report_id = await _trail(client, queued_report, make_moderator)
    async with transaction(app.state.sessionmaker) as session:  # an account from before 0010
        await session.execute(
            update(Moderator)
            .where(Moderator.username == "mod")
            .values(username="=cmd|' /C calc'!A0")
        )
    exported = await client.get(
        "/v1/moderation/audit/export", params={"report_id": report_id}, headers=lead
    )
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"), newline="")))
    assert {row[2] for row in rows[1:]} == {"'=cmd|' /C calc'!A0"}


async def test_the_command_line_exports_the_same_events(
    client, queued_report, make_moderator, run_cli: RunCli
):
    lead, report_id = await _trail(client, queued_report, make_moderator)
    listed = await _events(client, lead, report_id=report_id, moderator="mod")

    ndjson = await run_cli("audit", "export", "--format", "ndjson", "--report", report_id,
                           "--moderator", "mod")  # fmt: skip
    as_csv = await run_cli("audit", "export", "--report", report_id, "--moderator", "mod")
    unknown = await run_cli("audit", "export", "--moderator", "nobody")

    assert ndjson.exit_code == 0, ndjson.output
    assert [json.loads(line) for line in ndjson.stdout.splitlines()] == listed
    assert _csv_events(as_csv.stdout_bytes) == listed
    assert unknown.exit_code == 1 and "nobody" in unknown.output
    cli_exports = [
        e for e in await _events(client, lead, action="audit_exported") if e["moderator"] is None
    ]
    assert [e["detail"]["via"] for e in cli_exports] == ["cli", "cli"]


async def _own_and_others(client, queued_report, make_moderator) -> dict[str, Any]:
    """`mod` claims and rejects a report that `bob` looked at too; `lea` is a lead."""
    team = {name: await make_moderator(name) for name in ("mod", "bob")}
    team["lea"] = await make_moderator("lea", ModeratorRole.LEAD)
    report_id = await queued_report()
    await client.get(f"/v1/moderation/reports/{report_id}", headers=team["bob"])
    await client.post(f"/v1/moderation/reports/{report_id}/claim", headers=team["mod"])
    await client.post(
        f"/v1/moderation/reports/{report_id}/reject",
        json={"reason": "Spam from a test."},
        headers=team["mod"],
    )
    return {**team, "report_id": report_id}


async def test_a_moderator_reads_and_exports_their_own_events_only(
    client, queued_report, make_moderator
):
    team = await _own_and_others(client, queued_report, make_moderator)
    mod, report_id = team["mod"], team["report_id"]

    own = await _events(client, mod)
    assert [(e["moderator"], e["action"]) for e in own] == [
        ("mod", "login"),
        ("mod", "claimed"),
        ("mod", "rejected"),
    ]
    assert await _events(client, mod, moderator=" MOD ") == own  # their own name, any case
    # a report's trail, for them, is their own part of it: bob's view is not in it
    on_report = await _events(client, mod, report_id=report_id)
    assert [e["action"] for e in on_report] == ["claimed", "rejected"]
    assert await _events(client, mod, action="rejected") == own[2:]

    exported = await client.get(_EXPORT, params={"format": "ndjson"}, headers=mod)
    assert exported.status_code == 200, exported.text
    *lines, export = [json.loads(line) for line in exported.text.splitlines()]
    assert lines == own
    # the export is audited as theirs (and is their own event), with the filter they got
    assert (export["moderator"], export["action"]) == ("mod", "audit_exported")
    assert export["detail"]["filters"] == {"moderator": "mod"}


async def test_the_command_line_exports_a_span_of_days(app, client, make_moderator, run_cli):
    dated = await dated_events(app, "ana")
    lead = await make_moderator("lead", ModeratorRole.LEAD)
    days = {"since": SINCE, "until": UNTIL}
    listed = await _events(client, lead, **days)

    ndjson = await run_cli("audit", "export", "--format", "ndjson", "--since", days["since"],
                           "--until", days["until"])  # fmt: skip
    reversed_days = await run_cli(
        "audit", "export", "--since", "2024-03-12", "--until", "2024-03-10"
    )
    not_a_day = await run_cli("audit", "export", "--since", "10/03/2024")

    assert ndjson.exit_code == 0, ndjson.output
    exported = [json.loads(line) for line in ndjson.stdout.splitlines()]
    assert exported == listed and [dated[e["id"]] for e in exported] == ["first", "last"]
    assert reversed_days.exit_code == 2 and "since is after until" in reversed_days.output
    assert not_a_day.exit_code == 2 and "--since" in not_a_day.output
    (export,) = [e for e in await _events(client, lead, action="audit_exported")]
    assert export["detail"] == {"format": "ndjson", "via": "cli", "filters": days}


@pytest.mark.parametrize("path", [_LIST, _EXPORT])
@pytest.mark.parametrize("other", ["bob", "lea", "nobody"])
async def test_a_moderator_asking_for_anyone_elses_events_gets_a_403(
    client, queued_report, make_moderator, path, other
):
    team = await _own_and_others(client, queued_report, make_moderator)

    answer = await client.get(
        path, params={"moderator": other, "report_id": team["report_id"]}, headers=team["mod"]
    )

    # the same answer for a name no account has: a moderator learns nothing of who exists
    assert answer.status_code == 403, answer.text
    assert answer.headers["content-type"] == PROBLEM
    assert answer.json()["type"] == "urn:stop-intake:problem:own-trail-only"
    lead_exports = await _events(client, team["lea"], action="audit_exported")
    assert lead_exports == []  # a refused export was not made


async def test_leads_still_read_everyone_and_a_reports_whole_trail(
    client, queued_report, make_moderator
):
    team = await _own_and_others(client, queued_report, make_moderator)
    lead = team["lea"]

    whole = await _events(client, lead, report_id=team["report_id"])
    assert [(e["moderator"], e["action"]) for e in whole] == [
        ("bob", "viewed"),
        ("mod", "claimed"),
        ("mod", "rejected"),
    ]
    assert [e["action"] for e in await _events(client, lead, moderator="bob")] == [
        "login",
        "viewed",
    ]
    everyone = {e["moderator"] for e in await _events(client, lead)}
    assert {"mod", "bob", "lea"} <= everyone


REDACTED_NAME = "Marisol Quintana"
REDACTION_NOTE = "the cook who lives next door"


async def test_a_redaction_read_back_by_its_moderator_carries_no_redacted_text(
    client, queued_report, make_moderator
):
    text = f"The cook {REDACTED_NAME} saw them lock five women inside the workshop."
    report_id = await queued_report(text=text)
    mod = await make_moderator("mod")
    await client.post(f"/v1/moderation/reports/{report_id}/claim", headers=mod)
    start = text.index(REDACTED_NAME)
    redacted = await client.post(
        f"/v1/moderation/reports/{report_id}/redactions",
        json={
            "target": "text",
            "start": start,
            "end": start + len(REDACTED_NAME),
            "reason": "bystander",
            "note": REDACTION_NOTE,
        },
        headers=mod,
    )
    assert redacted.status_code == 201, redacted.text

    own = await _events(client, mod, report_id=report_id)
    exported = await client.get(_EXPORT, params={"report_id": report_id}, headers=mod)

    event = _by_action(own)["redacted"]
    assert event["moderator"] == "mod"
    assert event["detail"]["length"] == len(REDACTED_NAME)
    assert event["detail"]["note_chars"] == len(REDACTION_NOTE)
    assert _csv_events(exported.content) == own
    for read in (json.dumps(own, ensure_ascii=False), exported.content.decode("utf-8-sig")):
        for hidden in (REDACTED_NAME, "Marisol", "Quintana", REDACTION_NOTE, text):
            assert hidden not in read


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"], indirect=True)
async def test_days_bound_the_trail_both_included(app, client, make_moderator):
    dated = await dated_events(app, "ana")
    lead = await make_moderator("lead", ModeratorRole.LEAD)

    async def named(**days: str) -> list[str]:
        return [dated[e["id"]] for e in await _events(client, lead, moderator="ana", **days)]

    assert await named(since=SINCE, until=UNTIL) == ["first", "last"]
    assert await named(since="2024-03-10") == ["first", "last", "after"]
    assert await named(until="2024-03-12") == ["before", "first", "last"]
    assert await named(since="2024-03-10", until="2024-03-10") == ["first"]
    assert await named(since="2024-03-11", until="2024-03-11") == []
    assert await named() == ["before", "first", "last", "after"]
    # no moderator filter: today's events (the lead's login) are outside the span
    in_span = await _events(client, lead, since=SINCE, until=UNTIL)
    assert [dated.get(e["id"]) for e in in_span] == ["first", "last"]

    exported = await client.get(
        _EXPORT,
        params={"format": "ndjson", "since": SINCE, "until": UNTIL},
        headers=lead,
    )
    assert [json.loads(line) for line in exported.text.splitlines()] == in_span
    (export,) = await _events(client, lead, action="audit_exported")
    assert export["detail"]["filters"] == {"since": SINCE, "until": UNTIL}


async def test_a_moderator_bounds_their_own_trail_by_days(app, client):
    dated = await dated_events(app, "ana")
    login = await client.post("/v1/auth/login", json={"username": "ana", "password": TEST_PASSWORD})
    ana = {"Authorization": f"Bearer {login.json()['access_token']}"}

    own = await _events(client, ana, since=SINCE, until=UNTIL)

    assert [dated[e["id"]] for e in own] == ["first", "last"]
    assert [e["action"] for e in await _events(client, ana)][-1] == "login"  # today's


_BAD_FILTERS = [
    {"report_id": "not-a-uuid"},
    {"moderator": "nobody"},
    {"moderator": "x" * 65},
    {"action": "deleted"},
    {"since": "2024-02-30"},
    {"since": "10/03/2024"},
    {"until": "1710028800"},  # a Unix time is not a day anyone wrote
    {"until": "2024-03-10T00:00:00Z"},
    {"since": "1899-12-31"},
    {"since": "2024-03-12", "until": "2024-03-10"},
]


@pytest.mark.parametrize(
    ("path", "query"),
    [(path, query) for path in (_LIST, _EXPORT) for query in _BAD_FILTERS]
    + [(_LIST, {"after": "-1"}), (_LIST, {"after": str(2**63)}), (_LIST, {"limit": "0"})]
    + [(_EXPORT, {"format": "xml"})],
)
async def test_bad_filters_are_a_422_problem(client, make_moderator, path, query):
    lead = await make_moderator("lead", ModeratorRole.LEAD)
    answer = await client.get(path, params=query, headers=lead)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == PROBLEM
