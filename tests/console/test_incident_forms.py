"""The console's incident form (schema 2.0): every fact is Yes / No / Not reported, events
are repeatable blocks, media are shared by ticking them; what the moderator chooses is
exactly what the hub feed carries. Leads correct and retract a published incident from
the report page; moderators get neither the forms nor the routes."""

from __future__ import annotations

import re

import pytest

from models.moderator import ModeratorRole
from models.vocabulary import ExploitationType
from tests.factories import incident_fields

SUMMARY = "Women made to work in a garment workshop without pay; documents taken."


def approval(csrf: str, **fields: str | list[str]) -> dict[str, str | list[str]]:
    """An approval form as a browser sends it: every fact row sends its checked radio."""
    form: dict[str, str | list[str]] = {"csrf_token": csrf, "summary": SUMMARY}
    form |= {f"exploitation_types.{kind}": "not_reported" for kind in ExploitationType}
    form |= {f"events.{slot}.place": "country" for slot in range(3)}
    form |= {f"events.{slot}.{name}": "" for slot in range(3) for name in ("type", "country")}
    form.update(fields)
    return form


def checked(html: str, name: str) -> str | None:
    """The value of the checked radio named `name` on the page."""
    found = re.search(rf'name="{re.escape(name)}" value="(\w+)"[^>]*checked', html)
    return found[1] if found else None


async def test_the_form_starts_from_the_report_and_marks_the_reporters_hints(
    client, console_as, queued_report
):
    report_id = await queued_report(categories=["ForcedBegging"], country="MX")
    csrf = await console_as("ana")
    await client.post(f"/console/reports/{report_id}/claim", data={"csrf_token": csrf})

    page = (await client.get(f"/console/reports/{report_id}")).text

    assert checked(page, "exploitation_types.ForcedBegging") == "yes"
    assert 'Forced begging <span class="from">(from the reporter)</span>' in page
    assert checked(page, "exploitation_types.ChildLabour") == "not_reported"
    assert checked(page, "control_methods.DebtBondage") == "not_reported"
    assert 'name="events.0.country"' in page and 'value="MEX"' in page
    assert "<legend>Event 3</legend>" in page  # three event blocks, no script needed
    assert "<details" in page and "21 values" in page  # ISIC industries folded away


async def test_approving_publishes_yes_no_and_not_reported_exactly_as_chosen(
    client, console_as, queued_report, attach_image, hub_items
):
    report_id = await queued_report(categories=["ForcedBegging"])
    photo = await attach_image(report_id)
    csrf = await console_as("ana")
    await client.post(f"/console/reports/{report_id}/claim", data={"csrf_token": csrf})

    form = approval(
        csrf,
        **{
            "exploitation_types.ForcedLabour": "yes",
            "exploitation_types.SexualExploitation": "no",
            "control_methods.WithholdsDocuments": "yes",
            "genders.Woman": "yes",
            "genders.Man": "no",
            "forced_labour_industries.C_Manufacturing": "yes",
            "people_affected": "4",
            "citizenships": "gt, MEX",
            "confidence": "medium",
            "events.0.type": "Exploitation",
            "events.0.country": "mx",
            "events.0.date_from": "2024-05-02",
            "events.0.date_to": "2024-05-03",
            "events.2.type": "Recruitment",
            "events.2.place": "none",
            "shared_media": [str(photo)],
        },
    )
    answer = await client.post(f"/console/reports/{report_id}/approve", data=form)

    assert answer.status_code == 303, answer.text
    assert answer.headers["location"].endswith(f"/console/queue?done=approved&undo={report_id}")
    [item] = await hub_items()
    incident = item["incident"]
    assert {k: v for k, v in incident["exploitation_types"].items() if v != "not_reported"} == {
        "ForcedLabour": "yes",
        "SexualExploitation": "no",
    }  # the reporter's "Forced begging" was set back to not reported, and so it is
    assert incident["exploitation_types"]["ForcedBegging"] == "not_reported"
    assert incident["control_methods"]["WithholdsDocuments"] == "yes"
    assert incident["forced_labour_industries"]["C_Manufacturing"] == "yes"
    assert incident["people"]["genders"] == {
        "Man": "no",
        "Woman": "yes",
        "TransTransgenderNonConforming": "not_reported",
    }
    assert incident["people"]["count"] == "2-5"
    assert incident["people"]["citizenship"] == ["GTM", "MEX"]
    assert incident["confidence"] == "medium"
    assert [
        (e["type"], e["place"]["precision"], e["place"]["country"]) for e in incident["events"]
    ] == [
        ("Exploitation", "country", "MEX"),
        ("Recruitment", "withheld", None),
    ]
    assert incident["events"][0]["window"] == {
        "unit": "month",
        "start": "2024-05-01",
        "end": "2024-05-31",
    }
    assert [media["media_id"] for media in incident["media"]] == [str(photo)]

    page = (await client.get(f"/console/reports/{report_id}")).text
    published = page.split('id="published-heading"')[1]
    assert "version 1, published" in published
    assert "Forced labour" in published and "Sexual exploitation" in published
    assert "country MEX" in published and "2024-05-01 to 2024-05-31 (month)" in published
    assert "level 0 of 3" in published
    for lead_only in ("correct", "retract"):  # a moderator: no correct/retract
        assert f'action="/console/reports/{report_id}/{lead_only}"' not in published


async def test_an_invalid_approval_shows_each_error_beside_its_field_and_keeps_the_values(
    client, console_as, queued_report, hub_items
):
    report_id = await queued_report()
    csrf = await console_as("ana")
    await client.post(f"/console/reports/{report_id}/claim", data={"csrf_token": csrf})

    form = approval(
        csrf,
        **{
            "summary": "",
            "exploitation_types.SexualExploitation": "no",
            "exploitation_types.ForcedLabour": "maybe",
            "events.0.type": "Exploitation",
            "events.0.date_from": "2024-05-02",
            "events.0.date_to": "2024-05-01",
            "events.2.country": "XYZ",
            "people_affected": "7",
        },
    )
    answer = await client.post(f"/console/reports/{report_id}/approve", data=form)

    assert answer.status_code == 422
    page = answer.text
    assert 'class="error-summary" role="alert"' in page
    # Each error is beside its own field, named by it for assistive technology.
    assert re.search(r'id="approve-summary"[^>]*aria-invalid="true"', page)
    assert 'id="approve-events_0-error">date_from is after date_to' in page
    assert 'id="approve-events_2_country-error">&#39;XYZ&#39; is not an ISO 3166-1' in page
    assert 'id="approve-events_2_type-error">Choose the stage of trafficking' in page
    assert 'id="approve-exploitation_types_ForcedLabour-error">' in page
    assert 'href="#approve-events_2_country">Event 3, country:' in page
    # What the moderator chose is still there.
    assert checked(page, "exploitation_types.SexualExploitation") == "no"
    assert 'name="people_affected" type="number"' in page and 'value="7"' in page
    assert 'value="2024-05-02"' in page
    assert await hub_items() == []


async def test_unknown_facts_and_states_are_a_422_never_a_500(client, console_as, queued_report):
    report_id = await queued_report()
    csrf = await console_as("ana")
    await client.post(f"/console/reports/{report_id}/claim", data={"csrf_token": csrf})

    form = approval(csrf, **{"indicators.NotAnIndicator": "yes", "shared_media": ["nope"]})
    answer = await client.post(f"/console/reports/{report_id}/approve", data=form)

    assert answer.status_code == 422
    assert 'id="approve-indicators-error"' in answer.text
    assert 'id="approve-shared_media-error"' not in answer.text  # no media: no checkboxes
    assert "Media to share:" in answer.text  # but the summary names it


async def test_a_summary_repeating_a_redacted_name_is_refused_beside_the_summary(
    client, console_as, queued_report, hub_items
):
    name = "Marisol Quintana"
    report_id = await queued_report(text=f'The cook "{name}" saw them lock the workshop door.')
    csrf = await console_as("ana")
    await client.post(f"/console/reports/{report_id}/claim", data={"csrf_token": csrf})
    start = len('The cook "')
    redacted = await client.post(
        f"/console/reports/{report_id}/redactions",
        data={
            "csrf_token": csrf,
            "target": "text",
            "start": str(start),
            "end": str(start + len(name)),
            "reason": "bystander",
        },
    )
    assert redacted.status_code == 303, redacted.text

    form = approval(
        csrf, summary=f"{name.upper()} saw workers locked in.", **{"genders.Woman": "yes"}
    )
    answer = await client.post(f"/console/reports/{report_id}/approve", data=form)

    assert answer.status_code == 422
    assert re.search(r'id="approve-summary"[^>]*aria-invalid="true"', answer.text)
    assert 'id="approve-summary-error">The summary repeats text redacted' in answer.text
    assert checked(answer.text, "genders.Woman") == "yes"  # the rest of the form as typed
    assert await hub_items() == []
    # Nothing of the refused approval stayed: still in review, the claim still ana's.
    page = (await client.get(f"/console/reports/{report_id}")).text
    assert "Claimed by <strong>ana</strong>" in page and "Renew my claim" in page

    form["summary"] = "Workers locked in, seen by [redacted: bystander]."
    approved = await client.post(f"/console/reports/{report_id}/approve", data=form)
    assert approved.status_code == 303, approved.text
    [item] = await hub_items()
    assert item["incident"]["summary"] == "Workers locked in, seen by [redacted: bystander]."


@pytest.fixture
async def published(client, make_moderator, queued_report) -> str:
    """A report `bo` approved over the API."""
    report_id = await queued_report()
    bo = await make_moderator("bo")
    await client.post(f"/v1/moderation/reports/{report_id}/claim", headers=bo)
    fields = incident_fields(people_affected=3, genders={"Woman": "yes"})
    approved = await client.post(
        f"/v1/moderation/reports/{report_id}/approve", json=fields, headers=bo
    )
    assert approved.status_code == 200, approved.text
    return report_id


async def test_a_lead_corrects_then_retracts_from_the_report_page(
    client, console_as, published, hub_items
):
    csrf = await console_as("lea", ModeratorRole.LEAD)
    page = (await client.get(f"/console/reports/{published}")).text

    # The correction form starts from what was published.
    assert f'action="/console/reports/{published}/correct"' in page
    assert checked(page, "exploitation_types.ForcedLabour") == "yes"
    assert checked(page, "exploitation_types.SexualExploitation") == "no"
    assert checked(page, "genders.Woman") == "yes"
    assert "Published as the band 2-5." in page
    assert "Five women reportedly locked inside a workshop." in page

    form = approval(
        csrf,
        **{
            "exploitation_types.ForcedLabour": "yes",
            "exploitation_types.SexualExploitation": "yes",
            "events.0.type": "Transit",
            "events.0.country": "GTM",
        },
    )
    corrected = await client.post(f"/console/reports/{published}/correct", data=form)
    assert corrected.status_code == 303, corrected.text
    assert corrected.headers["location"].endswith(f"/console/reports/{published}?done=corrected")
    latest = (await hub_items())[-1]
    assert (latest["version"], latest["change"]) == (2, "corrected")
    assert latest["incident"]["exploitation_types"]["SexualExploitation"] == "yes"
    assert latest["incident"]["events"][0]["type"] == "Transit"
    assert latest["incident"]["events"][0]["place"]["country"] == "GTM"

    invalid = await client.post(
        f"/console/reports/{published}/retract",
        data={"csrf_token": csrf, "reason": "", "category": "duplicate"},
    )
    assert invalid.status_code == 422
    assert 'id="retract-reason-error"' in invalid.text
    retracted = await client.post(
        f"/console/reports/{published}/retract",
        data={"csrf_token": csrf, "reason": "Same as an earlier report.", "category": "duplicate"},
    )
    assert retracted.status_code == 303, retracted.text
    items = await hub_items()
    assert items[-1]["change"] == "retracted"
    assert items[-1]["retraction"] == {"reason": "duplicate"}
    assert all(item["incident"] is None for item in items)
    page = (await client.get(f"/console/reports/{published}")).text
    assert "Retracted (duplicate)" in page
    assert f'/console/reports/{published}/correct"' not in page


async def test_a_moderator_gets_no_correct_or_retract_form_and_a_403(
    client, console_as, published, hub_items
):
    csrf = await console_as("ana")
    page = (await client.get(f"/console/reports/{published}")).text
    assert "/correct" not in page and "/retract" not in page
    assert "Published to the hub" in page

    for action, form in (
        ("correct", approval(csrf)),
        ("retract", {"csrf_token": csrf, "reason": "x", "category": "other"}),
    ):
        answer = await client.post(f"/console/reports/{published}/{action}", data=form)
        assert answer.status_code == 403
    [item] = await hub_items()
    assert item["version"] == 1
