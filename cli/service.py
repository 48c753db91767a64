"""Commands that run the service: `serve`, `worker`, `migrate`."""

from __future__ import annotations

import asyncio
import shutil
import signal
import sys
from pathlib import Path

import click
import uvicorn

from cli.common import require_same_secret_key
from core.db import create_engine, create_sessionmaker
from core.logging import configure_logging
from core.settings import Settings, get_settings
from migrations.runner import upgrade_head


def _describe_database(settings: Settings) -> str:
    if settings.is_sqlite:
        return f"SQLite file {settings.data_dir / 'stop-intake.db'}"
    return "PostgreSQL"  # never print a URL: it may hold a password


def _command() -> str:
    """How the operator can call this command again (the venv may not be on PATH)."""
    if shutil.which("stop-intake"):
        return "stop-intake"
    invoked = Path(sys.argv[0])
    return str(invoked) if invoked.name == "stop-intake" else "stop-intake"


@click.command()
def migrate() -> None:
    """Bring the configured database to the latest schema (alembic upgrade head)."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    upgrade_head(settings)
    click.echo(f"Database is at the latest schema ({_describe_database(settings)}).")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, help="Port to listen on.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="API processes  [default: one per core on PostgreSQL, one on SQLite]",
)
def serve(host: str, port: int, workers: int | None) -> None:
    """Run the API (and, on the embedded default, the pipeline worker in the same process)."""
    from uvicorn.supervisors.multiprocess import Multiprocess

    from api.app import create_app
    from api.server import APP_FACTORY, default_workers, server_config, shared_metrics

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    if settings.is_sqlite:
        upgrade_head(settings)  # the embedded database migrates itself on first start
    # Here as well as in each API process: one line, instead of every process failing its
    # start-up (and `--workers N` starting them again and again).
    require_same_secret_key(settings)
    media = "S3" if settings.media_backend == "s3" else f"folder {settings.effective_media_dir}"
    command = _command()
    click.echo(
        f"STOP intake listening on http://{host}:{port}  (API docs: /docs, console: /console)\n"
        f"  database: {_describe_database(settings)}; media: {media}; "
        f"worker: {'in this process' if settings.worker_in_process else 'stop-intake worker'}\n"
        f"  create the first moderator:  {command} moderators add NAME --role admin\n"
        f"  create a hub client:         {command} hub-clients add NAME"
    )
    processes = workers or default_workers(settings)
    if settings.is_sqlite and processes > 1:
        raise click.UsageError("the embedded SQLite database takes one process: drop --workers")
    if processes == 1:
        uvicorn.Server(server_config(create_app(settings), settings, host, port)).run()
        return
    # Each process builds its own app (and engine) from the same settings, and writes its
    # metrics to a folder they share, so one scrape of /metrics counts every process.
    config = server_config(APP_FACTORY, settings, host, port, workers=processes)
    with shared_metrics():
        Multiprocess(config, sockets=[config.bind_socket()]).run()


@click.command()
def worker() -> None:
    """Run the pipeline worker, the webhook worker and the urgent-alert sender until
    SIGINT/SIGTERM (any number, on any machines), and the retention purge when
    STOP_PURGE_EVERY_HOURS is set (one worker per round)."""
    from core.storage import AsyncMediaStorage, build_storage
    from lifecycle import stage_timings
    from moderation import retention
    from worker.alerts import AlertWorker
    from worker.runner import PipelineWorker
    from worker.webhooks import WebhookWorker

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    require_same_secret_key(settings)  # webhook signatures and secrets are keyed by it

    async def main() -> None:
        engine = create_engine(settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        sessionmaker = create_sessionmaker(engine)
        storage = AsyncMediaStorage(build_storage(settings))
        tasks = [  # separate tasks: a slow webhook receiver or FCM never holds up the pipeline
            PipelineWorker(sessionmaker, settings).run(stop),
            WebhookWorker(sessionmaker, settings).run(stop),
            AlertWorker(sessionmaker, settings).run(stop),
            retention.run_periodically(sessionmaker, storage, settings, stop),
        ]
        if settings.metrics_token:  # stage timings reach /metrics through the database
            tasks.append(
                stage_timings.flush_periodically(sessionmaker, stop, settings.metrics_flush_seconds)
            )
        try:
            await asyncio.gather(*tasks)
        finally:
            await engine.dispose()

    asyncio.run(main())
