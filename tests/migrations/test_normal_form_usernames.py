"""Migration 0010: accounts named before names were normalised can still log in."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from migrations.runner import alembic_config
from tests.conftest import make_settings


def test_usernames_are_rewritten_to_their_normal_form_unless_taken(tmp_path):
    settings = make_settings(tmp_path, None)
    config = alembic_config(settings)
    command.upgrade(config, "0009")
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'stop-intake.db'}")
    with engine.begin() as connection:
        for number, name in enumerate([" Alice ", "BOB", "bob", "carol"], start=1):
            connection.execute(
                sa.text(
                    "INSERT INTO moderators (id, username, password_hash, role, is_active,"
                    " created_at) VALUES (:id, :name, 'x', 'moderator', 1, '2026-11-30 08:00:00')"
                ),
                {"id": f"{number:032x}", "name": name},
            )

    command.upgrade(config, "head")

    with engine.connect() as connection:
        names = set(connection.execute(sa.text("SELECT username FROM moderators")).scalars())
    engine.dispose()
    assert names == {"alice", "BOB", "bob", "carol"}  # BOB stays: `bob` is someone else
