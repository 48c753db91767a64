"""Duplicate suggestions whose cost does not grow with the window (issue 11's benchmark):

- `report_bands`: the MinHash band keys of each report's compared text
  (`models.report_band`), primary key (band_key, received_at, report_id) so that a lookup
  of a report's keys in its window is read from the index alone, and an index on
  report_id to replace or erase a report's keys. Filled here for the reports already
  stored (`migrations.similarity_keys`: about a minute for 200,000 reports on 2 cores).
- PostgreSQL: `ix_reports_similarity` (the GIN trigram index, whose posting lists of
  frequent trigrams were the cost) is dropped; `ix_reports_nearby`, a GiST index over the
  position and the received time (btree_gist), reads the reports nearest to a report in its
  window nearest first and stops after the few wanted.
- `ix_reports_position` is dropped (nothing reads it any more: SQLite sorts the window).
- `ix_media_phash` becomes `ix_media_phash_1` … `_4`: the four 16-bit pieces of a photo's
  fingerprint with the time, so the photos within 10 bits of one are found by equality on
  a piece instead of by reading every photo of the window.

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-30 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.similarity_keys import fill_band_keys

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_HASHED = sa.text("phash IS NOT NULL")
_PLACED = "latitude IS NOT NULL AND longitude IS NOT NULL"
_SIMILARITY_DOCUMENT = '"left"(COALESCE(translated_text, text), 300)'


def _phash_pieces() -> None:
    for number in range(1, 5):
        op.create_index(
            f"ix_media_phash_{number}",
            "media",
            [sa.text(f"substr(phash, {4 * number - 3}, 4)"), "created_at"],
            postgresql_where=_HASHED,
            sqlite_where=_HASHED,
        )


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    key = ["band_key", "received_at", "report_id"]
    op.create_table(
        "report_bands",
        sa.Column("band_key", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_report_bands_report_id_reports"),
            ondelete="CASCADE",
        ),
        # PostgreSQL builds the key's index after the rows are in, far faster than row by row
        *([sa.PrimaryKeyConstraint(*key, name=op.f("pk_report_bands"))] if sqlite else []),
    )
    fill_band_keys(bind)
    if not sqlite:
        op.create_primary_key(op.f("pk_report_bands"), "report_bands", key)
    op.create_index("ix_report_bands_report_id", "report_bands", ["report_id"])
    op.drop_index("ix_reports_position", table_name="reports")
    op.drop_index("ix_media_phash", table_name="media")
    _phash_pieces()
    if sqlite:
        return
    op.drop_index("ix_reports_similarity", table_name="reports")
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.execute(
        "CREATE INDEX ix_reports_nearby ON reports "
        f"USING gist (point(longitude, latitude), received_at) WHERE {_PLACED}"
    )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_index("ix_reports_nearby", table_name="reports")
        # btree_gist stays, like btree_gin and pg_trgm: something else may use it
        op.execute(
            "CREATE INDEX ix_reports_similarity ON reports "
            f"USING gin (received_at, ({_SIMILARITY_DOCUMENT}) gin_trgm_ops)"
        )
    for number in range(1, 5):
        op.drop_index(f"ix_media_phash_{number}", table_name="media")
    op.create_index(
        "ix_media_phash",
        "media",
        ["created_at", "phash"],
        postgresql_where=_HASHED,
        sqlite_where=_HASHED,
    )
    op.create_index("ix_reports_position", "reports", ["latitude", "longitude", "received_at"])
    op.drop_index("ix_report_bands_report_id", table_name="report_bands")
    op.drop_table("report_bands")
