"""PostgreSQL restarted under a running `serve` and `worker`: requests that meet the
outage get a 503 with Retry-After (never a 500, never a half-written report, never report
text in a log); phones retrying with the same client_id end with exactly one report each;
the server and the worker carry on after the restart without being restarted themselves.

Restarting the machine's PostgreSQL would break the tests running beside this one, so the
test runs its own cluster (initdb into a temporary folder, another port, the same
binaries) and restarts that.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.canaries import CANARIES
from tests.e2e.test_serve import base_env, free_port, process, run_cli, wait_for_health
from tests.factories import new_report

pytestmark = pytest.mark.slow

CLIENTS = 12
TEXTS = [f"{CANARIES[2]} (report {n})" for n in range(CLIENTS)]


def _bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not found:
        pytest.skip(f"PostgreSQL's {name} is not installed")
    return str(found[-1])


class Cluster:
    """A throw-away PostgreSQL cluster of this test, run as the `postgres` user."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="stop-pg-"))
        self.data = self.dir / "data"
        shutil.chown(self.dir, "postgres", "postgres")
        self._as_postgres(_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres")

    def _as_postgres(self, *args: str) -> None:
        command = list(args) if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--", *args]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def pg_ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.dir / "server.log")
        self._as_postgres(_bin("pg_ctl"), "-D", str(self.data), "-l", log, "-o", options, *args)

    def url(self, database: str, driver: str = "postgresql+asyncpg") -> str:
        return f"{driver}://postgres@127.0.0.1:{self.port}/{database}"

    def remove(self) -> None:
        subprocess.run(["rm", "-rf", str(self.dir)], check=False)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    if shutil.which("runuser") is None and os.geteuid() == 0:
        pytest.skip("needs runuser to start PostgreSQL as its own user")
    own = Cluster()
    own.pg_ctl("-w", "start")
    try:
        yield own
    finally:
        own.pg_ctl("-w", "-m", "immediate", "stop")
        own.remove()


async def submit_until_stored(http: httpx.AsyncClient, body: dict, seen: list[int]) -> dict:
    """A phone's retry loop: the same request again after a 503 or a lost connection."""
    for _ in range(600):
        try:
            answer = await http.post("/v1/reports", json=body)
        except httpx.TransportError:
            seen.append(0)
            await asyncio.sleep(0.2)
            continue
        seen.append(answer.status_code)
        if answer.status_code in (200, 201):
            return answer.json()
        assert answer.status_code == 503, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        await asyncio.sleep(min(float(answer.headers["retry-after"]), 0.5))
    raise AssertionError("never stored")


async def count(cluster: Cluster, database: str, query: str) -> int:
    connection = await asyncpg.connect(cluster.url(database, "postgresql"))
    try:
        return int(await connection.fetchval(query))
    finally:
        await connection.close()


async def test_a_postgresql_restart_loses_and_doubles_nothing(cluster, tmp_path):
    database = "stop"
    admin = await asyncpg.connect(cluster.url("postgres", "postgresql"))
    await admin.execute(f'CREATE DATABASE "{database}"')
    await admin.close()
    env = base_env(tmp_path / "data") | {
        "STOP_DATABASE_URL": cluster.url(database),
        "STOP_SECRET_KEY": "restart-secret",
        "STOP_RATE_LIMIT_SUBMIT": "1000/minute",
    }
    run_cli(env, "migrate")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve_log, worker_log = tmp_path / "serve.log", tmp_path / "worker.log"
    bodies = [new_report(text=text) for text in TEXTS]
    seen: list[int] = []
    with (
        process(env, serve_log, "serve", "--port", str(port), "--workers", "1"),
        process(env, worker_log, "worker"),
    ):
        await wait_for_health(base)
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            first = [await submit_until_stored(http, body, seen) for body in bodies[:2]]

            cluster.pg_ctl("-w", "-m", "fast", "stop")  # connections cut, the server gone
            down = await http.post("/v1/reports", json=bodies[2])
            assert down.status_code == 503, down.text
            assert down.headers["content-type"] == "application/problem+json"
            assert int(down.headers["retry-after"]) > 0
            # phones keep sending (and retrying) while it is down and while it comes back
            phones = [
                asyncio.create_task(submit_until_stored(http, body, seen)) for body in bodies[2:]
            ]
            await asyncio.sleep(1)
            cluster.pg_ctl("-w", "start")
            stored = first + list(await asyncio.gather(*phones))
            # a phone that never heard its answer retries once more: the same answer
            repeat = await http.post("/v1/reports", json=bodies[5])
            assert repeat.status_code == 200
            assert repeat.json() == stored[5]

        # the worker, never restarted, queues every report after the restart
        for _ in range(600):
            waiting = await count(
                cluster, database, "SELECT count(*) FROM reports WHERE status = 'received'"
            )
            if waiting == 0:
                break
            await asyncio.sleep(0.2)
        assert waiting == 0

    assert set(seen) <= {200, 201, 503}  # never a 500, never a dropped connection
    assert 503 in seen
    assert len({answer["report_id"] for answer in stored}) == CLIENTS
    assert await count(cluster, database, "SELECT count(*) FROM reports") == CLIENTS
    for log in (serve_log, worker_log):
        text = log.read_text(errors="replace")
        assert [canary for canary in CANARIES if canary in text] == []
        assert "unhandled" not in text
