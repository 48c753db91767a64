"""The console over HTTP: a cluster of reports about one place is one queue line with its
count (and the JSON queue gives each member the same cluster); a report page lists likely
duplicates with their reasons and a "Merge into this" button, which merges and lands on the
primary's page listing the merged report."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest

from core.clock import utcnow
from models.report import Report
from tests.api.test_duplicates import VAN_EN, VAN_EN_AGAIN
from tests.api.test_queue_search import set_columns
from tests.console.conftest import csrf_in

pytestmark = pytest.mark.parametrize("backend", ["postgresql", "sqlite"], indirect=True)

ROW = re.compile(r"<tr class=\"[^\"]*\">(.*?)</tr>", re.S)
MOMBASA = {"latitude": -4.0435, "longitude": 39.6682, "accuracy_m": 30}
NAIROBI = {"latitude": -1.2921, "longitude": 36.8219, "accuracy_m": 30}


async def test_a_cluster_is_one_queue_line_with_its_count_and_the_json_queue_says_the_same(
    client, console_login, make_moderator, queued_report, sessionmaker
):
    await console_login()
    port = [
        await queued_report(text=f"Men are kept on a fishing boat, pier {n}.", location=MOMBASA)
        for n in range(3)
    ]
    elsewhere = await queued_report(text="A girl works in a house all day.", location=NAIROBI)
    # three days apart from the others: not part of their cluster
    late = await queued_report(text="Boats again at the pier.", location=MOMBASA)
    await set_columns(sessionmaker, late, received_at=utcnow() + timedelta(days=4))
    await set_columns(sessionmaker, port[1], received_at=utcnow() - timedelta(days=1))

    page = (await client.get("/console/queue")).text
    rows = ROW.findall(page.split("<tbody>")[1])
    assert len(rows) == 3  # the cluster's line, Nairobi, and the late one
    (line,) = [row for row in rows if "reports about this place" in row]
    assert "3 reports about this place in 1 day" in line
    for report_id in port:
        assert f"/console/reports/{report_id}" in line  # the line opens to every member
    assert "<details" in line
    assert elsewhere not in line and late not in line
    assert "in 1 day" not in " ".join(row for row in rows if row is not line)

    # The JSON queue: every member on the page names the line's lead (the oldest) and the
    # same count; the others have no cluster. The schema only grew a field.
    answer = await client.get("/v1/moderation/queue", headers=await make_moderator("bo"))
    assert answer.status_code == 200, answer.text
    clusters = {item["id"]: item["cluster"] for item in answer.json()["items"]}
    expected = {
        "lead": port[1],
        "count": 3,
        "days": 1,
        "summary": "3 reports about this place in 1 day",
    }
    assert clusters == {port[0]: expected, port[1]: expected, port[2]: expected} | {
        elsewhere: None,
        late: None,
    }


async def test_merge_into_a_suggestion_from_the_report_page(client, console_login, queued_report):
    csrf = await console_login()
    primary = await queued_report(text=VAN_EN)
    duplicate = await queued_report(text=VAN_EN_AGAIN)
    page = (await client.get(f"/console/reports/{duplicate}")).text
    assert "Likely duplicates and near places" in page
    assert f"/console/reports/{primary}" in page
    assert "alike)" in page  # the reason, in words
    assert "Merge into this" not in page  # only the claim holder may merge

    claimed = await client.post(f"/console/reports/{duplicate}/claim", data={"csrf_token": csrf})
    assert claimed.status_code == 303
    page = (await client.get(f"/console/reports/{duplicate}")).text
    assert "Merge into this" in page
    assert 'data-confirm="Merge this report' in page
    answer = await client.post(
        f"/console/reports/{duplicate}/merge",
        data={"csrf_token": csrf_in(page), "into": primary},
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/console/reports/{primary}?done=merged"

    landed = (await client.get(answer.headers["location"])).text
    assert "Merged reports" in landed
    assert f"/console/reports/{duplicate}" in landed
    assert VAN_EN_AGAIN.replace("!", "") in landed.replace("!", "")
    merged = (await client.get(f"/console/reports/{duplicate}")).text
    assert "Merged into" in merged
    queue = (await client.get("/console/queue")).text
    assert f"/console/reports/{duplicate}" not in queue


async def test_a_merge_without_a_target_is_shown_on_the_page(client, console_login, queued_report):
    csrf = await console_login()
    duplicate = await queued_report(text=VAN_EN_AGAIN)
    await client.post(f"/console/reports/{duplicate}/claim", data={"csrf_token": csrf})
    answer = await client.post(f"/console/reports/{duplicate}/merge", data={"csrf_token": csrf})
    assert answer.status_code == 422
    assert 'id="merge-into-error"' in answer.text


async def test_merge_into_a_report_not_suggested_by_pasting_its_link(
    client, console_login, queued_report, sessionmaker
):
    csrf = await console_login()
    primary = await queued_report(text="Two cooks sleep in the restaurant kitchen, unpaid.")
    duplicate = await queued_report(text="A man says the kitchen staff live in the basement.")
    await client.post(f"/console/reports/{duplicate}/claim", data={"csrf_token": csrf})
    page = (await client.get(f"/console/reports/{duplicate}")).text
    assert f'name="into" value="{primary}"' not in page  # not among the suggestions
    assert 'id="merge-into"' in page

    # Something that is not a link, then a link to no report: said beside the field.
    for pasted, said in (
        ("the kitchen one", "Paste the other report&#39;s id, or its link"),
        (f"http://127.0.0.1/console/reports/{uuid.uuid4()}", "No report to merge into has"),
    ):
        refused = await client.post(
            f"/console/reports/{duplicate}/merge", data={"csrf_token": csrf, "into": pasted}
        )
        assert refused.status_code == 422
        assert f'id="merge-into-error">{said}' in refused.text
        assert "Renew my claim" in refused.text  # still claimed: nothing of it stayed

    link = f"http://127.0.0.1:8000/console/reports/{primary}?done=claimed"
    merged = await client.post(
        f"/console/reports/{duplicate}/merge", data={"csrf_token": csrf, "into": f" {link} "}
    )
    assert merged.status_code == 303
    assert merged.headers["location"] == f"/console/reports/{primary}?done=merged"
    async with sessionmaker() as session:
        closed = await session.get(Report, uuid.UUID(duplicate))
        assert closed is not None and closed.merged_into == uuid.UUID(primary)
