"""The migrations are the only source of the schema, and they agree with the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from core.db import create_engine
from migrations.report_search import include_name
from migrations.runner import current_revision, head_revision
from models import metadata


# SQLite cannot reflect expression indexes; the PostgreSQL-only search index is compared there.
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.parametrize("backend", ["postgresql", "sqlite"], indirect=True)
async def test_models_and_migrations_agree(settings):
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            diff = await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(
                        sync, opts={"compare_type": True, "include_name": include_name}
                    ),
                    metadata,
                )
            )
            assert await current_revision(connection) == head_revision()
    finally:
        await engine.dispose()
    assert diff == []
