"""Two API hosts behind a load balancer without sticky routing: two real `stop-intake
serve` processes, each with its own data folder, on one PostgreSQL database and one
S3-compatible server (moto in server mode), with requests alternating between them.

- a client's rate limit is one limit across both hosts;
- a report sent to one host is read back with its receipt on the other, and a retry of
  it on the other host is answered from the first without storing anything again;
- media sent through one host are stored once in S3;
- neither host keeps the client's address anywhere in the database or its output.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import AsyncIterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import boto3
import httpx
import pytest

from tests.conftest import empty_pg_database
from tests.e2e.test_serve import (
    CLI,
    base_env,
    dump_database,
    free_port,
    process,
    run_cli,
    wait_for_health,
)
from tests.factories import new_report
from tests.media import builders
from tests.storage.conftest import REGION, s3_endpoint  # noqa: F401 (a fixture)

pytestmark = pytest.mark.slow

SUBMIT_LIMIT = 4  # per minute, per client, across both hosts
S3_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@dataclass(frozen=True)
class TwoHosts:
    """Base URLs of two API hosts sharing one database and one bucket."""

    a: str
    b: str
    database_url: str
    bucket: str
    s3: Any  # a boto3 client, to look at the bucket from outside
    logs: tuple[Path, Path]  # each host's output
    env: dict[str, str]  # the settings both hosts share, STOP_SECRET_KEY among them

    def clients(self, address: str) -> tuple[httpx.AsyncClient, httpx.AsyncClient]:
        """A client of each host, both from one loopback address: one client to the limiter."""
        a, b = (
            httpx.AsyncClient(
                base_url=base,
                transport=httpx.AsyncHTTPTransport(local_address=address),
                timeout=60,
            )
            for base in (self.a, self.b)
        )
        return a, b


@pytest.fixture(scope="module")
async def two_hosts(
    tmp_path_factory: pytest.TempPathFactory,
    s3_endpoint: str,  # noqa: F811
) -> AsyncIterator[TwoHosts]:
    """Two `serve` processes (one uvicorn process each) with separate data folders, one
    PostgreSQL database, one S3 bucket and the same STOP_SECRET_KEY, as production runs
    several hosts. The tus leg (an upload begun on `a` and resumed on `b`, once partial
    uploads live in S3 multipart) takes these hosts too."""
    folder = tmp_path_factory.mktemp("two-hosts")
    bucket = f"stop-media-{uuid.uuid4().hex[:12]}"
    s3 = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name=REGION,
        aws_access_key_id=S3_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=S3_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    async with empty_pg_database("stop_hosts") as database:
        shared = S3_CREDENTIALS | {
            "AWS_CONFIG_FILE": "/nonexistent",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
            "STOP_DATABASE_URL": database,
            "STOP_SECRET_KEY": "two-hosts-secret",
            "STOP_MEDIA_BACKEND": "s3",
            "STOP_S3_BUCKET": bucket,
            "STOP_S3_ENDPOINT_URL": s3_endpoint,
            "STOP_S3_REGION": REGION,
            "STOP_RATE_LIMIT_SUBMIT": f"{SUBMIT_LIMIT}/minute",
        }
        run_cli(base_env(folder / "a") | shared, "migrate")
        ports = {host: free_port() for host in ("a", "b")}
        with ExitStack() as stack:
            for host, port in ports.items():
                env = base_env(folder / host) | shared
                command = ("serve", "--port", str(port), "--workers", "1")
                stack.enter_context(process(env, folder / f"{host}.log", *command))
            bases = {host: f"http://127.0.0.1:{port}" for host, port in ports.items()}
            for base in bases.values():
                await wait_for_health(base)
            logs = (folder / "a.log", folder / "b.log")
            yield TwoHosts(bases["a"], bases["b"], database, bucket, s3, logs, shared)


async def test_a_client_spending_its_limit_on_both_hosts_is_refused_by_either(
    two_hosts: TwoHosts,
) -> None:
    a, b = two_hosts.clients("127.0.0.61")
    async with a, b:
        codes = [
            (await host.post("/v1/reports", json=new_report())).status_code
            for host in [a, b] * (SUBMIT_LIMIT // 2)
        ]
        assert codes == [201] * SUBMIT_LIMIT
        for host in (a, b):
            refused = await host.post("/v1/reports", json=new_report())
            assert refused.status_code == 429, refused.text
            assert 1 <= int(refused.headers["retry-after"]) <= 60 // SUBMIT_LIMIT
        other_a, other_b = two_hosts.clients("127.0.0.62")
        async with other_a, other_b:  # another client is served by both
            for host in (other_a, other_b):
                assert (await host.post("/v1/reports", json=new_report())).status_code == 201
    dump = await dump_database(two_hosts.database_url)
    for haystack in (dump, *(log.read_bytes() for log in two_hosts.logs)):
        assert b"127.0.0.61" not in haystack and b"127.0.0.62" not in haystack


async def test_a_report_with_a_photo_sent_to_one_host_is_read_on_the_other_stored_once(
    two_hosts: TwoHosts, tmp_path: Path
) -> None:
    photo = builders.jpeg(tmp_path, "IMG_0001.jpg")
    report = new_report(text="Nos quitaron los pasaportes y trabajamos sin paga en la finca.")
    parts = [
        ("report", (None, json.dumps(report), "application/json")),
        ("media", (photo.name, photo.read_bytes(), "image/jpeg")),
    ]
    a, b = two_hosts.clients("127.0.0.63")
    async with a, b:
        sent = await a.post("/v1/reports", files=parts)
        assert sent.status_code == 201, sent.text
        retried = await b.post("/v1/reports", files=parts)  # the answer was lost; B gets it
        assert (retried.status_code, retried.json()) == (200, sent.json())

        receipt = {"Authorization": f"Receipt {sent.json()['receipt']}"}
        seen = await b.get("/v1/reports/mine", headers=receipt)
        assert seen.status_code == 200, seen.text
        assert seen.json()["status"] == "received"

    [stored] = two_hosts.s3.list_objects_v2(Bucket=two_hosts.bucket)["Contents"]
    connection = await asyncpg.connect(two_hosts.database_url.replace("+asyncpg", ""))
    try:
        keys = await connection.fetch(
            "SELECT storage_key FROM media WHERE report_id = $1",
            uuid.UUID(sent.json()["report_id"]),
        )
    finally:
        await connection.close()
    assert [row["storage_key"] for row in keys] == [stored["Key"].removeprefix("media/")]


@pytest.mark.parametrize(
    ("key", "says"),
    [(None, "generated a key of its own"), ("another-hosts-secret", "set up with")],
    ids=["key-forgotten", "another-key"],
)
def test_a_host_without_the_shared_secret_key_does_not_start(
    two_hosts: TwoHosts, tmp_path: Path, key: str | None, says: str
) -> None:
    """A third host given another STOP_SECRET_KEY, or none (it then makes its own), would
    answer "unknown receipt" to reporters and refuse hub keys: `serve` and `worker` stop
    at once with one line naming the setting, and the two hosts serve on."""
    env = base_env(tmp_path) | {k: v for k, v in two_hosts.env.items() if k != "STOP_SECRET_KEY"}
    if key is not None:
        env["STOP_SECRET_KEY"] = key
    for command in (("serve", "--port", str(free_port())), ("worker",)):
        done = subprocess.run(
            [*CLI, *command], env=env, capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == 1, done.stderr
        assert "STOP_SECRET_KEY is not the key this database was set up with" in done.stderr
        assert says in done.stderr and "Traceback" not in done.stderr
    assert httpx.get(f"{two_hosts.a}/readyz").status_code == 200
    assert httpx.get(f"{two_hosts.b}/readyz").status_code == 200
