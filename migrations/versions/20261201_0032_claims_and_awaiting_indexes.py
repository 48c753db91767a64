"""Two small partial indexes on `reports`, each for a list that would otherwise read every
open or decided report:

- `ix_reports_claims` (claim_expires_at, claimed_by) over the claimed reports: the
  queue's `claimed=me` and `claimed=others` filters read the live claims as the range
  after now (at 200,000 reports a page took about 200 ms, scanning every open report;
  about 10 ms with the index).
- `ix_reports_awaiting` (decided_at, id) over the approvals waiting for a lead: the
  console's waiting list in its order, a page a short range from its cursor (it scanned
  `ix_reports_decided_at` past every decision older than the oldest waiting approval).

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-01 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As in models/report.py (`CLAIMED`, `AWAITING`), spelt out: a migration never changes
# with the models.
_CLAIMED = sa.text("claimed_by IS NOT NULL")
_AWAITING = sa.text("status IN ('awaiting_lead')")


def upgrade() -> None:
    op.create_index(
        "ix_reports_claims",
        "reports",
        ["claim_expires_at", "claimed_by"],
        postgresql_where=_CLAIMED,
        sqlite_where=_CLAIMED,
    )
    op.create_index(
        "ix_reports_awaiting",
        "reports",
        ["decided_at", "id"],
        postgresql_where=_AWAITING,
        sqlite_where=_AWAITING,
    )


def downgrade() -> None:
    op.drop_index("ix_reports_awaiting", table_name="reports")
    op.drop_index("ix_reports_claims", table_name="reports")
