"""Duplicate suggestions at volume: the ±30-day window answered inside the indexes.

- `ix_reports_similarity` becomes a two-column GIN index, `received_at` (through the
  btree_gin extension) and the trigrams of the first 300 characters of the translation
  (or the original where none was needed). The text search then only walks the trigram
  posting lists within the window, where the one-column index walked them for every report
  ever received and threw away all but the window's afterwards: with a year of reports
  the old index read six times the posting lists it needed, and more every month.
- `ix_reports_position`: latitude, longitude and received_at, so "reports near this one,
  in the window" is one index range over a band of latitude, filtered on the index tuples
  alone, with only the matches read from the table (it read every report of the window).

Both are PostgreSQL only where they need extensions: SQLite has no trigram index (the
duplicates module bounds its work there) but gets the position index.

Revision ID: 0024
Revises: 0021
Create Date: 2026-11-30 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0024"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SIMILARITY_DOCUMENT = '"left"(COALESCE(translated_text, text), 300)'


def upgrade() -> None:
    op.create_index("ix_reports_position", "reports", ["latitude", "longitude", "received_at"])
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    op.drop_index("ix_reports_similarity", table_name="reports")
    op.execute(
        "CREATE INDEX ix_reports_similarity ON reports "
        f"USING gin (received_at, ({_SIMILARITY_DOCUMENT}) gin_trgm_ops)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_index("ix_reports_similarity", table_name="reports")
        op.execute(
            "CREATE INDEX ix_reports_similarity ON reports "
            f"USING gin (({_SIMILARITY_DOCUMENT}) gin_trgm_ops)"
        )
        # btree_gin stays, like pg_trgm: something else may use it
    op.drop_index("ix_reports_position", table_name="reports")
