"""Moderators approve, correct and retract at the same time as a hub client pulls small
pages: the client ends with every version exactly once, none skipped, and the latest
state of every incident (PostgreSQL, real concurrent transactions)."""

from __future__ import annotations

import asyncio
import random

from sqlalchemy import select

from models.incident import Incident
from tests.factories import incident_fields

REPORTS = 12


async def test_a_client_pulling_during_concurrent_publishing_misses_and_repeats_nothing(
    client, make_moderator, make_hub_client, queued_report, sessionmaker
):
    rng = random.Random(7)
    moderators = [await make_moderator(f"mod{index}") for index in range(3)]
    lead = await make_moderator("lead", role="lead")
    hub = await make_hub_client()
    reports = [await queued_report() for _ in range(REPORTS)]
    finished = asyncio.Event()
    seen: list[tuple[str, int, str]] = []

    async def moderate(index: int, report_id: str) -> None:
        headers = moderators[index % len(moderators)]
        base = f"/v1/moderation/reports/{report_id}"
        assert (await client.post(f"{base}/claim", headers=headers)).status_code == 200
        approved = await client.post(f"{base}/approve", json=incident_fields(), headers=headers)
        assert approved.status_code == 200, approved.text
        for _ in range(rng.randint(0, 2)):
            summary = f"Correction {rng.random()}"
            fields = incident_fields(summary=summary)
            assert (await client.post(f"{base}/correct", json=fields, headers=lead)).is_success
        if rng.random() < 0.4:
            retracted = await client.post(f"{base}/retract", json={"reason": "x"}, headers=lead)
            assert retracted.status_code == 200, retracted.text

    async def pull() -> None:
        cursor = None
        while True:
            done = finished.is_set()  # read before the page: a last page after the end
            params = {"limit": 2} | ({"after": cursor} if cursor else {})
            page = (await client.get("/v1/hub/incidents", params=params, headers=hub)).json()
            seen.extend(
                (item["incident_id"], item["version"], item["change"]) for item in page["items"]
            )
            cursor = page["next"] or cursor
            if done and not page["items"]:
                return
            await asyncio.sleep(0)

    async def moderate_all() -> None:
        await asyncio.gather(*(moderate(index, report) for index, report in enumerate(reports)))
        finished.set()

    await asyncio.gather(moderate_all(), pull())

    async with sessionmaker() as session:
        stored = (await session.execute(select(Incident).order_by(Incident.sequence))).scalars()
        published = [(str(row.incident_id), row.version, str(row.change)) for row in stored]
    assert len(seen) == len(set(seen)), "a version was delivered twice"
    assert sorted(seen) == sorted(published), "a version was skipped"
    latest_seen = {incident: (version, change) for incident, version, change in seen}
    latest_stored = {incident: (version, change) for incident, version, change in published}
    assert latest_seen == latest_stored
    per_incident: dict[str, list[int]] = {}
    for incident, version, _ in seen:
        per_incident.setdefault(incident, []).append(version)
    assert all(versions == list(range(1, len(versions) + 1)) for versions in per_incident.values())
    assert len(per_incident) == REPORTS
    assert any(change == "retracted" for (change,) in [(c,) for _, _, c in seen])
