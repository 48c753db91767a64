"""Uses of each App Check token, so a token lifted from one phone cannot carry a flood.

Keyed by a keyed hash of the token (never the token); a row is forgotten once the token
has expired, since an expired token is refused anyway.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime


class AppCheckTokenUse(SQLModel, table=True):
    __tablename__ = "app_check_token_uses"

    token_hash: str = Field(sa_column=sa.Column(sa.String(64), primary_key=True))
    uses: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    expires_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False, index=True))
