"""Migration 0013 (needs_info): on SQLite the reports table is rebuilt to change its status
check, and that must not take the reports' messages and media with it (their foreign keys
cascade on delete). Down again, reports waiting for an answer go back to the queue."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from migrations.runner import alembic_config
from tests.conftest import make_settings

REPORT = "00000000000000000000000000000001"


def counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table: connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("reports", "report_messages", "media")
        }


def test_upgrading_and_downgrading_keeps_every_message_and_media_row(tmp_path):
    settings = make_settings(tmp_path, None)
    config = alembic_config(settings)
    command.upgrade(config, "0011")
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'stop-intake.db'}")
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO reports (id, client_id_hash, payload_hash, receipt_hash, status,"
                " text, urgent, category_hints, translation_status, attempts, received_at)"
                f" VALUES ('{REPORT}', 'c', 'p', 'r', 'queued', 't', 0, '[]', 'done', 0,"
                " '2026-11-30 08:00:00')"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO report_messages (id, report_id, sender, text, translation_status,"
                f" position, created_at) VALUES ('m1', '{REPORT}', 'reporter', 'hola', 'done',"
                " 1, '2026-11-30 08:00:00')"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO media (id, report_id, kind, mime, extension, size_bytes, sha256,"
                f" storage_key, notes, reencoded, created_at) VALUES ('f1', '{REPORT}', 'image',"
                " 'image/png', 'png', 1, 's', 'k', '', 0, '2026-11-30 08:00:00')"
            )
        )
    before = counts(engine)
    assert before == {"reports": 1, "report_messages": 1, "media": 1}

    command.upgrade(config, "head")
    assert counts(engine) == before
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE reports SET status = 'needs_info'"))
        assert connection.execute(sa.text("PRAGMA foreign_key_check")).all() == []

    command.downgrade(config, "0011")
    assert counts(engine) == before
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT status FROM reports")).scalar_one() == "queued"
    engine.dispose()
