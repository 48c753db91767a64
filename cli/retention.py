"""`stop-intake purge [--dry-run]`: empty the decided reports whose retention period is
over (`moderation.retention`; periods in `STOP_RETAIN_DECIDED_DAYS` and
`STOP_RETAIN_REJECTED_DAYS`). The worker runs the same purge when
`STOP_PURGE_EVERY_HOURS` is set."""

from __future__ import annotations

import asyncio

import click

from core.db import create_engine, create_sessionmaker
from core.settings import get_settings
from core.storage import AsyncMediaStorage, build_storage
from moderation.retention import PurgeResult, purge


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Only count what would be purged; change nothing.")
def purge_command(dry_run: bool) -> None:
    """Remove the reporter's text, translation, conversation and media from decided reports
    past their retention period (rejected ones sooner). Published incidents stay."""
    settings = get_settings()

    async def main() -> PurgeResult:
        engine = create_engine(settings)
        try:
            return await purge(
                create_sessionmaker(engine),
                AsyncMediaStorage(build_storage(settings)),
                settings,
                dry_run=dry_run,
            )
        finally:
            await engine.dispose()

    result = asyncio.run(main())
    verb = "would purge" if dry_run else "purged"
    by_status = ", ".join(f"{status} {count}" for status, count in sorted(result.reports.items()))
    click.echo(f"{verb} {result.total} reports" + (f" ({by_status})" if by_status else ""))
    if not dry_run:
        click.echo(f"deleted {result.media_files} media files and {result.messages} messages")
