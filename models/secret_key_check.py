"""Which secret key the database was set up with: one row, a keyed fingerprint of the key
(`migrations.secret_key`), never the key. Every process that opens the database compares
its own key's fingerprint with it before it hashes a receipt, a token or an API key."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime

#: The only row's id: a database is set up with one key at a time.
THE_ROW = 1


class SecretKeyCheck(SQLModel, table=True):
    __tablename__ = "secret_key_checks"
    __table_args__ = (sa.CheckConstraint(f"id = {THE_ROW}", name="one_row"),)

    id: int = Field(
        default=THE_ROW, sa_column=sa.Column(sa.SmallInteger, primary_key=True, autoincrement=False)
    )
    #: HMAC-SHA256 of a fixed label under the key, hex: tells keys apart, reveals none.
    fingerprint: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    recorded_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
