"""`GET /metrics` in Prometheus' text format, for operators (the list with examples is in
docs/operations.md):

- from each API process: `stop_http_requests_total` and
  `stop_http_request_duration_seconds` (method, route template, status),
  `stop_http_unread_requests_total` (status: requests the HTTP protocol refused before any
  route read them: 400, 408, 414, 431), `stop_media_refusals_total` (reason: files the
  sanitiser refused, by `media.errors.RefusalReason`), and with a single process its
  `process_*` and `python_*` figures;
- from the database, read at scrape time: `stop_reports` (status: the queue by state),
  `stop_open_reports_by_translation` (translation_status of the reports awaiting a
  decision; `unavailable` means no model for their language yet),
  `stop_messages_awaiting_translation`, `stop_webhook_deliveries` and `stop_urgent_alerts`
  (status `pending` or `dead`: the webhook and urgent-alert backlogs),
  `stop_urgent_reports_awaiting_alert`, and `stop_stage_duration_seconds` (stage:
  sanitise, detect, translate, publish, over every API and worker process);
- from this host's model folder: `stop_translation_pairs_installed`.

**Several API processes.** `serve --workers N` runs N processes behind one socket, and a
scrape reaches whichever accepts it. So that one scrape counts every process's requests,
`serve` turns on prometheus_client's multiprocess mode: before it starts the processes it
makes a private folder (`api.server.shared_metrics`, 0700, new for each run and deleted
when `serve` stops) and names it in `PROMETHEUS_MULTIPROC_DIR`; each process writes its
counters and histograms to its own files there, and the scrape adds them up
(`MultiProcessCollector`). A process that dies and is replaced leaves its files, so
counters never go backwards. The mode's limits, as prometheus_client documents them: no
per-process collectors (CPU, memory, garbage collection: they are left out then), no
gauges but with a multiprocess mode (every gauge here is read from the database at scrape
time instead, never stored per process), no exemplars.

**Stage latencies.** Detection and translation run in `stop-intake worker` processes,
which may be on other machines, where no multiprocess folder reaches. Each process, API or
worker, adds its timings to the `stage_timings` table every few seconds
(`lifecycle.stage_timings`, when `STOP_METRICS_TOKEN` is set), and the scrape reads the
sums: one histogram over every process, which survives restarts.

**No personal data in any label.** Labels are route templates (`/v1/reports/mine`,
never a path with an id or a query), HTTP methods and statuses, and names from fixed
enums; never an address, a client, a language or a URL. The endpoint is off unless
`STOP_METRICS_TOKEN` is set, and then answers only `Authorization: Bearer <that token>`:
report volumes are not for everyone to read.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterable, Iterator

from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.deps import SessionDep, SettingsDep
from core.errors import NotFound, Unauthorized
from core.settings import Settings
from hub import outbox
from lifecycle import stage_timings
from lifecycle.states import UNDECIDED
from models.alert import UrgentAlert
from models.message import ReportMessage
from models.report import Report, ReportStatus, TranslationStatus
from models.webhook import DeliveryStatus
from translation import ModelStore

router = APIRouter()
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
#: Methods counted by name; any other token a client sends as a method is `OTHER`.
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def multiprocess() -> bool:
    """Whether this process writes its metrics to a folder shared with its siblings."""
    return MULTIPROCESS_DIR in os.environ


class RequestMetrics:
    """The request counters of one application, and the access log's observer that feeds
    them (one application per process in production; tests make many)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
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
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        # The two series of each (method, route, status), looked up once: `labels()` takes
        # a lock and builds its key on every call. Route templates are few, so are these.
        self._series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        method = method if method in HTTP_METHODS else "OTHER"
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


class _Figures(Collector):
    """Metric families already computed (from the database), for one scrape."""

    def __init__(self, families: Iterable[Metric]) -> None:
        self.families = list(families)

    def collect(self) -> Iterator[Metric]:
        return iter(self.families)


def install_metrics(app: FastAPI) -> RequestMetrics:
    metrics = RequestMetrics()
    app.state.metrics = metrics
    app.include_router(router)
    return metrics


def _gauge(name: str, text: str, label: str, values: dict[str, float]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, text, labels=[label])
    for value, count in values.items():
        family.add_metric([value], count)
    return family


async def _counts(session: AsyncSession, column: object, *where: object) -> dict[object, int]:
    statement = select(column, func.count()).where(*where).group_by(column)  # type: ignore[call-overload]
    return {key: count for key, count in (await session.execute(statement)).all()}


async def _queue(session: AsyncSession) -> list[Metric]:
    by_status = await _counts(session, col(Report.status))
    by_translation = await _counts(
        session, col(Report.translation_status), col(Report.status).in_(UNDECIDED)
    )
    waiting = await session.scalar(
        select(func.count()).where(
            col(ReportMessage.translation_status) == TranslationStatus.PENDING
        )
    )
    return [
        _gauge(
            "stop_reports",
            "Reports by status (the pipeline's and the moderators' queue).",
            "status",
            {status.value: by_status.get(status, 0) for status in ReportStatus},
        ),
        _gauge(
            "stop_open_reports_by_translation",
            "Reports awaiting a decision, by translation status (unavailable: no model yet).",
            "translation_status",
            {status.value: by_translation.get(status, 0) for status in TranslationStatus},
        ),
        GaugeMetricFamily(
            "stop_messages_awaiting_translation",
            "Messages between moderators and reporters not yet translated.",
            value=waiting or 0,
        ),
    ]


async def _backlogs(session: AsyncSession) -> list[Metric]:
    webhooks = await outbox.backlog(session)
    backlog = (DeliveryStatus.PENDING, DeliveryStatus.DEAD)
    alerts = await _counts(session, col(UrgentAlert.status), col(UrgentAlert.status).in_(backlog))
    waiting = await session.scalar(
        select(func.coalesce(func.sum(col(UrgentAlert.reports)), 0)).where(
            col(UrgentAlert.status) == DeliveryStatus.PENDING
        )
    )
    return [
        _gauge(
            "stop_webhook_deliveries",
            "Webhook deliveries waiting to be sent (pending) or given up (dead), all clients.",
            "status",
            {status.value: count for status, count in webhooks.items()},
        ),
        _gauge(
            "stop_urgent_alerts",
            "Urgent-report alerts to the on-call moderators waiting to be sent (pending: at "
            "most one) or given up (dead).",
            "status",
            {status.value: alerts.get(status, 0) for status in backlog},
        ),
        GaugeMetricFamily(
            "stop_urgent_reports_awaiting_alert",
            "Urgent reports that reached the queue and whose alert is not sent yet.",
            value=waiting or 0,
        ),
    ]


async def _stages(session: AsyncSession) -> Metric:
    family = HistogramMetricFamily(
        "stop_stage_duration_seconds",
        "Time per stage, over every API and worker process: sanitise (one media file), "
        "detect (a language), translate (a model run), publish (a hub incident version).",
        labels=["stage"],
    )
    for stage, histogram in (await stage_timings.histograms(session)).items():
        family.add_metric([stage.value], histogram.buckets, histogram.seconds)
    return family


async def database_figures(session: AsyncSession, settings: Settings) -> list[Metric]:
    """What every process would answer alike, read at scrape time (never kept per process)."""
    installed = len(ModelStore(settings.effective_translation_dir).installed())
    pairs = GaugeMetricFamily(
        "stop_translation_pairs_installed",
        "Installed translation models (language pairs).",
        value=installed,
    )
    return [*await _queue(session), *await _backlogs(session), await _stages(session), pairs]


def _exposition(*registries: CollectorRegistry) -> bytes:
    return b"".join(generate_latest(registry) for registry in registries)


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
    figures = CollectorRegistry()
    figures.register(_Figures(await database_figures(session, settings)))
    if multiprocess():
        every_process = CollectorRegistry()
        MultiProcessCollector(every_process)  # type: ignore[no-untyped-call]
        body = _exposition(every_process, figures)
    else:
        metrics: RequestMetrics = request.app.state.metrics
        body = _exposition(metrics.registry, REGISTRY, figures)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
