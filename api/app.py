"""The application factory: one FastAPI app for reporters, moderators, the hub and ops.

The lifespan owns the database engine, on PostgreSQL the asyncpg pool for hot-path
statements (`core.driver_sql`) and, on the embedded default, the pipeline worker
and the webhook worker running in the same process.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI

from api import audit, auth, health, hub, moderation, reports, uploads
from api.body_limits import BodyLimitMiddleware
from api.caching import NoStoreMiddleware
from api.docs import install_docs
from api.errors import install_error_handlers
from api.key_check import KeyCheck
from api.metrics import install_metrics
from api.openapi import install_openapi
from api.public_scheme import PublicSchemeMiddleware
from api.timeouts import install_timeouts
from console import create_console
from core.db import create_engine, create_sessionmaker
from core.driver_sql import HOT_PATH_CONNECTIONS, open_driver_pool
from core.hashing import keyed_hasher
from core.logging import AccessLogMiddleware
from core.passwords import PasswordHashing
from core.settings import Settings, get_settings
from core.storage import AsyncMediaStorage, build_storage
from intake import housekeeping
from intake.appcheck.guard import AppCheckGuard
from intake.appcheck.store import DatabaseTokenUseStore
from intake.protection.client_address import TrustedProxies
from intake.protection.ratelimit import RateLimiter
from intake.report_rows import open_report_rows
from intake.schemas import ReportIn
from intake.submission import Intake
from intake.uploads.stores import build_partials
from lifecycle import stage_timings
from moderation import retention
from moderation.four_eyes import FourEyes
from moderation.schemas import LoginIn

log = logging.getLogger("stop.api")

DESCRIPTION = """Anonymous intake of reports of human trafficking from the STOP APP,
moderation, and the hub feed of vetted incidents.

Every error is `application/problem+json` (RFC 9457) with a stable `type`. Unknown
fields in a report are rejected (422), never stored."""


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    engine = create_engine(settings)
    app.state.key_check = key_check = KeyCheck(engine, settings)
    try:
        key_checked = await key_check.at_start()  # before anything is hashed under it
    except BaseException:
        await engine.dispose()
        raise
    app.state.engine = engine
    app.state.sessionmaker = create_sessionmaker(engine)
    app.state.hasher = keyed_hasher(settings)
    app.state.passwords = PasswordHashing.from_settings(settings)
    app.state.storage = AsyncMediaStorage(build_storage(settings))
    app.state.app_check = AppCheckGuard.from_settings(
        settings, uses=DatabaseTokenUseStore(app.state.sessionmaker)
    )
    # On PostgreSQL, one asyncpg pool per process for the hot-path statements (the report
    # insert and the rate limiter's hit), beside the engine's pool (`core.driver_sql`).
    hot_path = (
        await open_driver_pool(engine, HOT_PATH_CONNECTIONS)
        if engine.dialect.driver == "asyncpg"
        else None
    )
    app.state.hot_path = hot_path
    app.state.rate_limiter = RateLimiter.from_settings(settings, engine, app.state.hasher, hot_path)
    rows = open_report_rows(engine, hot_path)
    app.state.intake = Intake(
        settings, app.state.hasher, app.state.storage, app.state.sessionmaker, rows
    )
    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(
            housekeeping.run_periodically(
                app.state.sessionmaker,
                app.state.storage,
                app.state.upload_partials,
                stop,
                settings.housekeeping_interval_seconds,
                settings.orphan_sweep_hours,
                app.state.rate_limiter,
            ),
            name="housekeeping",
        )
    ]
    if not key_checked:  # the database was down or not migrated: /readyz waits for it
        tasks.append(asyncio.create_task(key_check.until_checked(stop), name="secret-key-check"))
    if settings.metrics_token:  # stage timings reach /metrics through the database
        flushing = stage_timings.flush_periodically(
            app.state.sessionmaker, stop, settings.metrics_flush_seconds
        )
        tasks.append(asyncio.create_task(flushing, name="stage-timings"))
    if settings.worker_in_process:
        from worker.alerts import AlertWorker
        from worker.runner import PipelineWorker  # loads translation models: only when used
        from worker.webhooks import WebhookWorker

        worker = PipelineWorker(app.state.sessionmaker, settings)
        tasks.append(asyncio.create_task(worker.run(stop), name="pipeline-worker"))
        webhooks = WebhookWorker(app.state.sessionmaker, settings)
        tasks.append(asyncio.create_task(webhooks.run(stop), name="webhook-worker"))
        alerts = AlertWorker(app.state.sessionmaker, settings)
        tasks.append(asyncio.create_task(alerts.run(stop), name="alert-worker"))
        purge = retention.run_periodically(
            app.state.sessionmaker, app.state.storage, settings, stop
        )
        tasks.append(asyncio.create_task(purge, name="retention-purge"))
    # What start-up made (modules, models, routes, compiled statements) lives as long as
    # the process: frozen, the cyclic garbage collector stops walking it. A full collection
    # over it took a few hundred milliseconds, a stall of every request in flight each few
    # thousand requests. Unfrozen at shutdown, so a process making many apps (the tests)
    # keeps collecting their garbage.
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        stop.set()
        await asyncio.gather(*tasks)
        app.state.app_check.close()
        await app.state.rate_limiter.close()
        await rows.close()
        if hot_path is not None:
            await hot_path.close()
        await engine.dispose()


def create_app(settings: Settings | None = None) -> FastAPI:
    app = FastAPI(
        title="STOP intake",
        version="1.0",
        description=DESCRIPTION,
        lifespan=_lifespan,
        docs_url=None,  # served from this server's own files by api/docs.py
        redoc_url=None,  # ReDoc loads its logo from its vendor's CDN
        # FastAPI's own OpenTelemetry spans, metrics and logs: off. Given a provider (or
        # FASTAPI_OTEL_AUTO_CONFIGURE), they would export paths with ids, exception messages
        # (which may quote a report) and stack traces; and checking for a provider costs
        # every request. Requests are counted by /metrics and logged by core.logging.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings = settings or get_settings()
    # Built here, not lazily: a misconfigured upload folder or bucket prefix fails at
    # start, not on a PATCH.
    app.state.upload_partials = build_partials(settings, keyed_hasher(settings))
    FourEyes.from_settings(settings)  # an unknown rule stops the service here
    install_error_handlers(app)
    install_timeouts(app, settings.body_idle_timeout_seconds)
    app.add_middleware(BodyLimitMiddleware, settings=settings)
    app.add_middleware(NoStoreMiddleware)
    app.add_middleware(AccessLogMiddleware, observers=[install_metrics(app).observe])
    # Outermost: every layer below (cookies, redirects, the console) sees the public scheme.
    app.state.trusted_proxies = proxies = TrustedProxies.from_settings(settings)
    app.add_middleware(PublicSchemeMiddleware, proxies=proxies, force_https=settings.force_https)
    for module in (reports, uploads, auth, moderation, audit, hub, health):
        app.include_router(module.router)
    install_openapi(app, [ReportIn, LoginIn])
    install_docs(app, settings.api_docs)
    app.mount("/console", create_console(app), name="console")
    return app
