"""Migration 0007: sessions alive before it count as last used when they began."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from migrations.runner import alembic_config
from tests.conftest import make_settings


def test_existing_sessions_are_last_seen_when_they_began(tmp_path):
    settings = make_settings(tmp_path, None)
    config = alembic_config(settings)
    command.upgrade(config, "0006")
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'stop-intake.db'}")
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO moderators (id, username, password_hash, role, is_active, created_at)"
                " VALUES ('00000000000000000000000000000001', 'ana', 'x', 'moderator', 1,"
                " '2026-11-30 08:00:00')"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO moderator_sessions (token_hash, moderator_id, created_at, expires_at)"
                " VALUES ('h', '00000000000000000000000000000001', '2026-11-30 09:00:00',"
                " '2026-11-30 21:00:00')"
            )
        )

    command.upgrade(config, "head")

    with engine.connect() as connection:
        row = connection.execute(
            sa.text("SELECT created_at, last_seen_at FROM moderator_sessions")
        ).one()
    engine.dispose()
    assert row.last_seen_at == row.created_at == "2026-11-30 09:00:00"
