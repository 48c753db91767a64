"""The action table (lifecycle/states.py) is what the services answer: every built action,
from every state, by every role, is done when the table allows it and refused (403, or
409 with the right problem type) when it does not; `ReportDetail.actions` lists exactly
what the service then lets the caller do. The worker and the reporter's side ask the
same table."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from core.clock import utcnow
from lifecycle.errors import InvalidTransition
from lifecycle.states import (
    RULES,
    WORKER,
    Action,
    Actor,
    Caller,
    ClaimRule,
    available,
    check,
    may,
)
from models.moderator import Moderator, ModeratorRole
from models.report import Report, ReportStatus
from tests.factories import incident_fields, new_report

S = ReportStatus
# The situations a report can be in, as seen by the calling moderator.
SITUATIONS: dict[str, tuple[ReportStatus, str | None, int]] = {
    # name: (status, who holds the claim, claim minutes left)
    "received": (S.RECEIVED, None, 0),
    "queued": (S.QUEUED, None, 0),
    "mine": (S.IN_REVIEW, "caller", 10),
    "another": (S.IN_REVIEW, "other", 10),
    "lapsed": (S.IN_REVIEW, "other", -1),
    "awaiting": (S.AWAITING_LEAD, None, 0),
    "needs_info": (S.NEEDS_INFO, None, 0),
    "approved": (S.APPROVED, None, 0),
    "rejected": (S.REJECTED, None, 0),
    "rejected_mine": (S.REJECTED, None, 0),
    "rejected_late": (S.REJECTED, None, 0),
    "withdrawn": (S.WITHDRAWN, None, 0),
}
# Decided reports: who decided, how many minutes ago (the undo window is 15 min).
DECIDED: dict[str, tuple[str, int]] = {
    "awaiting": ("other", 1),
    "approved": ("other", 0),  # approved for real by `other`, just now
    "rejected": ("other", 1),
    "rejected_mine": ("caller", 1),
    "rejected_late": ("caller", 16),
}
# Each built moderator action: its route, its body, and its success status.
ROUTES: dict[Action, tuple[str, dict[str, Any] | None, int]] = {
    Action.CLAIM: ("claim", None, 200),
    Action.RELEASE: ("release", None, 204),
    Action.ASK: ("messages", {"text": "Which street is it on?"}, 201),
    Action.APPROVE: ("approve", incident_fields(), 200),
    Action.REJECT: ("reject", {"reason": "Duplicate."}, 204),
    Action.UNDO: ("undo", None, 200),
    Action.REOPEN: ("reopen", None, 204),
    Action.REASSIGN: ("reassign", {"moderator": "other"}, 200),
    Action.CORRECT: ("correct", incident_fields(summary="Corrected summary."), 200),
    Action.RETRACT: ("retract", {"reason": "Published in error."}, 200),
    Action.CONFIRM: ("confirm", None, 200),
    Action.SEND_BACK: ("send-back", {"reason": "Ask the reporter first."}, 204),
    # the body names a fresh queued primary (`body_for`)
    Action.MERGE: ("merge", None, 204),
}
STAFF_ACTIONS = [
    action
    for action, rule in RULES.items()
    if rule.built and not rule.bulk and Actor.LEAD in rule.by
]
PROBLEM = "urn:stop-intake:problem:"


def test_every_action_has_one_rule_and_the_moderators_built_ones_have_a_route():
    assert set(RULES) == set(Action)
    assert set(STAFF_ACTIONS) == set(ROUTES)
    assert {action for action, rule in RULES.items() if not rule.built} == {Action.REDACT}
    assert RULES[Action.QUEUE].by == {Actor.WORKER}
    assert RULES[Action.REPLY].by == RULES[Action.WITHDRAW].by == {Actor.REPORTER}


def test_actions_not_built_yet_are_never_offered_and_always_refused():
    unbuilt = [action for action, rule in RULES.items() if not rule.built]
    someone = uuid.uuid4()
    for status in ReportStatus:
        for actor in Actor:
            for holder in (None, someone):
                report = Report(
                    status=status, claimed_by=holder, claim_expires_at=utcnow() + timedelta(1)
                )
                caller = Caller(actor, someone)
                assert not set(unbuilt) & set(available(report, caller))
                for action in unbuilt:
                    assert not may(action, report, caller)
                    if actor in RULES[action].by:
                        with pytest.raises(InvalidTransition):
                            check(action, report, caller)


def expected_answer(action: Action, situation: str, role: ModeratorRole) -> int | str:
    """What the service must answer, read off the table's fields: a success status, 403,
    404, or the problem type of a 409."""
    rule = RULES[action]
    status, holder, minutes = SITUATIONS[situation]
    if Actor(role.value) not in rule.by:
        return 403
    if status == S.RECEIVED:
        return 404  # still being processed: moderators do not see it
    if status not in rule.start:
        return "invalid-transition"
    if rule.claim == ClaimRule.DECIDER:
        decider, minutes_ago = DECIDED[situation]
        if role == ModeratorRole.MODERATOR and decider != "caller":
            return 403  # decided-by-another-moderator
        return "undo-window-closed" if minutes_ago >= 15 else ROUTES[action][2]
    taken = holder == "other" and minutes > 0
    if rule.claim == ClaimRule.FREE and taken:
        return "claimed-by-another-moderator"
    if rule.claim == ClaimRule.HOLDER and holder != "caller":
        return "claimed-by-another-moderator" if taken else "claim-required"
    return ROUTES[action][2]


@pytest.fixture
async def accounts(make_moderator, sessionmaker) -> dict[str, tuple[dict[str, str], uuid.UUID]]:
    """A logged-in account of every role, and `other`, a moderator holding claims."""
    made = {}
    for name, role in [(role.value, role) for role in ModeratorRole] + [
        ("other", ModeratorRole.MODERATOR)
    ]:
        headers = await make_moderator(name, role)
        async with sessionmaker() as session:
            account = await session.scalar(select(Moderator).where(Moderator.username == name))
        made[name] = (headers, account.id)
    return made


async def report_in(client, sessionmaker, situation: str, caller: uuid.UUID, accounts) -> str:
    """A fresh report put in `situation` (an approved one through a real approval, so that
    it has a published incident)."""
    answer = await client.post("/v1/reports", json=new_report())
    assert answer.status_code == 201
    report_id = answer.json()["report_id"]
    status, holder, minutes = SITUATIONS[situation]
    other_headers, other = accounts["other"]
    values: dict[str, Any] = {"status": status}
    if status == S.APPROVED:
        values.update(status=S.IN_REVIEW, claimed_by=other)
        minutes = 10
    elif status == S.AWAITING_LEAD:  # as a held approval by `other` leaves it
        values.update(pending_incident=incident_fields(), hold_reason="rare", decided_by=other)
    elif holder is not None:
        values["claimed_by"] = caller if holder == "caller" else other
    if "claimed_by" in values:
        values["claim_expires_at"] = utcnow() + timedelta(minutes=minutes)
    if situation in DECIDED and status != S.APPROVED:
        decider, minutes_ago = DECIDED[situation]
        values["decided_by"] = caller if decider == "caller" else other
        values["decided_at"] = utcnow() - timedelta(minutes=minutes_ago)
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Report).where(Report.id == uuid.UUID(report_id)).values(**values)
        )
    if status == S.APPROVED:
        approved = await client.post(
            f"/v1/moderation/reports/{report_id}/approve",
            json=incident_fields(),
            headers=other_headers,
        )
        assert approved.status_code == 200, approved.text
    return report_id


async def body_for(action: Action, client, sessionmaker, accounts) -> dict[str, Any] | None:
    """The action's body; merging names a primary made for it (a queued report)."""
    if action != Action.MERGE:
        return ROUTES[action][1]
    _, caller = accounts["moderator"]
    return {"into": await report_in(client, sessionmaker, "queued", caller, accounts)}


@pytest.mark.parametrize("action", list(ROUTES), ids=str)
async def test_the_service_answers_every_state_and_role_as_the_table_says(
    action, client, sessionmaker, accounts
):
    route = ROUTES[action][0]
    for role in ModeratorRole:
        headers, caller = accounts[role.value]
        for situation in SITUATIONS:
            case = f"{action} by a {role} on a {situation} report"
            report_id = await report_in(client, sessionmaker, situation, caller, accounts)
            if situation != "received":
                detail = await client.get(f"/v1/moderation/reports/{report_id}", headers=headers)
                offered = Action(action) in detail.json()["actions"]
            body = await body_for(action, client, sessionmaker, accounts)
            answer = await client.post(
                f"/v1/moderation/reports/{report_id}/{route}", json=body, headers=headers
            )
            want = expected_answer(action, situation, role)
            if isinstance(want, str):
                assert answer.status_code == 409, case
                assert answer.json()["type"] == PROBLEM + want, case
            else:
                assert answer.status_code == want, (case, answer.text)
            done = 200 <= answer.status_code < 300
            if situation != "received":
                assert offered == done, case
            async with sessionmaker() as session:
                now = await session.scalar(
                    select(Report.status).where(Report.id == uuid.UUID(report_id))
                )
            before = SITUATIONS[situation][0]
            assert now == (RULES[action].leads_to(before) if done else before), case


@pytest.mark.parametrize(
    ("situation", "role", "actions"),
    [
        ("queued", ModeratorRole.MODERATOR, ["claim", "ask"]),
        ("queued", ModeratorRole.LEAD, ["claim", "ask", "reassign"]),
        (
            "mine",
            ModeratorRole.MODERATOR,
            ["claim", "release", "ask", "approve", "reject", "merge"],
        ),
        ("another", ModeratorRole.MODERATOR, []),
        ("another", ModeratorRole.LEAD, ["reassign"]),
        ("lapsed", ModeratorRole.MODERATOR, ["claim", "ask"]),
        ("needs_info", ModeratorRole.MODERATOR, ["claim", "ask"]),
        ("needs_info", ModeratorRole.ADMIN, ["claim", "ask", "reassign"]),
        ("approved", ModeratorRole.MODERATOR, []),
        ("approved", ModeratorRole.LEAD, ["undo", "correct", "retract"]),
        ("approved", ModeratorRole.ADMIN, ["undo", "correct", "retract"]),
        ("rejected", ModeratorRole.MODERATOR, []),
        ("rejected", ModeratorRole.ADMIN, ["undo", "reopen"]),
        ("rejected_mine", ModeratorRole.MODERATOR, ["undo"]),
        ("rejected_late", ModeratorRole.MODERATOR, []),
        ("rejected_late", ModeratorRole.LEAD, ["reopen"]),
        ("withdrawn", ModeratorRole.LEAD, []),
    ],
)
async def test_report_detail_lists_the_actions_the_caller_may_take_now(
    situation, role, actions, client, sessionmaker, accounts
):
    headers, caller = accounts[role.value]
    report_id = await report_in(client, sessionmaker, situation, caller, accounts)
    detail = await client.get(f"/v1/moderation/reports/{report_id}", headers=headers)
    assert detail.status_code == 200
    assert detail.json()["actions"] == actions


def receipt_auth(receipt: str) -> dict[str, str]:
    return {"Authorization": f"Receipt {receipt}"}


@pytest.mark.parametrize("status", list(ReportStatus), ids=str)
async def test_the_reporter_may_reply_and_withdraw_only_from_the_tables_states(
    status, client, sessionmaker
):
    for action, route, success in (
        (Action.REPLY, "messages", 201),
        (Action.WITHDRAW, "withdraw", 200),
    ):
        accepted = (await client.post("/v1/reports", json=new_report())).json()
        async with sessionmaker() as session, session.begin():
            await session.execute(
                update(Report)
                .where(Report.id == uuid.UUID(accepted["report_id"]))
                .values(status=status)
            )
        answer = await client.post(
            f"/v1/reports/mine/{route}",
            json={"text": "It is next to the bakery."} if action == Action.REPLY else None,
            headers=receipt_auth(accepted["receipt"]),
        )
        if status in RULES[action].start:
            assert answer.status_code == success, (action, status, answer.text)
        else:
            assert answer.status_code == 409, (action, status)
            assert answer.json()["type"] == PROBLEM + "invalid-transition"


async def test_the_worker_queues_through_the_table_and_never_a_withdrawn_report(
    app, client, sessionmaker
):
    from worker.runner import PipelineWorker

    assert RULES[Action.QUEUE].start == {S.RECEIVED} and RULES[Action.QUEUE].to == S.QUEUED
    kept = (await client.post("/v1/reports", json=new_report())).json()
    gone = (await client.post("/v1/reports", json=new_report())).json()
    worker = PipelineWorker(sessionmaker, app.state.settings)
    claimed = await worker.claim_batch()
    assert len(claimed) == 2
    # the reporter withdraws while the worker holds the lease
    withdrawn = await client.post(
        "/v1/reports/mine/withdraw", headers=receipt_auth(gone["receipt"])
    )
    assert withdrawn.status_code == 200
    for report_id in claimed:
        await worker.process(report_id)
    async with sessionmaker() as session:
        rows = {
            str(report.id): report for report in (await session.execute(select(Report))).scalars()
        }
    assert rows[kept["report_id"]].status == S.QUEUED
    assert rows[gone["report_id"]].status == S.WITHDRAWN
    assert rows[gone["report_id"]].text == ""
    assert not may(Action.QUEUE, rows[gone["report_id"]], WORKER)
