"""The pieces of an unfinished upload in the bucket (moto over HTTP) open only with the
server's key, for their own upload, at their own place in it."""

from __future__ import annotations

import uuid

import pytest

from core.hashing import KeyedHasher, keyed_hasher
from core.s3_pieces import S3Pieces
from core.sealing import Unsealable
from intake.uploads.pieces import Pieces, SealedPieces
from tests.conftest import make_settings
from tests.storage.conftest import REGION

SECRET = b"where the safe house is: 14 Calle Luna"


@pytest.fixture
def settings(tmp_path, s3_endpoint, bucket):
    return make_settings(
        tmp_path,
        None,
        media_backend="s3",
        s3_bucket=bucket,
        s3_endpoint_url=s3_endpoint,
        s3_region=REGION,
    )


def test_a_piece_opens_only_for_its_upload_its_place_and_the_key(settings, s3_admin, bucket):
    io = SealedPieces(S3Pieces.from_settings(settings), keyed_hasher(settings))
    upload = uuid.uuid4()
    segment = io.put_segment(upload, 0, SECRET)
    [stored] = s3_admin.list_objects_v2(Bucket=bucket)["Contents"]
    assert stored["Key"] == f"partial-uploads/{segment.name}"
    sealed = s3_admin.get_object(Bucket=bucket, Key=stored["Key"])["Body"].read()
    assert b"Calle Luna" not in sealed and len(sealed) == len(SECRET) + 28

    here = Pieces(segments=(segment,))
    assert io.read_segments(upload, here) == SECRET
    with pytest.raises(Unsealable):
        io.read_segments(uuid.uuid4(), here)  # named by another upload
    with pytest.raises(Unsealable):
        io.read_segments(upload, Pieces(parts=("a part",), segments=(segment,)))  # moved on
    with pytest.raises(Unsealable):
        SealedPieces(io.bucket, KeyedHasher(b"another server's key")).read_segments(upload, here)


@pytest.mark.parametrize("prefixes", [("media/", "media/partial/"), ("uploads/", "uploads/")])
def test_partial_uploads_never_share_the_media_prefix(settings, prefixes):
    media, partial = prefixes
    overlapping = settings.model_copy(update={"s3_prefix": media, "s3_upload_prefix": partial})
    with pytest.raises(ValueError, match="apart from s3_prefix"):
        S3Pieces.from_settings(overlapping)
