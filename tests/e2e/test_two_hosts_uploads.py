"""Two hosts behind a load balancer without sticky routing, for real: two `stop-intake
serve` processes, each with its own data folder, on one PostgreSQL database and one
S3-compatible server (moto over HTTP). A phone begins a tus upload of a 12 MB camera photo
on host A; host A then dies (SIGKILL); host B tells where to resume, takes the rest, and
accepts the report that lists the upload. The bucket never holds a readable byte of the
original, and nothing of the partial upload once it is finished.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import empty_pg_database
from tests.e2e.test_serve import (
    CLIENT_ADDRESS,
    USER_AGENT,
    assert_nothing_identifying,
    base_env,
    free_port,
    process,
    run_cli,
    wait_for_health,
)
from tests.factories import new_report
from tests.media.oracle import leaks
from tests.storage.conftest import (  # noqa: F401 (fixtures)
    REGION,
    aws_credentials,
    bucket,
    s3_admin,
    s3_endpoint,
)
from tests.storage.partial_uploads import (
    camera_photo,
    original_traces,
    stored_bytes,
    upload_leftovers,
)

pytestmark = pytest.mark.slow

TUS = {"Tus-Resumable": "1.0.0"}
MiB = 1024 * 1024


@pytest.fixture
async def database() -> AsyncIterator[str]:
    async with empty_pg_database("stop_e2e") as url:
        yield url


def host_env(data_dir: Path, database: str, endpoint: str, bucket_name: str) -> dict[str, str]:
    """One host's environment: its own data folder, the shared database, bucket and secret
    (and the fake S3 credentials the `aws_credentials` fixture put in this environment)."""
    return base_env(data_dir) | {
        "STOP_DATABASE_URL": database,
        "STOP_SECRET_KEY": "the same secret on every host",
        "STOP_MEDIA_BACKEND": "s3",
        "STOP_S3_BUCKET": bucket_name,
        "STOP_S3_ENDPOINT_URL": endpoint,
        "STOP_S3_REGION": REGION,
    }


def phone(base: str) -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(local_address=CLIENT_ADDRESS)
    return httpx.AsyncClient(
        base_url=base, transport=transport, headers={"User-Agent": USER_AGENT}, timeout=120
    )


async def patch(base: str, url: str, data: bytes, offset: int) -> httpx.Response:
    headers = TUS | {
        "Upload-Offset": str(offset),
        "Content-Type": "application/offset+octet-stream",
    }
    async with phone(base) as http:
        return await http.patch(url, content=data, headers=headers)


async def offset_at(base: str, url: str) -> int:
    async with phone(base) as http:
        answer = await http.head(url, headers=TUS)
    assert answer.status_code == 200, answer.status_code
    return int(answer.headers["Upload-Offset"])


async def test_an_upload_begun_on_host_a_is_finished_on_host_b(
    tmp_path,
    database,
    s3_endpoint,  # noqa: F811 (the fixture)
    s3_admin,  # noqa: F811 (the fixture)
    bucket,  # noqa: F811 (the fixture)
):
    env_a = host_env(tmp_path / "a", database, s3_endpoint, bucket)
    env_b = host_env(tmp_path / "b", database, s3_endpoint, bucket)
    run_cli(env_a, "migrate")
    photo = camera_photo(tmp_path)
    port_a, port_b = free_port(), free_port()
    host_a, host_b = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    first = 7 * MiB + 4321  # a whole part and a segment

    with (
        process(env_a, logs[0], "serve", "--port", str(port_a), "--workers", "1") as proc_a,
        process(env_b, logs[1], "serve", "--port", str(port_b), "--workers", "1"),
    ):
        await wait_for_health(host_a)
        await wait_for_health(host_b)
        async with phone(host_a) as http:
            created = await http.post(
                "/v1/uploads", headers=TUS | {"Upload-Length": str(len(photo))}
            )
        assert created.status_code == 201, created.text
        url = created.headers["Location"]
        begun = await patch(host_a, url, photo[:first], 0)
        assert begun.status_code == 204, begun.text

        proc_a.kill()  # host A dies; whatever it kept is in the bucket, sealed
        proc_a.wait(timeout=30)
        assert original_traces(stored_bytes(s3_admin, bucket), photo) == []
        assert await offset_at(host_b, url) == first

        middle = first + 3 * MiB
        for offset, end in ((first, middle), (middle, len(photo))):
            answer = await patch(host_b, url, photo[offset:end], offset)
            assert answer.status_code == 204, answer.text
        assert answer.headers["Upload-Offset"] == str(len(photo))
        assert upload_leftovers(s3_admin, bucket) == []

        report = new_report(uploads=[url.rsplit("/", 1)[1]])
        async with phone(host_b) as http:
            accepted = await http.post("/v1/reports", json=report)
        assert accepted.status_code == 201, accepted.text

    [media] = s3_admin.list_objects_v2(Bucket=bucket, Prefix="media/")["Contents"]
    clean = tmp_path / "as-stored.jpg"
    clean.write_bytes(s3_admin.get_object(Bucket=bucket, Key=media["Key"])["Body"].read())
    assert leaks(clean) == []
    assert upload_leftovers(s3_admin, bucket) == []
    assert_nothing_identifying(*(log.read_bytes() for log in logs))
    for folder in (tmp_path / "a" / "uploads", tmp_path / "b" / "uploads"):
        assert not [path for path in folder.rglob("*") if path.is_file()]
