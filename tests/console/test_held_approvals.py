"""Approvals the rarity check holds (the API's 202) in the console: the moderator is told
the approval waits for a lead, leads see a count in the nav and a list, and from the
report page a lead confirms it (published) or sends it back (in the queue again)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from core.clock import utcnow
from models.moderator import ModeratorRole
from models.vocabulary import ExploitationType
from moderation.queue import Position, encode_cursor

RARE_K = 3  # an empty feed holds nothing alike: every first approval is rare


@pytest.fixture
def settings_overrides(settings_overrides: dict[str, Any]) -> dict[str, Any]:
    return settings_overrides | {"hub_rarity_k": RARE_K}


@pytest.fixture
async def held(client, console_as, queued_report) -> str:
    """A report `ana` approved in the console, held for a lead."""
    report_id = await queued_report()
    csrf = await console_as("ana")
    await client.post(f"/console/reports/{report_id}/claim", data={"csrf_token": csrf})
    form = {"csrf_token": csrf, "summary": "Workers locked in a field at night."}
    form |= {f"exploitation_types.{kind}": "not_reported" for kind in ExploitationType}
    form |= {"exploitation_types.ForcedLabour": "yes", "exploitation_types.ForcedBegging": "no"}
    form |= {"events.0.type": "Exploitation", "events.0.country": "MX", "events.0.place": "cell"}
    answer = await client.post(f"/console/reports/{report_id}/approve", data=form)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"].endswith(f"/console/queue?done=held&undo={report_id}")
    notice = (await client.get(answer.headers["location"])).text
    assert "Approved, but not published yet" in notice
    assert "published to the hub" not in notice
    return report_id


async def test_a_lead_confirms_a_held_approval_and_it_is_in_the_feed(
    client, console_as, held, hub_items
):
    assert await hub_items() == []
    page = (await client.get(f"/console/reports/{held}")).text
    assert "/confirm" not in page  # ana is a moderator: the pending fields, no buttons
    assert "Approved, waiting for a lead" in page

    csrf = await console_as("lea", ModeratorRole.LEAD)
    queue = (await client.get("/console/queue")).text
    assert (
        'href="/console/awaiting">Waiting for a lead <span class="badge waiting">1</span>' in queue
    )
    listing = (await client.get("/console/awaiting")).text
    assert f'href="/console/reports/{held}"' in listing
    assert "<td>ana</td>" in listing and "Rare even at the coarsest level" in listing

    page = (await client.get(f"/console/reports/{held}")).text
    pending = page.split('id="pending-heading"')[1]
    assert "Workers locked in a field at night." in pending
    assert "are rare in the hub" in pending and "four eyes, a lead" not in pending  # why
    facts = "Types of exploitation</th><td>Forced labour</td><td>Forced begging</td>"
    assert facts in pending  # the yes, then the no
    assert "Confirm and publish" in pending
    assert 'name="summary"' not in pending  # read-only

    confirmed = await client.post(f"/console/reports/{held}/confirm", data={"csrf_token": csrf})
    assert confirmed.status_code == 303, confirmed.text
    assert confirmed.headers["location"].endswith("/console/awaiting?done=confirmed")
    after = (await client.get(confirmed.headers["location"])).text
    assert "Confirmed: the incident is published" in after
    assert 'href="/console/awaiting">Waiting for a lead</a>' in after  # no badge at 0
    assert "No approval is waiting." in after
    [item] = await hub_items()
    incident = item["incident"]
    assert incident["exploitation_types"]["ForcedLabour"] == "yes"
    assert incident["exploitation_types"]["ForcedBegging"] == "no"
    assert incident["generalisation"]["released_by_lead"] is True
    page = (await client.get(f"/console/reports/{held}")).text
    assert "still rare at the coarsest level, released by a lead" in page


async def test_a_lead_sends_a_held_approval_back_to_the_queue(client, console_as, held, hub_items):
    csrf = await console_as("lea", ModeratorRole.LEAD)
    path = f"/console/reports/{held}/send-back"

    blank = await client.post(path, data={"csrf_token": csrf, "reason": " "})
    assert blank.status_code == 422
    assert 'id="send-back-reason-error"' in blank.text

    answer = await client.post(path, data={"csrf_token": csrf, "reason": "Check the place."})
    assert answer.status_code == 303, answer.text
    assert (
        "Sent back: the report is in the queue again"
        in (await client.get(answer.headers["location"])).text
    )
    queue = (await client.get("/console/queue")).text
    assert f'href="/console/reports/{held}"' in queue
    assert await hub_items() == []


async def test_moderators_have_no_waiting_list_and_cannot_confirm(client, console_as, held):
    csrf = await console_as("ana")
    queue = (await client.get("/console/queue")).text
    assert "/console/awaiting" not in queue
    assert (await client.get("/console/awaiting")).status_code == 403
    for action in ("confirm", "send-back"):
        answer = await client.post(
            f"/console/reports/{held}/{action}", data={"csrf_token": csrf, "reason": "x"}
        )
        assert answer.status_code == 403


async def test_a_lead_does_not_confirm_their_own_approval(client, console_as, queued_report):
    report_id = await queued_report()
    csrf = await console_as("lea", ModeratorRole.LEAD)
    await client.post(f"/console/reports/{report_id}/claim", data={"csrf_token": csrf})
    form = {"csrf_token": csrf, "summary": "Someone is kept in a house."}
    form |= {"events.0.type": "Exploitation", "events.0.country": "MX"}
    answer = await client.post(f"/console/reports/{report_id}/approve", data=form)
    assert answer.headers["location"].endswith(f"?done=held&undo={report_id}")

    page = (await client.get(f"/console/reports/{report_id}")).text
    assert "Confirm and publish" not in page
    assert "another lead must confirm it" in page
    refused = await client.post(f"/console/reports/{report_id}/confirm", data={"csrf_token": csrf})
    assert refused.status_code == 403


async def test_a_bad_filter_or_cursor_of_the_waiting_list_is_explained(client, console_as, held):
    await console_as("lea", ModeratorRole.LEAD)
    listing = await client.get("/console/awaiting", params={"reason": "rare"})
    assert f'href="/console/reports/{held}"' in listing.text
    assert '<option value="rare" selected>' in listing.text
    other = await client.get("/console/awaiting", params={"reason": "four_eyes"})
    assert f'href="/console/reports/{held}"' not in other.text
    assert "No approval is waiting for this reason." in other.text

    bad = await client.get("/console/awaiting", params={"reason": "boredom"})
    assert bad.status_code == 422
    assert 'aria-invalid="true" aria-describedby="filter-reason-error"' in bad.text
    assert f'href="/console/reports/{held}"' not in bad.text
    assert "1 waiting" in bad.text  # the count stands whatever the form says

    queue_cursor = encode_cursor(Position(False, False, utcnow(), uuid.uuid4()))
    for cursor in ("nonsense", queue_cursor):
        refused = await client.get("/console/awaiting", params={"after": cursor})
        assert refused.status_code == 422
        assert "The cursor is not one this list of waiting approvals gave out" in refused.text
