"""Duplicates and clusters: what the duplicate suggestions read, merging, and the cells
the queue groups reports by.

- `reports.merged_into`: the report a duplicate was merged into (a self-reference, SET
  NULL if that report were ever deleted). Adding a foreign key rebuilds `reports` on
  SQLite: the rows that reference it are kept (`migrations.rebuild`) and the full-text
  search triggers are made again (`migrations.report_search`).
- `reports.place_cell`: the H3 cell (resolution 7) of the stored coarse position, filled
  here for the reports already stored (`core.places.cluster_cell`).
- `media.phash`, `uploads.phash`: a photo's perceptual hash (empty for the photos stored
  before; new ones get it when their clean copy is stored).
- Indexes: `ix_reports_received_at` (the time window of a suggestion),
  `ix_reports_merged_into`, `ix_reports_open_cells` (open reports by cell and time),
  `ix_media_phash` (fingerprints by time) and, on PostgreSQL only, the pg_trgm extension
  and `ix_reports_similarity`, a GIN trigram index over the first 300 characters of the
  translation (or the original where none was needed).

Revision ID: 0016
Revises: 0018
Create Date: 2026-11-30 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.places import cluster_cell
from migrations.rebuild import keeping_referencing_rows
from migrations.report_search import create_sqlite_triggers

revision: str = "0016"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = sa.text("status IN ('queued', 'in_review')")
_HASHED = sa.text("phash IS NOT NULL")
_SIMILARITY_DOCUMENT = '"left"(COALESCE(translated_text, text), 300)'


def _fill_cells(bind: sa.Connection) -> None:
    rows = bind.execute(
        sa.text("SELECT id, latitude, longitude FROM reports WHERE latitude IS NOT NULL")
    ).all()
    update = sa.text("UPDATE reports SET place_cell = :cell WHERE id = :id")
    for report_id, latitude, longitude in rows:
        cell = cluster_cell(latitude, longitude)
        bind.execute(update, {"cell": cell, "id": report_id})


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    with keeping_referencing_rows(), op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("place_cell", sa.String(16), nullable=True))
        batch.add_column(sa.Column("merged_into", sa.Uuid(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_reports_merged_into_reports"),
            "reports",
            ["merged_into"],
            ["id"],
            ondelete="SET NULL",
        )
    if sqlite:
        create_sqlite_triggers(bind)
    _fill_cells(bind)
    op.create_index("ix_reports_received_at", "reports", ["received_at"])
    op.create_index("ix_reports_merged_into", "reports", ["merged_into"])
    op.create_index(
        "ix_reports_open_cells",
        "reports",
        ["place_cell", "received_at"],
        postgresql_where=_OPEN,
        sqlite_where=_OPEN,
    )
    with op.batch_alter_table("media") as batch:
        batch.add_column(sa.Column("phash", sa.String(16), nullable=True))
    with op.batch_alter_table("uploads") as batch:
        batch.add_column(sa.Column("phash", sa.String(16), nullable=True))
    op.create_index(
        "ix_media_phash",
        "media",
        ["created_at", "phash"],
        postgresql_where=_HASHED,
        sqlite_where=_HASHED,
    )
    if not sqlite:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            "CREATE INDEX IF NOT EXISTS ix_reports_similarity ON reports "
            f"USING gin (({_SIMILARITY_DOCUMENT}) gin_trgm_ops)"
        )


def downgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if not sqlite:
        op.drop_index("ix_reports_similarity", table_name="reports")
        # the extension stays: something else may use it, and dropping it needs no undo
    op.drop_index("ix_media_phash", table_name="media")
    with op.batch_alter_table("uploads") as batch:
        batch.drop_column("phash")
    with op.batch_alter_table("media") as batch:
        batch.drop_column("phash")
    op.drop_index("ix_reports_open_cells", table_name="reports")
    op.drop_index("ix_reports_merged_into", table_name="reports")
    op.drop_index("ix_reports_received_at", table_name="reports")
    with keeping_referencing_rows(), op.batch_alter_table("reports") as batch:
        batch.drop_constraint(batch.f("fk_reports_merged_into_reports"), type_="foreignkey")
        batch.drop_column("merged_into")
        batch.drop_column("place_cell")
    if sqlite:
        create_sqlite_triggers(bind)
