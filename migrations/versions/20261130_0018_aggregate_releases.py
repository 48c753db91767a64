"""Private aggregates: `aggregate_releases`, one row per differentially private release
(its epsilon, client, dimensions, hour and released counts), which the privacy budget
sums and the cache of repeated queries reads.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "aggregate_releases",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hub_client_id", sa.Uuid(), nullable=True),
        sa.Column("query_key", sa.String(64), nullable=False),
        sa.Column("dimensions", sa.JSON(), nullable=False),
        sa.Column("query", sa.JSON(), nullable=False),
        sa.Column("epsilon", sa.Float(), nullable=False),
        sa.Column("contribution_bound", sa.Integer(), nullable=False),
        sa.Column("scale", sa.Float(), nullable=False),
        sa.Column("cells", sa.JSON(), nullable=False),
        sa.CheckConstraint("epsilon > 0", name=op.f("ck_aggregate_releases_epsilon_positive")),
        sa.CheckConstraint(
            "contribution_bound >= 1",
            name=op.f("ck_aggregate_releases_contribution_bound_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["hub_client_id"],
            ["hub_clients.id"],
            name=op.f("fk_aggregate_releases_hub_client_id_hub_clients"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aggregate_releases")),
    )
    for column in ("released_at", "hub_client_id", "query_key"):
        op.create_index(op.f(f"ix_aggregate_releases_{column}"), "aggregate_releases", [column])


def downgrade() -> None:
    for column in ("query_key", "hub_client_id", "released_at"):
        op.drop_index(op.f(f"ix_aggregate_releases_{column}"), table_name="aggregate_releases")
    op.drop_table("aggregate_releases")
