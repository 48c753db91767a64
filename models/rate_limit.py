"""Rate-limit state shared by every API process (`intake.protection.ratelimit` says how).

`rate_limit_keys` holds one random salt per UTC day; the day's hashing key is derived
from it and the service's secret key. `rate_limit_buckets` holds, per limit and keyed
hash of a client, the GCRA state of each of the limit's rates: the "theoretical arrival
time" of the next request, in seconds since the start of the bucket's day. Neither holds
an address. Both are UNLOGGED on PostgreSQL (migration 0025): they are not written to the
WAL, so they reach no replica, base backup or archived log, and a crash empties them,
which only resets the limits.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

#: Rates one limit may have (`10/minute, 60/hour` is two): one column each.
MAX_RATES = 3


class RateLimitKey(SQLModel, table=True):
    __tablename__ = "rate_limit_keys"

    day: int = Field(sa_column=sa.Column(sa.Integer, primary_key=True, autoincrement=False))
    salt: bytes = Field(sa_column=sa.Column(sa.LargeBinary(32), nullable=False))


class RateLimitBucket(SQLModel, table=True):
    __tablename__ = "rate_limit_buckets"

    limit_name: str = Field(sa_column=sa.Column(sa.String(20), primary_key=True))
    subject: bytes = Field(sa_column=sa.Column(sa.LargeBinary(16), primary_key=True))
    day: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    tat_1: float = Field(sa_column=sa.Column(sa.Double, nullable=False))
    tat_2: float | None = Field(default=None, sa_column=sa.Column(sa.Double, nullable=True))
    tat_3: float | None = Field(default=None, sa_column=sa.Column(sa.Double, nullable=True))
    #: When every rate's bucket is full again (the row then means no more than no row).
    expires_at: float = Field(sa_column=sa.Column(sa.Double, nullable=False))
    #: The last request's verdict: 0 when it was counted, else seconds until it would fit.
    refused_for: float = Field(sa_column=sa.Column(sa.Double, nullable=False))
