"""The console's report page shows exactly the buttons of the actions the action table
offers the moderator now (`ReportDetail.actions`, and tagging, a bulk action the page takes
over its one report), and no others."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from core.clock import utcnow
from lifecycle.states import Action, available, may, staff
from models.moderator import Moderator
from models.report import Report, ReportStatus
from moderation.service import undo_window
from tests.factories import incident_fields, new_report

# The console's forms, by the action each one takes.
FORMS = {"claim": "claim", "release": "release", "approve": "approve", "reject": "reject"}
FORMS["messages"] = "ask"
FORMS.update(undo="undo", reopen="reopen", reassign="reassign")
FORMS.update(confirm="confirm", correct="correct", retract="retract")
FORMS["send-back"] = "send_back"
FORMS["redactions"] = "redact"  # a selection, and each one-click suggestion
FORMS["tags"] = "tag"  # add a tag, and remove each one
FORMS["merge"] = "merge"  # into a suggestion, or any report by its id or link
_FORM = re.compile(r'<form method="post" action="/console/reports/([0-9a-f-]+)/([\w-]+)"')


def buttons(html: str, report_id: str) -> set[str]:
    found = {(rid, route) for rid, route in _FORM.findall(html)}
    assert {rid for rid, _ in found} <= {report_id}
    return {FORMS[route] for _, route in found}


async def situation_report(client, sessionmaker, process_pending, situation, ana, bo) -> str:
    accepted = (await client.post("/v1/reports", json=new_report())).json()
    await process_pending()
    report_id = accepted["report_id"]
    claim = f"/v1/moderation/reports/{report_id}/claim"
    changes = {
        "mine": {
            "status": ReportStatus.IN_REVIEW,
            "claimed_by": ana,
            "claim_expires_at": utcnow() + timedelta(minutes=10),
        },
        "rejected_mine": {
            "status": ReportStatus.REJECTED,
            "decided_by": ana,
            "decided_at": utcnow() - timedelta(minutes=1),
        },
        "needs_info": {"status": ReportStatus.NEEDS_INFO},
    }
    if situation in changes:
        async with sessionmaker() as session, session.begin():
            await session.execute(
                update(Report).where(Report.id == uuid.UUID(report_id)).values(**changes[situation])
            )
    elif situation in ("another", "lapsed", "approved", "rejected"):
        assert (await client.post(claim, headers=bo)).status_code == 200
    if situation == "lapsed":
        async with sessionmaker() as session, session.begin():
            await session.execute(
                update(Report)
                .where(Report.id == uuid.UUID(report_id))
                .values(claim_expires_at=utcnow() - timedelta(minutes=1))
            )
    elif situation == "approved":
        path = f"/v1/moderation/reports/{report_id}/approve"
        assert (await client.post(path, json=incident_fields(), headers=bo)).status_code == 200
    elif situation == "rejected":
        path = f"/v1/moderation/reports/{report_id}/reject"
        assert (await client.post(path, json={"reason": "x"}, headers=bo)).status_code == 204
    elif situation == "withdrawn":
        receipt = {"Authorization": f"Receipt {accepted['receipt']}"}
        assert (await client.post("/v1/reports/mine/withdraw", headers=receipt)).status_code == 200
    return report_id


@pytest.mark.parametrize(
    ("situation", "shown"),
    [
        ("queued", {"claim", "ask", "redact", "tag"}),
        ("mine", {"claim", "release", "ask", "approve", "reject", "merge", "redact", "tag"}),
        ("another", {"redact", "tag"}),
        ("needs_info", {"claim", "ask", "redact", "tag"}),
        ("rejected_mine", {"undo", "redact", "tag"}),
        ("lapsed", {"claim", "ask", "redact", "tag"}),
        ("approved", {"redact", "tag"}),
        ("rejected", {"redact", "tag"}),
        ("withdrawn", {"tag"}),
    ],
)
async def test_the_report_page_shows_the_buttons_of_the_actions_on_offer(
    situation, shown, app, client, console_login, make_moderator, process_pending, sessionmaker
):
    await console_login("ana")
    bo = await make_moderator("bo")
    async with sessionmaker() as session:
        ana = await session.scalar(select(Moderator).where(Moderator.username == "ana"))
    report_id = await situation_report(client, sessionmaker, process_pending, situation, ana.id, bo)
    page = await client.get(f"/console/reports/{report_id}")
    assert page.status_code == 200
    assert buttons(page.text, report_id) == shown
    async with sessionmaker() as session:
        report = await session.get(Report, uuid.UUID(report_id))
        caller = staff(ana, undo_window(app.state.settings))
        offered = {action.value for action in available(report, caller)}
        if may(Action.TAG, report, caller):  # a bulk action, over this one report
            offered.add(Action.TAG.value)
    assert shown == offered & set(FORMS.values())
    if situation == "mine":
        assert "Renew my claim" in page.text and "Claim this report" not in page.text
    if situation == "another":
        assert "bo is reviewing this report" in page.text
    if not shown - {"redact", "tag"} and situation != "another":
        assert "there is nothing left to decide" in page.text
