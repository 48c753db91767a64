"""For tests of resumable uploads kept in the bucket: a large camera photo, and what the
S3-compatible server (moto, running in the test process) holds of a bucket, read from
outside the code under test: every object, and the parts of multipart uploads not yet
completed, which S3's API lets no one read back (moto's own store does: the test reads
the server's "disk").
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.s3.models import s3_backends
from PIL import Image

from tests.media import builders
from tests.media.oracle import PLANTED

UPLOAD_PREFIX = "partial-uploads/"
EXIF_MARKER = b"Exif\x00\x00"


def camera_photo(folder: Path) -> bytes:
    """A 13-megapixel camera JPEG (about 12 MB: more than two 5 MiB parts) with GPS, serial
    numbers and the other planted identifiers of `tests.media.builders`."""
    noise = Image.frombytes("RGB", (4200, 3200), os.urandom(4200 * 3200 * 3))
    data = builders.jpeg(folder, "IMG_20240501_at_the_farm.jpg", image=noise).read_bytes()
    assert len(data) > 12_000_000 and EXIF_MARKER in data
    return data


def stored_bytes(s3_admin: Any, bucket: str) -> dict[str, bytes]:
    """Every object's bytes and every unfinished multipart upload's parts, by name."""
    found = {}
    for page in s3_admin.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for entry in page.get("Contents", []):
            body = s3_admin.get_object(Bucket=bucket, Key=entry["Key"])["Body"]
            found[entry["Key"]] = body.read()
    for upload in s3_backends[DEFAULT_ACCOUNT_ID]["aws"].buckets[bucket].multiparts.values():
        for number, part in upload.parts.items():
            found[f"{upload.key_name} (part {number}, unfinished)"] = part.value
    return found


def original_traces(found: dict[str, bytes], original: bytes) -> list[str]:
    """`name: what` for each piece of the original readable in the bucket: the EXIF
    marker, a planted identifier (`tests.media.oracle.PLANTED`), or any of 64 stretches of
    32 bytes taken across the whole original file (its header, metadata and pixels)."""
    step = max(1, (len(original) - 32) // 63)
    stretches = {original[at : at + 32] for at in range(0, len(original) - 32, step)}
    markers = [EXIF_MARKER, *PLANTED, *sorted(stretches)]
    return [
        f"{name}: {marker[:16]!r}"
        for name, blob in found.items()
        for marker in markers
        if marker in blob
    ]


def upload_leftovers(s3_admin: Any, bucket: str) -> list[str]:
    """Objects and unfinished multipart uploads under the partial uploads' prefix."""
    listed = s3_admin.list_objects_v2(Bucket=bucket, Prefix=UPLOAD_PREFIX).get("Contents", [])
    multiparts = s3_admin.list_multipart_uploads(Bucket=bucket, Prefix=UPLOAD_PREFIX)
    return [entry["Key"] for entry in listed] + [
        f"multipart upload of {entry['Key']}" for entry in multiparts.get("Uploads", [])
    ]
