"""Migration 0027 on both databases: the reports stored before it get their band keys, so
their copies are suggested right after the upgrade (not only those the worker queues
later); a report still in the pipeline gets none (the worker stores them as it queues it);
a downgrade removes the keys' table."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from core.db import create_engine, create_sessionmaker
from core.settings import Settings
from migrations.runner import alembic_config
from models.base import UTCDateTime
from moderation.duplicates import suggest
from tests.api.test_duplicates import KITCHEN, VAN_EN, VAN_EN_AGAIN

BEFORE = ScriptDirectory.from_config(alembic_config()).get_revision("0027").down_revision
REPORTS = sa.table(
    "reports",
    *(sa.column(name) for name in ("client_id_hash", "payload_hash", "receipt_hash", "status")),
    *(sa.column(name) for name in ("text", "urgent", "category_hints", "translation_status")),
    sa.column("attempts"),
    sa.column("id", sa.Uuid()),
    sa.column("received_at", UTCDateTime()),
)


async def store(settings: Settings, reports: dict[str, tuple[str, str]]) -> dict[str, uuid.UUID]:
    """Reports as an earlier version stored them, by name: (status, text)."""
    ids = {name: uuid.uuid4() for name in reports}
    engine = create_engine(settings)
    async with engine.begin() as connection:
        for name, (status, text) in reports.items():
            hashed = ids[name].hex
            await connection.execute(
                REPORTS.insert().values(
                    id=ids[name],
                    client_id_hash=hashed,
                    payload_hash=hashed,
                    receipt_hash=hashed,
                    status=status,
                    text=text,
                    urgent=False,
                    category_hints="[]",
                    translation_status="not_needed",
                    attempts=0,
                    received_at=datetime(2026, 11, 30, 8, tzinfo=UTC),
                )
            )
    await engine.dispose()
    return ids


async def suggested(settings: Settings, report_id: uuid.UUID) -> list[uuid.UUID]:
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            return [item.id for item in (await suggest(session, report_id)).items]
    finally:
        await engine.dispose()


async def tables(settings: Settings) -> set[str]:
    engine = create_engine(settings)
    async with engine.connect() as connection:
        names = await connection.run_sync(lambda sync: sa.inspect(sync).get_table_names())
    await engine.dispose()
    return set(names)


def test_reports_stored_before_are_found_by_their_new_keys(empty_database: Settings) -> None:
    settings = empty_database
    config = alembic_config(settings)
    command.upgrade(config, BEFORE)
    ids = asyncio.run(
        store(
            settings,
            {
                "first": ("queued", VAN_EN),
                "copy": ("approved", VAN_EN_AGAIN),
                "unrelated": ("queued", KITCHEN),
                "in the pipeline": ("received", VAN_EN),
            },
        )
    )

    command.upgrade(config, "head")
    assert asyncio.run(suggested(settings, ids["first"])) == [ids["copy"]]
    assert asyncio.run(suggested(settings, ids["copy"])) == [ids["first"]]

    command.downgrade(config, BEFORE)
    assert "report_bands" not in asyncio.run(tables(settings))
