"""Urgent reports alert the on-call moderators through FCM: firebase-admin's real request,
authenticated with a token from the service account's token endpoint, sent to a loopback
server standing in for both Google endpoints. The alert carries no report content, a burst
of urgent reports makes one alert, and an FCM outage never holds up intake: the report is
accepted and queued while the alert waits, is retried, and arrives when FCM is back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from models.alert import UrgentAlert
from models.report import Report, ReportStatus
from models.webhook import DeliveryStatus
from tests.factories import new_report
from tests.fcm_server import PROJECT, FcmServer
from worker.alerts import AlertWorker
from worker.runner import PipelineWorker

TOPIC = "stop-oncall"
CONSOLE = "https://intake.example.org/console/queue?urgent=true"
# Report content that must never leave in an alert (and the report's place and language).
TEXT = "Men kept in the Kestrelwood quarry cabins, their passports taken by the foreman."
PLACE = {"latitude": 48.858372, "longitude": 2.294481}


@pytest.fixture
def fcm() -> Iterator[FcmServer]:
    server = FcmServer()
    server.start()
    yield server
    if server.running:
        server.stop()


@pytest.fixture
def settings_overrides(fcm: FcmServer, tmp_path: Path) -> dict[str, Any]:
    return {
        "alerts_fcm_topic": TOPIC,
        "alerts_fcm_credentials": fcm.service_account(tmp_path),
        "alerts_fcm_url": fcm.send_url,
        "alerts_console_url": CONSOLE,
        "alerts_retry_first_seconds": 0.001,
        "alerts_retry_max_seconds": 0.002,
        "alerts_max_attempts": 5,
        "alerts_timeout_seconds": 5,
    }


async def submit(client: Any, *, urgent: bool) -> str:
    answer = await client.post(
        "/v1/reports",
        json=new_report(text=TEXT, locale="en-GB", urgent=urgent, location=PLACE),
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["report_id"])


async def queue_all(app: Any) -> None:
    worker = PipelineWorker(app.state.sessionmaker, app.state.settings)
    while await worker.run_once():
        pass


async def alerts(app: Any) -> list[UrgentAlert]:
    async with app.state.sessionmaker() as session:
        return list(
            (await session.execute(select(UrgentAlert).order_by(UrgentAlert.opened_at)))
            .scalars()
            .all()
        )


async def statuses(app: Any) -> list[ReportStatus]:
    async with app.state.sessionmaker() as session:
        return list((await session.execute(select(Report.status))).scalars())


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"], indirect=True)
async def test_a_burst_of_urgent_reports_sends_one_authenticated_alert_without_content(
    app: Any, client: Any, fcm: FcmServer
) -> None:
    ids = [await submit(client, urgent=True) for _ in range(3)]
    await submit(client, urgent=False)
    await queue_all(app)
    assert await statuses(app) == [ReportStatus.QUEUED] * 4
    assert fcm.sends == []  # queueing only wrote the outbox row

    [alert] = await alerts(app)
    assert (alert.status, alert.reports) == (DeliveryStatus.PENDING, 3)

    worker = AlertWorker(app.state.sessionmaker, app.state.settings)
    try:
        assert await worker.run_once() == 1
        assert await worker.run_once() == 0  # nothing else to send: one alert for the burst
    finally:
        await worker.close()

    [send] = fcm.sends
    assert send.path == f"/v1/projects/{PROJECT}/messages:send"
    assert fcm.bad_assertions == 0 and len(fcm.issued) == 1
    assert send.authorization == f"Bearer {fcm.issued[0]}"
    message = send.message
    assert message["topic"] == TOPIC
    assert message["notification"] == {
        "title": "STOP: urgent report",
        "body": "3 urgent reports are waiting in the moderation queue.",
    }
    assert message["data"] == {"kind": "urgent-reports", "count": "3", "link": CONSOLE}
    assert message["webpush"]["fcm_options"]["link"] == CONSOLE
    assert set(message) == {"topic", "notification", "data", "android", "webpush"}
    assert message["android"] == {"priority": "high"}
    raw = send.body.decode()
    for secret in ["Kestrelwood", "passports", "48.8", "2.29", "en-GB", "locale", *ids]:
        assert secret not in raw, secret

    [alert] = await alerts(app)
    assert (alert.status, alert.attempts, alert.last_error) == (DeliveryStatus.DELIVERED, 1, None)
    assert alert.sent_at is not None and alert.sent_at.second == 0


async def test_no_topic_no_alert(app: Any, client: Any, fcm: FcmServer) -> None:
    settings = app.state.settings.model_copy(update={"alerts_fcm_topic": None})
    await submit(client, urgent=True)
    worker = PipelineWorker(app.state.sessionmaker, settings)
    while await worker.run_once():
        pass
    assert await statuses(app) == [ReportStatus.QUEUED]
    assert await alerts(app) == []
    assert await AlertWorker(app.state.sessionmaker, settings).run_once() == 0
    assert fcm.sends == []


async def test_an_fcm_outage_never_holds_up_intake_and_the_alert_arrives_later(
    app: Any, client: Any, fcm: FcmServer
) -> None:
    worker = AlertWorker(app.state.sessionmaker, app.state.settings)
    try:
        fcm.stop()  # FCM and its token endpoint unreachable
        await submit(client, urgent=True)
        await queue_all(app)
        assert await statuses(app) == [ReportStatus.QUEUED]
        assert await worker.run_once() == 1
        [alert] = await alerts(app)
        assert (alert.status, alert.attempts) == (DeliveryStatus.PENDING, 1)
        assert alert.last_error is not None and alert.last_error.startswith("token-")

        fcm.start()  # back, but answering 500
        fcm.failing = True
        await submit(client, urgent=True)  # joins the waiting alert
        await queue_all(app)
        assert await statuses(app) == [ReportStatus.QUEUED] * 2
        while not fcm.sends:
            await worker.run_once()
        [alert] = await alerts(app)
        assert (alert.status, alert.last_error) == (DeliveryStatus.PENDING, "http-500")

        fcm.failing = False
        while (await alerts(app))[0].status == DeliveryStatus.PENDING:
            await worker.run_once()
    finally:
        await worker.close()
    [alert] = await alerts(app)
    assert (alert.status, alert.reports) == (DeliveryStatus.DELIVERED, 2)
    [delivered] = fcm.delivered
    assert delivered.message["notification"]["body"] == (
        "2 urgent reports are waiting in the moderation queue."
    )
    assert delivered.authorization == f"Bearer {fcm.issued[-1]}"
    assert all(send.message == delivered.message for send in fcm.sends)


async def test_an_alert_is_given_up_after_the_configured_attempts(
    app: Any, client: Any, fcm: FcmServer
) -> None:
    fcm.failing = True
    await submit(client, urgent=True)
    await queue_all(app)
    worker = AlertWorker(app.state.sessionmaker, app.state.settings)
    try:
        while (await alerts(app))[0].status == DeliveryStatus.PENDING:
            await worker.run_once()
    finally:
        await worker.close()
    [alert] = await alerts(app)
    assert (alert.status, alert.attempts) == (DeliveryStatus.DEAD, 5)
    assert len(fcm.sends) == 5 and fcm.delivered == []  # one request per attempt

    await submit(client, urgent=True)  # a later urgent report opens a new alert
    await queue_all(app)
    assert [row.status for row in await alerts(app)].count(DeliveryStatus.PENDING) == 1


async def test_a_broken_credentials_file_is_a_failed_attempt_not_a_dead_worker(
    app: Any, client: Any, fcm: FcmServer, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"type": "service_account"}))
    settings = app.state.settings.model_copy(update={"alerts_fcm_credentials": broken})
    await submit(client, urgent=True)
    await queue_all(app)
    worker = AlertWorker(app.state.sessionmaker, settings)
    try:
        assert await worker.run_once() == 1
    finally:
        await worker.close()
    [alert] = await alerts(app)
    assert (alert.status, alert.last_error) == (DeliveryStatus.PENDING, "credentials-unusable")
    assert fcm.sends == []
