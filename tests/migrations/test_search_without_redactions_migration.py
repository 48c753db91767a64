"""Migration 0028 on both databases: a name redacted before it stops finding its report
once it runs (the search index reads the text without its redacted spans), the other
words still find it; down again, the index reads the whole text as before."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from core.db import create_engine, create_sessionmaker
from core.settings import Settings
from core.spans import fingerprint
from migrations.runner import alembic_config
from moderation.queue import QueueQuery, Viewer, page
from tests.api.test_redaction import NAME, TEXT, span
from tests.migrations.test_flat_duplicates_migration import store

BEFORE = ScriptDirectory.from_config(alembic_config()).get_revision("0028").down_revision
REDACTIONS = sa.table(
    "redactions",
    *(sa.column(name) for name in ("target", "start_offset", "end_offset", "text_sha256")),
    sa.column("reason"),
    sa.column("id", sa.Uuid()),
    sa.column("report_id", sa.Uuid()),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
RAW_SEARCH = {  # what the search index answers before revision 0028, on each backend
    "postgresql": "SELECT id FROM reports WHERE to_tsvector('simple'::regconfig, "
    "(text || ' '::text) || COALESCE(translated_text, ''::text)) "
    "@@ websearch_to_tsquery('simple'::regconfig, :words)",
    "sqlite": "SELECT report_id FROM reports_fts WHERE reports_fts MATCH :words",
}


async def redact(settings: Settings, report_id: uuid.UUID, words: str) -> None:
    start, end = span(TEXT, words)
    engine = create_engine(settings)
    async with engine.begin() as connection:
        await connection.execute(
            REDACTIONS.insert().values(
                id=uuid.uuid4(),
                report_id=report_id,
                target="text",
                start_offset=start,
                end_offset=end,
                text_sha256=fingerprint(TEXT),
                reason="bystander",
                created_at=datetime.now(UTC),
            )
        )
    await engine.dispose()


async def searched(settings: Settings, words: str) -> list[uuid.UUID]:
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            viewer = Viewer(uuid.uuid4(), datetime.now(UTC))
            return [item.id for item in (await page(session, QueueQuery(q=words), viewer)).items]
    finally:
        await engine.dispose()


async def searched_before(settings: Settings, words: str) -> list[str]:
    engine = create_engine(settings)
    async with engine.connect() as connection:
        query = RAW_SEARCH[connection.dialect.name]
        found = await connection.execute(sa.text(query), {"words": words})
        ids = sorted(str(value).replace("-", "") for value in found.scalars())
    await engine.dispose()
    return ids


def test_a_name_redacted_before_no_longer_finds_its_report(empty_database: Settings) -> None:
    settings = empty_database
    config = alembic_config(settings)
    command.upgrade(config, BEFORE)
    ids = asyncio.run(store(settings, {"redacted": ("queued", TEXT), "other": ("queued", NAME)}))
    asyncio.run(redact(settings, ids["redacted"], NAME))
    assert asyncio.run(searched_before(settings, "Quintana")) == sorted(
        value.hex for value in ids.values()
    )

    command.upgrade(config, "head")
    assert asyncio.run(searched(settings, "Quintana")) == [ids["other"]]
    assert asyncio.run(searched(settings, "workshop")) == [ids["redacted"]]

    command.downgrade(config, BEFORE)
    assert ids["redacted"].hex in asyncio.run(searched_before(settings, "Quintana"))
