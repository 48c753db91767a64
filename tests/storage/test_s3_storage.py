"""The S3 backend against a real S3-compatible server over HTTP (moto's server mode)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.settings import Settings
from core.storage import KEY_PATTERN, MediaNotFound, S3MediaStorage, build_storage
from tests.storage.conftest import REGION

CONTENT = bytes(range(256)) * 4096  # 1 MiB of clean audio, say


@pytest.fixture
def clean_file(tmp_path: Path) -> Path:
    path = tmp_path / "voice-note-2024-05-01-from-ana.m4a"
    path.write_bytes(CONTENT)
    return path


def s3_settings(endpoint: str, bucket: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "media_backend": "s3",
        "s3_bucket": bucket,
        "s3_prefix": "media/",
        "s3_endpoint_url": endpoint,
        "s3_region": REGION,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture
def store(s3_endpoint: str, bucket: str, aws_credentials: None) -> S3MediaStorage:
    storage = build_storage(s3_settings(s3_endpoint, bucket))
    assert isinstance(storage, S3MediaStorage)
    return storage


def test_stored_object_holds_exactly_the_bytes_under_the_prefix(
    store: S3MediaStorage, s3_admin: Any, bucket: str, clean_file: Path
) -> None:
    key = store.put(clean_file, extension="m4a", mime="audio/mp4")
    stored = s3_admin.get_object(Bucket=bucket, Key=f"media/{key}")
    assert stored["Body"].read() == CONTENT
    assert stored["ContentType"] == "audio/mp4"
    assert store.get(key) == CONTENT
    with store.open(key) as stream:
        assert stream.read(10) == CONTENT[:10]
    assert store.exists(key)


def test_object_is_encrypted_and_carries_no_metadata(
    store: S3MediaStorage, s3_admin: Any, bucket: str, clean_file: Path
) -> None:
    key = store.put(clean_file, extension="m4a", mime="audio/mp4")
    head = s3_admin.head_object(Bucket=bucket, Key=f"media/{key}")
    assert head["ServerSideEncryption"] == "AES256"
    assert head["Metadata"] == {}
    assert "ContentDisposition" not in head


def test_kms_encryption_uses_the_configured_key(
    s3_endpoint: str, bucket: str, s3_admin: Any, clean_file: Path, aws_credentials: None
) -> None:
    kms_key = "arn:aws:kms:eu-central-1:123456789012:key/stop-media"
    store = build_storage(
        s3_settings(s3_endpoint, bucket, s3_sse="aws:kms", s3_sse_kms_key_id=kms_key)
    )
    key = store.put(clean_file, extension="m4a", mime="audio/mp4")
    head = s3_admin.head_object(Bucket=bucket, Key=f"media/{key}")
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"] == kms_key


def test_large_video_goes_up_in_parts_and_is_encrypted_too(
    store: S3MediaStorage, s3_admin: Any, bucket: str, tmp_path: Path
) -> None:
    video = tmp_path / "video.mp4"
    content = CONTENT * 9  # above boto3's 8 MiB multipart threshold
    video.write_bytes(content)
    key = store.put(video, extension="mp4", mime="video/mp4")
    head = s3_admin.head_object(Bucket=bucket, Key=f"media/{key}")
    assert "-" in head["ETag"]  # a multipart upload's ETag
    assert head["ServerSideEncryption"] == "AES256"
    assert head["Metadata"] == {}
    assert store.get(key) == content


def test_object_names_reveal_nothing_about_the_file(
    store: S3MediaStorage, s3_admin: Any, bucket: str, clean_file: Path
) -> None:
    keys = {store.put(clean_file, extension="m4a", mime="audio/mp4") for _ in range(5)}
    listed = {item["Key"] for item in s3_admin.list_objects_v2(Bucket=bucket)["Contents"]}
    assert listed == {f"media/{key}" for key in keys}
    for key in keys:
        assert KEY_PATTERN.match(key)
        for hint in ("voice", "ana", "2024", "note"):
            assert hint not in key


def test_delete_removes_the_object_and_may_be_repeated(
    store: S3MediaStorage, s3_admin: Any, bucket: str, clean_file: Path
) -> None:
    key = store.put(clean_file, extension="m4a", mime="audio/mp4")
    store.delete(key)
    store.delete(key)
    assert not store.exists(key)
    assert s3_admin.list_objects_v2(Bucket=bucket).get("KeyCount") == 0
    with pytest.raises(MediaNotFound):
        store.get(key)


def test_foreign_keys_are_refused_without_asking_the_server(store: S3MediaStorage) -> None:
    with pytest.raises(MediaNotFound):
        store.get("../other-bucket/object")
    assert not store.exists("anything.jpg")
