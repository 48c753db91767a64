"""A real S3-compatible server (moto in server mode) on loopback, and a bucket per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

REGION = "eu-central-1"


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials through boto3's ordinary chain, as production would use real ones."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")


@pytest.fixture
def s3_admin(s3_endpoint: str, aws_credentials: None) -> Any:
    """A plain boto3 client to look at the bucket from outside the code under test."""
    return boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION)


@pytest.fixture
def bucket(s3_admin: Any) -> str:
    name = f"stop-media-{uuid.uuid4().hex[:12]}"
    s3_admin.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    return name
