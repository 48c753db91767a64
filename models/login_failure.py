"""Failed logins in a row per username, so guessing a password online is slow.

Keyed by a keyed hash of the normalised username as typed, whether or not such an account
exists: an unknown name is throttled exactly like a known one, and the table holds no
typed name. Rows are forgotten a day after their last attempt.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime


class LoginFailure(SQLModel, table=True):
    __tablename__ = "login_failures"

    name_hash: str = Field(sa_column=sa.Column(sa.String(64), primary_key=True))
    # Attempts are counted before the password is checked, and the row is deleted when one
    # succeeds: what remains is the number of failures in a row.
    failures: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    last_attempt_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False, index=True))
    # No attempt for this name is checked before then (429 with Retry-After).
    blocked_until: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime))
