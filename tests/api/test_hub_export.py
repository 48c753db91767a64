"""Exports for analysts: the latest state of every live incident as NDJSON (validated by the
published schema), CSV (one row per incident, opened by the csv module as a spreadsheet
would, formula-safe) and GeoJSON (read by a GeoJSON library), over the API and the
command line; scopes, filters, bad input; and memory that stays flat however many
incidents are exported."""

from __future__ import annotations

import copy
import csv
import io
import json
import tracemalloc
import uuid
from typing import Any

import geojson
import jsonschema
import pytest
from sqlalchemy import insert, select, update

from core.db import transaction
from hub.export import ExportFilter, IncidentExportFormat, export, snapshot
from models.hub_client import HubScope
from models.incident import FeedCounter, Incident, IncidentChange
from tests.api.test_hub_incidents import MEXICO_CITY, claim_and_approve
from tests.factories import incident_fields

EXPORT = "/v1/hub/export"
both_databases = pytest.mark.parametrize("backend", ["postgresql", "sqlite"], indirect=True)


@pytest.fixture
async def analyst(make_hub_client) -> dict[str, str]:
    return await make_hub_client("analyst", [HubScope.EXPORT_READ, HubScope.INCIDENTS_READ])


@pytest.fixture
async def published(client, make_moderator, queued_report) -> dict[str, str]:
    """Three reports approved: one corrected since, one retracted since, one as approved."""
    moderator = await make_moderator("ana")
    lead = await make_moderator("lee", role="lead")
    corrected = await queued_report(location=MEXICO_CITY)
    answer = await claim_and_approve(
        client,
        moderator,
        corrected,
        summary='=HYPERLINK("http://evil.example", "click")',
        exploitation_types={"ForcedLabour": "yes", "SexualExploitation": "no"},
        events=[
            {"type": "Recruitment", "place": "country", "country": "GT", "date_from": "2024-01-20"},
            {"type": "Exploitation", "place": "cell", "country": "MX", "date_from": "2024-05-03"},
        ],
    )
    assert answer.status_code == 200, answer.text
    fixed = await client.post(
        f"/v1/moderation/reports/{corrected}/correct",
        json=incident_fields(
            summary='=HYPERLINK("http://evil.example", "click")',
            exploitation_types={"ForcedLabour": "yes", "SexualExploitation": "no"},
            events=[
                {"type": "Recruitment", "place": "country", "country": "GT"},
                {"type": "Exploitation", "place": "cell", "country": "MX"},
            ],
        ),
        headers=lead,
    )
    assert fixed.status_code == 200, fixed.text
    retracted = await queued_report(location=MEXICO_CITY)
    assert (await claim_and_approve(client, moderator, retracted)).status_code == 200
    gone = await client.post(
        f"/v1/moderation/reports/{retracted}/retract", json={"reason": "hoax"}, headers=lead
    )
    assert gone.status_code == 200, gone.text
    plain = await queued_report()
    answer = await claim_and_approve(
        client,
        moderator,
        plain,
        summary="A farm where workers are not paid.",
        exploitation_types={"SexualExploitation": "yes"},
        events=[{"type": "Transit", "place": "country", "country": "GT"}],
    )
    assert answer.status_code == 200, answer.text
    return {"corrected": corrected, "retracted": retracted, "plain": plain}


async def incident_ids(client, hub) -> dict[str, str]:
    """incident_id -> latest change, from the feed."""
    items = (await client.get("/v1/hub/incidents", params={"limit": 1000}, headers=hub)).json()
    return {item["incident_id"]: item["change"] for item in items["items"]}


def ndjson(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def csv_table(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


@both_databases
async def test_ndjson_is_the_latest_state_of_each_live_incident_and_follows_the_schema(
    client, analyst, published
):
    answer = await client.get(EXPORT, params={"format": "ndjson"}, headers=analyst)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/x-ndjson"
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["content-disposition"].startswith('attachment; filename="incidents-')
    items = ndjson(answer.text)

    changes = await incident_ids(client, analyst)
    live = {incident for incident, change in changes.items() if change != "retracted"}
    assert len(live) == 2 and len(changes) == 3
    assert {item["incident_id"] for item in items} == live
    assert sorted((item["version"], item["change"]) for item in items) == [
        (1, "published"),
        (2, "corrected"),
    ]
    schema = (await client.get("/v1/hub/schema", headers=analyst)).json()
    validator = jsonschema.Draft202012Validator(schema)
    for item in items:
        validator.validate(item)

    # The cursor it comes with continues the feed from the export: nothing new yet.
    cursor = answer.headers["x-feed-cursor"]
    since = await client.get("/v1/hub/incidents", params={"after": cursor}, headers=analyst)
    assert since.json()["items"] == []
    again = await client.get(EXPORT, params={"after": cursor}, headers=analyst)
    assert again.status_code == 200 and again.text == ""


@both_databases
async def test_csv_has_one_row_per_live_incident_flattened_as_ctdc_does(client, analyst, published):
    answer = await client.get(EXPORT, params={"format": "csv"}, headers=analyst)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    rows = csv_table(answer.text)
    assert len(rows) == 2
    corrected = next(row for row in rows if row["change"] == "corrected")
    plain = next(row for row in rows if row["change"] == "published")

    # One column per vocabulary value: yes, no, or empty for not reported.
    assert corrected["exploitation_types.ForcedLabour"] == "yes"
    assert corrected["exploitation_types.SexualExploitation"] == "no"
    assert corrected["exploitation_types.ChildLabour"] == ""
    assert plain["exploitation_types.SexualExploitation"] == "yes"
    assert plain["exploitation_types.ForcedLabour"] == ""
    assert corrected["urgent"] in ("yes", "no")
    # A formula is shown as text, never run.
    assert corrected["summary"].startswith("'=HYPERLINK")
    # Events: the columns of each type, filled from that type's event.
    assert corrected["events.Recruitment.count"] == "1"
    assert corrected["events.Recruitment.precision"] == "country"
    assert corrected["events.Recruitment.country"] == "GTM"
    assert corrected["events.Exploitation.precision"] == "cell"
    assert len(corrected["events.Exploitation.cell_id"]) == 15
    assert float(corrected["events.Exploitation.latitude"]) == pytest.approx(19.43, abs=0.05)
    assert corrected["events.Transit.count"] == "0"
    assert corrected["events.Transit.country"] == ""
    assert plain["events.Transit.country"] == "GTM"
    # Every row has every column, whatever its data.
    assert all(None not in row and len(row) == len(rows[0]) for row in rows)


@both_databases
async def test_geojson_is_a_feature_collection_of_cell_centres(client, analyst, published):
    answer = await client.get(EXPORT, params={"format": "geojson"}, headers=analyst)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/geo+json"
    collection = geojson.loads(answer.text)
    assert isinstance(collection, geojson.FeatureCollection)
    assert collection.is_valid, collection.errors()

    items = ndjson((await client.get(EXPORT, headers=analyst)).text)
    cells = [
        (item["incident_id"], event)
        for item in items
        for event in item["incident"]["events"]
        if event["place"]["precision"] == "cell"
    ]
    assert len(cells) == 1  # the corrected incident's exploitation; the others have none
    (feature,) = collection["features"]
    incident_id, event = cells[0]
    centre = event["place"]["cell"]["centre"]
    assert feature["geometry"]["type"] == "Point"
    assert feature["geometry"]["coordinates"] == [centre["longitude"], centre["latitude"]]
    assert feature["properties"]["incident_id"] == incident_id
    assert feature["properties"]["event_type"] == "Exploitation"
    assert feature["properties"]["cell_id"] == event["place"]["cell"]["id"]
    assert feature["properties"]["cell_resolution"] == 7


async def test_an_empty_export_is_still_a_valid_file(client, analyst):
    collection = geojson.loads(
        (await client.get(EXPORT, params={"format": "geojson"}, headers=analyst)).text
    )
    assert collection.is_valid and collection["features"] == []
    header = (await client.get(EXPORT, params={"format": "csv"}, headers=analyst)).text
    assert "exploitation_types.ForcedLabour" in header and len(header.splitlines()) == 1


async def test_filters_pick_incidents_by_country_event_type_and_exploitation(
    client, analyst, published
):
    async def picked(**params: str) -> list[int]:
        answer = await client.get(EXPORT, params=params, headers=analyst)
        assert answer.status_code == 200, answer.text
        return sorted(item["version"] for item in ndjson(answer.text))

    assert await picked() == [1, 2]
    assert await picked(country="MEX") == [2]
    assert await picked(country="gt") == [1, 2]  # alpha-2, any case
    assert await picked(event_type="Transit") == [1]
    assert await picked(event_type="Exploitation", country="MX") == [2]
    assert await picked(event_type="Transit", country="MX") == []  # the same event must match
    assert await picked(exploitation_type="ForcedLabour") == [2]
    assert await picked(exploitation_type="SexualExploitation") == [1]
    assert await picked(exploitation_type="ChildLabour") == []


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"format": "xml"}, "format"),
        ({"after": "not-a-cursor"}, None),
        ({"country": "ZZ"}, "country"),
        ({"event_type": "Shopping"}, "event_type"),
        ({"exploitation_type": "yes"}, "exploitation_type"),
    ],
)
async def test_bad_input_is_a_422_problem(client, analyst, params, where):
    answer = await client.get(EXPORT, params=params, headers=analyst)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    if where:
        assert where in answer.text


async def test_the_export_needs_the_export_scope(client, make_hub_client):
    reader = await make_hub_client("reader", [HubScope.INCIDENTS_READ])
    refused = await client.get(EXPORT, headers=reader)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"] == "urn:stop-intake:problem:hub-scope-missing"
    assert (await client.get(EXPORT)).status_code == 401


async def test_the_command_line_writes_the_same_export(client, analyst, published, run_cli):
    api = await client.get(EXPORT, params={"format": "csv"}, headers=analyst)
    done = await run_cli("hub", "export", "--format", "csv")
    assert done.exit_code == 0, done.output
    assert csv_table(done.stdout) == csv_table(api.text)
    assert api.headers["x-feed-cursor"] in done.stderr

    only_mexico = await run_cli("hub", "export", "--country", "MEX")
    assert only_mexico.exit_code == 0, only_mexico.output
    assert [item["version"] for item in ndjson(only_mexico.stdout)] == [2]
    bad = await run_cli("hub", "export", "--country", "Atlantis")
    assert bad.exit_code != 0 and "country" in bad.output


# --- memory -------------------------------------------------------------------------


async def _add_incidents(app: Any, template: Incident, count: int) -> None:
    """`count` more live incidents like `template`, inserted in bulk, as if published."""
    async with transaction(app.state.sessionmaker) as session:
        first = await snapshot(session) + 1
        rows = [
            {
                "id": uuid.uuid4(),
                "incident_id": uuid.uuid4(),
                "report_id": template.report_id,
                "version": 1,
                "sequence": first + index,
                "change": IncidentChange.PUBLISHED,
                "payload": copy.deepcopy(template.payload),
                "published_at": template.published_at,
            }
            for index in range(count)
        ]
        for start in range(0, count, 1000):
            await session.execute(insert(Incident), rows[start : start + 1000])
        await session.execute(
            update(FeedCounter).where(FeedCounter.id == 1).values(last_sequence=first + count - 1)
        )


async def _export_peak(app: Any) -> tuple[int, int]:
    """(rows written, peak bytes allocated while making them) for a whole CSV export."""
    async with app.state.sessionmaker() as session:
        upto = await snapshot(session)
    rows = 0
    tracemalloc.start()
    try:
        chunks = export(
            app.state.sessionmaker,
            app.state.settings,
            ExportFilter(),
            IncidentExportFormat.CSV,
            upto,
        )
        async for chunk in chunks:
            rows += chunk.count("\r\n")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return rows - 1, peak  # less the header


@both_databases
async def test_memory_stays_flat_however_many_incidents_are_exported(
    app, client, make_moderator, queued_report
):
    moderator = await make_moderator()
    report_id = await queued_report(location=MEXICO_CITY)
    long_summary = "Workers at a brick kiln are kept in debt and not allowed to leave. " * 25
    approved = await claim_and_approve(client, moderator, report_id, summary=long_summary)
    assert approved.status_code == 200, approved.text
    async with app.state.sessionmaker() as session:
        template = (await session.execute(select(Incident))).scalar_one()

    small = 1500  # three batches
    await _add_incidents(app, template, small - 1)
    await _export_peak(app)  # first use: imports, compiled queries, caches
    rows_small, peak_small = await _export_peak(app)
    await _add_incidents(app, template, 3 * small)
    rows_large, peak_large = await _export_peak(app)

    assert (rows_small, rows_large) == (small, 4 * small)
    # Four times the incidents, about the same memory: held whole, it would be ~4 times.
    assert peak_large < 1.5 * peak_small, (peak_small, peak_large)
    print(
        f"export peak: {peak_small / 1e6:.1f} MB for {small} incidents, "
        f"{peak_large / 1e6:.1f} MB for {4 * small}"
    )
