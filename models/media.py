"""A sanitised media file attached to a report. Only the clean copy is ever stored.

The storage key is random and says nothing about the reporter, the time or the original
file name; `notes` records how the file was cleaned (e.g. re-encoded), never metadata.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import EnumText, UTCDateTime, one_of, partial_index


class MediaKind(StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"


#: A photo's fingerprint (16 hex digits) in four pieces of 16 bits: two fingerprints at most
#: 4·r + 3 bits apart are at most r bits apart in one piece at least, so the photos near a
#: fingerprint are found by equality on the pieces (`moderation.duplicates`), each answered
#: by its own index within the time window, however many photos the window holds.
PHASH_PIECES = tuple(f"substr(phash, {4 * piece + 1}, 4)" for piece in range(4))
_HASHED = "phash IS NOT NULL"


class Media(SQLModel, table=True):
    __tablename__ = "media"
    __table_args__ = (
        sa.CheckConstraint(one_of("kind", list(MediaKind)), name="kind"),
        *(
            partial_index(
                f"ix_media_phash_{number}",
                sa.literal_column(piece).label(f"phash_{number}"),
                "created_at",
                where=_HASHED,
            )
            for number, piece in enumerate(PHASH_PIECES, start=1)
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    report_id: uuid.UUID = Field(
        sa_column=sa.Column(
            sa.Uuid, sa.ForeignKey("reports.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    kind: MediaKind = Field(sa_column=sa.Column(EnumText(MediaKind, 8), nullable=False))
    mime: str = Field(sa_column=sa.Column(sa.String(100), nullable=False))
    extension: str = Field(sa_column=sa.Column(sa.String(10), nullable=False))
    size_bytes: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    sha256: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    storage_key: str = Field(sa_column=sa.Column(sa.String(200), nullable=False, unique=True))
    reencoded: bool = Field(default=False, sa_column=sa.Column(sa.Boolean, nullable=False))
    notes: str = Field(default="", sa_column=sa.Column(sa.String(500), nullable=False))
    # A photo's perceptual hash (64-bit pHash, 16 hex digits) of the clean copy: two photos
    # of the same scene differ in few bits even after re-encoding, resizing or cropping.
    # Not a cryptographic hash and not metadata: it says what the picture looks like.
    phash: str | None = Field(default=None, sa_column=sa.Column(sa.String(16)))
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
