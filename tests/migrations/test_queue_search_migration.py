"""Migration 0015 on SQLite: reports stored before it become searchable (the FTS5 table
is filled from them), the triggers keep it in step, and a downgrade removes it all."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from migrations.runner import alembic_config
from tests.conftest import make_settings

REPORT = (
    "INSERT INTO reports (id, client_id_hash, payload_hash, receipt_hash, status, text, urgent,"
    " category_hints, translation_status, translated_text, attempts, received_at)"
    " VALUES (:id, :id, :id, :id, 'queued', :text, 0, '[]', 'done', :translation, 0,"
    " '2026-11-30 08:00:00')"
)
MATCH = "SELECT report_id FROM reports_fts WHERE reports_fts MATCH :words ORDER BY report_id"


def test_reports_stored_before_are_searchable_and_downgrade_removes_the_index(tmp_path):
    settings = make_settings(tmp_path, None)
    config = alembic_config(settings)
    command.upgrade(config, "0011")
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'stop-intake.db'}")
    with engine.begin() as connection:
        connection.execute(
            sa.text(REPORT),
            {"id": "1" * 32, "text": "Una furgoneta blanca", "translation": "A white van"},
        )

    command.upgrade(config, "0015")
    with engine.begin() as connection:
        assert connection.execute(sa.text(MATCH), {"words": "van"}).scalars().all() == ["1" * 32]
        connection.execute(
            sa.text(REPORT), {"id": "2" * 32, "text": "Otra furgoneta", "translation": None}
        )
        assert connection.execute(sa.text(MATCH), {"words": "furgoneta"}).scalars().all() == [
            "1" * 32,
            "2" * 32,
        ]
        connection.execute(sa.text("UPDATE reports SET text = '' WHERE id = :id"), {"id": "2" * 32})
        assert connection.execute(sa.text(MATCH), {"words": "otra"}).scalars().all() == []
        connection.execute(sa.text("DELETE FROM reports WHERE id = :id"), {"id": "1" * 32})
        assert connection.execute(sa.text(MATCH), {"words": "white"}).scalars().all() == []

    command.downgrade(config, "0011")
    with engine.connect() as connection:
        names = connection.execute(
            sa.text("SELECT name FROM sqlite_master WHERE name LIKE 'reports_fts%'")
        ).all()
    engine.dispose()
    assert names == []
