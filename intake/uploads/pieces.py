"""The sealed pieces an unfinished upload is kept as in the bucket, and how they are read
and written (synchronous boto3 calls: run them in a worker thread).

An upload's bytes `[0, received)` are, in order:

- parts of one S3 multipart upload (`<upload hex>/parts`), each exactly `part_bytes` of the
  file (5 MiB, S3's smallest part but the last), sealed;
- then segments, `<upload hex>/<random hex>` objects, each one PATCH's bytes (or several
  joined), sealed, together under `part_bytes`. Once a part's worth has arrived they are
  read back, joined with the new bytes into the next part, and deleted. So any chunk size
  works, each byte is written at most twice, and at most a part's worth sits in memory.

Each piece is sealed on its own (AES-256-GCM, `core.sealing`, a key derived from the server
secret for this purpose alone) with the upload's id, the piece's name and its byte range as
associated data: the bucket holds no readable byte of the original media, and a piece moved
to another upload or place does not open. The row's `pieces` column names them all, so
whatever it does not name is a leftover (`intake.uploads.shared` sweeps those).
"""

from __future__ import annotations

import os
import secrets
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from core.hashing import KeyedHasher
from core.s3_pieces import S3Pieces, read_exactly
from core.sealing import SEAL_OVERHEAD, Sealer

#: Bytes of the file per multipart part (S3 wants at least 5 MiB for all but the last).
PART_BYTES = 5 * 1024 * 1024
#: Segments kept at most; a PATCH past it joins them all into one (tiny PATCHes cannot
#: make reading them back cost thousands of requests).
MAX_SEGMENTS = 32
SEALING_PURPOSE = "partial-upload"
PARTS_NAME = "parts"


@dataclass(frozen=True)
class Segment:
    name: str
    size: int


@dataclass(frozen=True)
class Pieces:
    """What the row's `pieces` column says: the multipart upload and its parts' ETags,
    then the segments after them."""

    part_bytes: int = PART_BYTES
    multipart: str | None = None
    parts: tuple[str, ...] = ()
    segments: tuple[Segment, ...] = field(default=())

    @classmethod
    def from_column(cls, value: dict[str, Any] | None) -> Pieces:
        if not value:
            return cls()
        return cls(
            part_bytes=int(value["part_bytes"]),
            multipart=value.get("multipart"),
            parts=tuple(value.get("parts", ())),
            segments=tuple(Segment(name, int(size)) for name, size in value.get("segments", ())),
        )

    def to_column(self) -> dict[str, Any]:
        return {
            "part_bytes": self.part_bytes,
            "multipart": self.multipart,
            "parts": list(self.parts),
            "segments": [[segment.name, segment.size] for segment in self.segments],
        }

    @property
    def parts_end(self) -> int:
        """Where the parts end and the segments begin."""
        return len(self.parts) * self.part_bytes

    @property
    def segment_bytes(self) -> int:
        return sum(segment.size for segment in self.segments)

    @property
    def size(self) -> int:
        return self.parts_end + self.segment_bytes

    def names(self, upload_id: uuid.UUID, name: str) -> bool:
        """Is `name` one of these pieces (a segment, or the parts joined or to be)?"""
        return name == SealedPieces.parts_name(upload_id) or any(
            segment.name == name for segment in self.segments
        )

    def with_part(self, multipart: str, etag: str) -> Pieces:
        """The segments folded into a new part (the caller deletes their objects)."""
        return replace(self, multipart=multipart, parts=(*self.parts, etag), segments=())

    def with_segments(self, segments: tuple[Segment, ...]) -> Pieces:
        return replace(self, segments=segments)


def upload_of(name: str) -> uuid.UUID | None:
    """The upload an object name belongs to, or None for a name that is not ours."""
    try:
        return uuid.UUID(hex=name.split("/", 1)[0])
    except ValueError:
        return None


class SealedPieces:
    """Sealing and the bucket together: pieces go in sealed and come out in clear."""

    def __init__(self, bucket: S3Pieces, hasher: KeyedHasher) -> None:
        self.bucket = bucket
        self._sealer = Sealer(hasher, SEALING_PURPOSE)

    @staticmethod
    def parts_name(upload_id: uuid.UUID) -> str:
        return f"{upload_id.hex}/{PARTS_NAME}"

    def put_segment(self, upload_id: uuid.UUID, start: int, data: bytes) -> Segment:
        """Store `data`, the upload's bytes from `start`, as a new segment."""
        segment = Segment(f"{upload_id.hex}/{secrets.token_hex(16)}", len(data))
        context = _segment_context(upload_id, segment, start)
        self.bucket.put(segment.name, self._sealer.seal_bytes(data, context))
        return segment

    def read_segments(self, upload_id: uuid.UUID, pieces: Pieces) -> bytes:
        """The segments' bytes in clear, in order (`Unsealable` or `PieceMissing` if one
        was tampered with, moved or lost)."""
        data, start = bytearray(), pieces.parts_end
        for segment in pieces.segments:
            sealed = self.bucket.get(segment.name)
            data += self._sealer.open_bytes(sealed, _segment_context(upload_id, segment, start))
            start += segment.size
        return bytes(data)

    def put_part(self, upload_id: uuid.UUID, pieces: Pieces, data: bytes) -> tuple[str, str]:
        """Store `data` (a part's worth, from `pieces.parts_end`) as the next part; the
        multipart upload's id (begun for the first part) and the part's ETag."""
        name = self.parts_name(upload_id)
        multipart = pieces.multipart or self.bucket.start_multipart(name)
        number = len(pieces.parts) + 1
        context = _part_context(upload_id, number, pieces.parts_end, len(data))
        etag = self.bucket.upload_part(
            name, multipart, number, self._sealer.seal_bytes(data, context)
        )
        return multipart, etag

    def write_whole(self, upload_id: uuid.UUID, pieces: Pieces, target: Path) -> None:
        """Join the parts, then read the parts and segments back into a new private file
        (0600), in clear, a part at a time."""
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            if pieces.parts:
                name = self.parts_name(upload_id)
                assert pieces.multipart is not None
                self.bucket.complete_multipart(name, pieces.multipart, list(pieces.parts))
                with self.bucket.open(name) as stream:
                    for number in range(1, len(pieces.parts) + 1):
                        sealed = read_exactly(stream, pieces.part_bytes + SEAL_OVERHEAD)
                        start = (number - 1) * pieces.part_bytes
                        context = _part_context(upload_id, number, start, pieces.part_bytes)
                        out.write(self._sealer.open_bytes(sealed, context))
            out.write(self.read_segments(upload_id, pieces))

    def delete_segments(self, segments: tuple[Segment, ...]) -> None:
        for segment in segments:
            self.bucket.delete(segment.name)

    def delete_all(self, upload_id: uuid.UUID, pieces: Pieces) -> None:
        """Every piece of the upload: its segments, its multipart upload (aborted, with its
        parts) or the object the parts were joined into."""
        self.delete_segments(pieces.segments)
        name = self.parts_name(upload_id)
        if pieces.multipart:
            self.bucket.abort_multipart(name, pieces.multipart)
        self.bucket.delete(name)


def _segment_context(upload_id: uuid.UUID, segment: Segment, start: int) -> str:
    return f"upload {upload_id} segment {segment.name} bytes {start}+{segment.size}"


def _part_context(upload_id: uuid.UUID, number: int, start: int, size: int) -> str:
    return f"upload {upload_id} part {number} bytes {start}+{size}"
