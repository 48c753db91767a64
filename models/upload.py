"""A resumable (tus) upload, from its first byte until a report takes its clean media.

Lifecycle: `receiving` (bytes arrive into a partial file outside media storage, whose
size is the offset; or, with uploads kept in the bucket, into sealed pieces there, whose
bytes the row counts in `received`) → `processing` (complete, being sanitised) →
`ready` (the clean copy is in media storage; the row holds only the clean media's facts)
or `refused` (with the sanitiser's fixed reason) → `attached` (a report took it; the row
is dropped at the next sweep). Unfinished, refused and never-attached uploads are deleted
at `expires_at`.

The id is a random UUID and is the only capability: nothing here identifies the uploader.
No file name or client metadata is kept, no creation time either; `expires_at` is kept to
the minute so it cannot be matched to a network log entry.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import EnumText, UTCDateTime, one_of
from models.media import MediaKind


class UploadStatus(StrEnum):
    RECEIVING = "receiving"
    PROCESSING = "processing"
    READY = "ready"
    REFUSED = "refused"
    ATTACHED = "attached"


#: Not yet sanitised: bytes are arriving, or the whole file is being sanitised.
UNFINISHED = (UploadStatus.RECEIVING, UploadStatus.PROCESSING)


class Upload(SQLModel, table=True):
    __tablename__ = "uploads"
    __table_args__ = (
        sa.CheckConstraint(one_of("status", list(UploadStatus)), name="status"),
        sa.CheckConstraint("kind IS NULL OR " + one_of("kind", list(MediaKind)), name="kind"),
        sa.CheckConstraint("length > 0", name="length"),
        sa.Index("ix_uploads_expiry", "status", "expires_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    status: UploadStatus = Field(
        default=UploadStatus.RECEIVING,
        sa_column=sa.Column(EnumText(UploadStatus), nullable=False),
    )
    length: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    expires_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))

    # Only once sanitised: the clean copy's facts, as a Media row will hold them.
    kind: MediaKind | None = Field(default=None, sa_column=sa.Column(EnumText(MediaKind, 8)))
    mime: str | None = Field(default=None, sa_column=sa.Column(sa.String(100)))
    extension: str | None = Field(default=None, sa_column=sa.Column(sa.String(10)))
    size_bytes: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger))
    sha256: str | None = Field(default=None, sa_column=sa.Column(sa.String(64)))
    storage_key: str | None = Field(default=None, sa_column=sa.Column(sa.String(200), unique=True))
    reencoded: bool | None = Field(default=None, sa_column=sa.Column(sa.Boolean))
    notes: str | None = Field(default=None, sa_column=sa.Column(sa.String(500)))
    phash: str | None = Field(default=None, sa_column=sa.Column(sa.String(16)))
    refusal: str | None = Field(default=None, sa_column=sa.Column(sa.String(500)))

    # Only while unfinished with the uploads kept in the S3 bucket (`intake.uploads.shared`):
    # the bytes stored there so far (the offset; in a local folder the file's size is), the
    # sealed pieces holding them, and the lease of the request appending to them (a PATCH on
    # any host; whole minutes, like every time that follows a reporter's action).
    received: int = Field(
        default=0, sa_column=sa.Column(sa.BigInteger, nullable=False, server_default="0")
    )
    pieces: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(sa.JSON))
    lease_token: str | None = Field(default=None, sa_column=sa.Column(sa.String(32)))
    lease_until: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime))
