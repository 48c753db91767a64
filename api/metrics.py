"""`GET /metrics` in Prometheus' text format, for operators: requests by route and status,
their latency, the pipeline's queue by state, messages waiting for translation, the
translation pairs installed, and the webhook backlog (pending and dead deliveries).

Nothing personal can reach a label: requests are labelled by method, route template
(`/v1/reports/mine`, never a path with an id or a query) and status; the queue and the
webhook backlog by status name (not by client, and never a URL). The endpoint is off
unless `STOP_METRICS_TOKEN` is set, and then answers only `Authorization: Bearer <that
token>`: report volumes are not for everyone to read. Each API process counts its own
requests (scrape each one); the queue and backlog figures come from the database and are
the same everywhere.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from sqlalchemy import func, select
from sqlmodel import col

from core.deps import SessionDep, SettingsDep
from core.errors import NotFound, Unauthorized
from hub import outbox
from models.message import ReportMessage
from models.report import Report, ReportStatus, TranslationStatus
from translation import ModelStore

router = APIRouter()
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class RequestMetrics:
    """The registry of one application, and the access log's observer that feeds it."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        self.requests = Counter(
            "stop_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "stop_http_request_duration_seconds",
            "Time to answer, by method and route template.",
            ["method", "route"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.reports = Gauge(
            "stop_reports", "Reports by status.", ["status"], registry=self.registry
        )
        self.messages_untranslated = Gauge(
            "stop_messages_awaiting_translation",
            "Messages between moderators and reporters not yet translated.",
            registry=self.registry,
        )
        self.webhooks = Gauge(
            "stop_webhook_deliveries",
            "Webhook deliveries waiting to be sent (pending) or given up (dead), all clients.",
            ["status"],
            registry=self.registry,
        )
        self.translation_pairs = Gauge(
            "stop_translation_pairs_installed",
            "Installed translation models (language pairs).",
            registry=self.registry,
        )
        # The two series of each (method, route, status), looked up once: `labels()` takes
        # a lock and builds its key on every call. Route templates are few, so are these.
        self._series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        series = self._series.get((method, route, status))
        if series is None:
            series = (
                self.requests.labels(method, route, str(status)),
                self.latency.labels(method, route),
            )
            self._series[(method, route, status)] = series
        series[0].inc()
        series[1].observe(seconds)


class MetricsTokenRequired(Unauthorized):
    slug = "metrics-token-required"
    title = "Send the metrics token as a bearer token"


def install_metrics(app: FastAPI) -> RequestMetrics:
    metrics = RequestMetrics()
    app.state.metrics = metrics
    app.include_router(router)
    return metrics


@router.get("/metrics", include_in_schema=False)
async def metrics_page(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    if not settings.metrics_token:
        raise NotFound()
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    expected = settings.metrics_token.get_secret_value().encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), expected):
        error = MetricsTokenRequired()
        error.headers["WWW-Authenticate"] = "Bearer"
        raise error
    metrics: RequestMetrics = request.app.state.metrics
    by_status = select(col(Report.status), func.count()).group_by(col(Report.status))
    counts = {status: count for status, count in (await session.execute(by_status)).all()}
    for status in ReportStatus:
        metrics.reports.labels(status.value).set(counts.get(status, 0))
    waiting = await session.scalar(
        select(func.count()).where(
            col(ReportMessage.translation_status) == TranslationStatus.PENDING
        )
    )
    metrics.messages_untranslated.set(waiting or 0)
    for delivery_status, count in (await outbox.backlog(session)).items():
        metrics.webhooks.labels(delivery_status.value).set(count)
    store = ModelStore(settings.effective_translation_dir)
    metrics.translation_pairs.set(len(store.installed()))
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
