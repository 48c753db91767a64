"""Hub client lifecycle: scopes, a previous key valid until the end of a rotation's
overlap, the hour a client was last seen, and when it was revoked.

Existing clients get the scope `incidents:read`, the only thing they could read before.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "hub_clients",
        sa.Column("scopes", sa.JSON(), nullable=False, server_default='["incidents:read"]'),
    )
    op.add_column("hub_clients", sa.Column("previous_key_hash", sa.String(64), nullable=True))
    op.add_column(
        "hub_clients",
        sa.Column("previous_key_expires_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "hub_clients", sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("hub_clients", sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        op.f("ix_hub_clients_previous_key_hash"),
        "hub_clients",
        ["previous_key_hash"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_hub_clients_previous_key_hash"), table_name="hub_clients")
    with op.batch_alter_table("hub_clients") as batch:
        batch.drop_column("revoked_at")
        batch.drop_column("last_seen_at")
        batch.drop_column("previous_key_expires_at")
        batch.drop_column("previous_key_hash")
        batch.drop_column("scopes")
