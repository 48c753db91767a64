"""`GET /metrics`: what an operator's Prometheus reads, with no personal data in any label,
and only for the holder of the metrics token."""

from __future__ import annotations

import json
import platform
import re
import sys

import pytest
from prometheus_client.utils import INF, floatToGoString

from api.metrics import HTTP_METHODS, LATENCY_BUCKETS
from core.db import create_engine, create_sessionmaker
from core.stage_timings import BOUNDS, TIMINGS, Stage, StageTimings
from lifecycle import stage_timings
from media.errors import RefusalReason
from models.report import ReportStatus, TranslationStatus
from models.webhook import DeliveryStatus
from tests.api.test_followup import receipt_auth
from tests.conftest import make_settings
from tests.factories import incident_fields, new_report
from tests.media import builders
from tests.translation.tiny_model import build_package
from translation import ModelStore

TOKEN = "metrics-token-for-tests"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"metrics_token": TOKEN}


def _value(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    found = re.search(rf"^{re.escape(name)}{{{re.escape(wanted)}}} (\S+)$", text, re.MULTILINE)
    assert found, f"{name}{{{wanted}}} not in the metrics"
    return float(found[1])


async def test_requests_and_the_queue_are_counted_without_personal_data(client, process_pending):
    accepted = []
    for _ in range(3):
        accepted.append((await client.post("/v1/reports", json=new_report())).json())
    await process_pending()
    receipt = accepted[0]["receipt"]
    await client.get("/v1/reports/mine", headers=receipt_auth(receipt))
    await client.get("/v1/reports/mine", headers=receipt_auth("no-such-receipt"))

    answer = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    text = answer.text
    requests = "stop_http_requests_total"
    assert _value(text, requests, method="POST", route="/v1/reports", status="201") == 3
    assert _value(text, requests, method="GET", route="/v1/reports/mine", status="200") == 1
    assert _value(text, requests, method="GET", route="/v1/reports/mine", status="401") == 1
    assert _value(text, "stop_reports", status="queued") == 3
    assert _value(text, "stop_reports", status="received") == 0
    for secret in [receipt, "no-such-receipt", "127.0.0.1", "testclient", "Five women"]:
        assert secret not in text
    assert not [i["report_id"] for i in accepted if i["report_id"] in text]


async def test_metrics_need_the_token(client):
    assert (await client.get("/metrics")).status_code == 401
    wrong = await client.get("/metrics", headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 401
    assert wrong.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("settings_overrides", [{}])
async def test_metrics_are_off_without_a_token(client):
    assert (await client.get("/metrics")).status_code == 404


# --- every label from a fixed set --------------------------------------------------------

SECRET_TEXT = "Nos quitaron los pasaportes en la finca de la carretera vieja."


def _samples(text: str) -> list[tuple[str, dict[str, str]]]:
    """(metric name, labels) of every sample in an exposition."""
    found = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name, _, rest = line.partition("{")
        labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', rest)) if rest else {}
        found.append((name.split(" ")[0], labels))
    return found


def _allowed(app) -> dict[str, set[str]]:
    """Every value each label may take: fixed sets, whatever was requested."""
    routes = set(app.openapi()["paths"]) | {"/metrics", "(unrouted)"}
    statuses = (
        {s.value for s in ReportStatus}
        | {s.value for s in DeliveryStatus}
        | {str(code) for code in range(100, 600)}
    )
    return {
        "method": {*HTTP_METHODS, "OTHER"},
        "route": routes,
        "status": statuses,
        "translation_status": {s.value for s in TranslationStatus},
        "reason": {r.value for r in RefusalReason},
        "stage": {s.value for s in Stage},
        "le": {*BOUNDS, *(floatToGoString(bound) for bound in (*LATENCY_BUCKETS, INF))},
        # prometheus_client's own: garbage-collector generations, the Python version
        "generation": {"0", "1", "2"},
        "implementation": {platform.python_implementation()},
        "major": {str(sys.version_info.major)},
        "minor": {str(sys.version_info.minor)},
        "patchlevel": {str(sys.version_info.micro)},
        "version": {platform.python_version()},
    }


async def test_every_label_value_comes_from_a_fixed_set(app, client, make_moderator):
    accepted = (await client.post("/v1/reports", json=new_report(text=SECRET_TEXT))).json()
    receipt, report_id = accepted["receipt"], accepted["report_id"]
    await client.get("/v1/reports/mine", headers=receipt_auth(receipt))
    await client.get(f"/v1/reports/{receipt}?q={report_id}")  # a path no route has
    await client.get(f"/v1/moderation/reports/{report_id}", headers=await make_moderator())
    await client.get("/v1/hub/incidents", headers={"Authorization": f"Bearer {receipt}"})
    await client.post(
        "/v1/reports",
        files=[
            ("report", (None, json.dumps(new_report()), "application/json")),
            ("media", ("maria-at-the-farm.jpg", b"not a photo at all", "image/jpeg")),
        ],
    )
    await client.request("BREW", f"/v1/uploads/{report_id}")  # any token is a method here

    text = (await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})).text

    allowed = _allowed(app)
    for name, labels in _samples(text):
        for label, value in labels.items():
            assert label in allowed, f"{name} has a label no test knows: {label}"
            assert value in allowed[label], f"{name}{{{label}={value!r}}}"
    for secret in [receipt, report_id, "maria", "pasaportes", "127.0.0.1", "testclient"]:
        assert secret not in text


# --- stage latencies and sanitiser refusals --------------------------------------------


def _count(text: str, name: str, **labels: str) -> float:
    try:
        return _value(text, name, **labels)
    except AssertionError:
        return 0.0


async def test_stage_latencies_reach_the_metrics_through_the_database(
    app, client, sessionmaker, settings, make_moderator, process_pending, tmp_path
):
    TIMINGS.drain()  # what earlier tests in this process timed is not this test's
    ModelStore(settings.effective_translation_dir).install(build_package(tmp_path, "es", "en"))
    photo = builders.jpeg(tmp_path)
    accepted = await client.post(
        "/v1/reports",
        files=[
            (
                "report",
                (
                    None,
                    json.dumps(new_report(text=SECRET_TEXT, locale="es-MX")),
                    "application/json",
                ),
            ),
            ("media", ("p.jpg", photo.read_bytes(), "image/jpeg")),
        ],
    )
    assert accepted.status_code == 201, accepted.text
    await process_pending()
    moderator = await make_moderator()
    report_id = accepted.json()["report_id"]
    await client.post(f"/v1/moderation/reports/{report_id}/claim", headers=moderator)
    approved = await client.post(
        f"/v1/moderation/reports/{report_id}/approve", json=incident_fields(), headers=moderator
    )
    assert approved.status_code == 200, approved.text
    assert await stage_timings.flush(sessionmaker) > 0

    text = (await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})).text

    name = "stop_stage_duration_seconds"
    for stage in Stage:
        assert _value(text, f"{name}_count", stage=stage.value) == 1, stage
        assert _value(text, f"{name}_bucket", le="+Inf", stage=stage.value) == 1
        assert _value(text, f"{name}_sum", stage=stage.value) > 0


async def test_a_refused_file_is_counted_by_its_kind(client):
    before = (await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})).text
    refused = await client.post(
        "/v1/reports",
        files=[
            ("report", (None, json.dumps(new_report()), "application/json")),
            ("media", ("x.jpg", b"plain text, not a photo", "image/jpeg")),
        ],
    )
    assert refused.status_code == 415
    after = (await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})).text
    name = "stop_media_refusals_total"
    grown = {
        reason.value: _count(after, name, reason=reason.value)
        - _count(before, name, reason=reason.value)
        for reason in RefusalReason
    }
    assert grown == {reason.value: float(reason == "unsupported_type") for reason in RefusalReason}


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"], indirect=True)
async def test_a_failed_flush_keeps_its_figures(sessionmaker, settings):
    """The database away (nothing listens on port 1): the figures wait for the next flush."""
    timings = StageTimings()
    timings.observe(Stage.DETECT, 0.02)
    away = make_settings(settings.data_dir, "postgresql+asyncpg://nobody@127.0.0.1:1/none")
    engine = create_engine(away)
    try:
        with pytest.raises(OSError):
            await stage_timings.flush(create_sessionmaker(engine), timings)
    finally:
        await engine.dispose()
    assert await stage_timings.flush(sessionmaker, timings) == 1
    async with sessionmaker() as session:
        histogram = (await stage_timings.histograms(session))[Stage.DETECT]
    assert (histogram.count, histogram.buckets[2]) == (1, ("0.025", 1))
