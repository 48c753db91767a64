"""Tags from the report page over HTTP: a moderator adds a tag with the small form and takes
it off with the button beside it; each is the bulk action over this one report, so the
report's history records it and the queue's tag filter finds the report. A tag that could
carry a name is refused beside the field, and nothing is tagged."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.parametrize("backend", ["postgresql", "sqlite"], indirect=True)


async def test_a_moderator_tags_a_report_then_takes_the_tag_off(client, console_as, queued_report):
    report_id = await queued_report()
    other = await queued_report()
    csrf = await console_as("ana")
    page = (await client.get(f"/console/reports/{report_id}")).text
    assert 'id="tag-new"' in page and "Tags:" in page

    added = await client.post(
        f"/console/reports/{report_id}/tags", data={"csrf_token": csrf, "tag": " Spam-Wave-Nov "}
    )

    assert added.status_code == 303
    assert added.headers["location"] == f"/console/reports/{report_id}?done=tagged"
    page = (await client.get(added.headers["location"])).text
    assert "lists this report with the others carrying it" in page
    assert 'aria-label="Remove the tag spam-wave-nov"' in page
    assert "<td>tagged</td>" in page  # the history, as a bulk tagging records it
    queue = (await client.get("/console/queue", params={"tag": "spam-wave-nov"})).text
    assert report_id in queue and other not in queue

    removed = await client.post(
        f"/console/reports/{report_id}/tags/remove",
        data={"csrf_token": csrf, "tag": "spam-wave-nov"},
    )

    assert removed.status_code == 303
    page = (await client.get(removed.headers["location"])).text
    assert "The tag is taken off this report." in page
    assert "Remove the tag spam-wave-nov" not in page
    assert "<td>untagged</td>" in page
    queue = (await client.get("/console/queue", params={"tag": "spam-wave-nov"})).text
    assert report_id not in queue


async def test_a_tag_that_is_not_a_label_is_refused_beside_the_field(
    client, console_as, queued_report
):
    report_id = await queued_report()
    csrf = await console_as("ana")

    refused = await client.post(
        f"/console/reports/{report_id}/tags", data={"csrf_token": csrf, "tag": "Maria Lopez"}
    )

    assert refused.status_code == 422
    assert 'id="tag-new-error"' in refused.text
    assert 'aria-invalid="true"' in refused.text
    page = (await client.get(f"/console/reports/{report_id}")).text
    assert "Remove the tag" not in page and "<td>tagged</td>" not in page
