"""The real thing: `stop-intake serve` (and `worker`) as processes, over real HTTP.

A report goes from the phone's request to the hub feed through the command line tools a
newcomer uses, on the embedded default (SQLite, worker in the server) and on PostgreSQL
(separate worker process). The server's output and the database are then searched for
the client's address and user agent, which must appear nowhere.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.conftest import empty_pg_database
from tests.factories import incident_fields, new_report
from tests.media import builders
from tests.media.oracle import leaks

pytestmark = pytest.mark.slow

CLI = [sys.executable, "-m", "cli"]
CLIENT_ADDRESS = "127.0.0.77"  # the "phone": a loopback address used by nothing else
USER_AGENT = "STOP-APP/3.1 (Pixel 7; device-4f2a9c)"
PASSWORD = "a long moderator password"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_cli(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [*CLI, *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@contextmanager
def process(
    env: dict[str, str], log: Path, *args: str, stderr_only: bool = False
) -> Iterator[subprocess.Popen[bytes]]:
    """The command running with its output in `log` (only stderr, where logs go, with
    `stderr_only`; stdout, e.g. `serve`'s greeting, is then dropped)."""
    with log.open("wb") as sink:
        stdout = subprocess.DEVNULL if stderr_only else sink
        stderr = sink if stderr_only else subprocess.STDOUT
        proc = subprocess.Popen([*CLI, *args], env=env, stdout=stdout, stderr=stderr)
        try:
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


async def wait_for_health(base: str, timeout: float = 90) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=2) as http:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            try:
                if (await http.get("/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert asyncio.get_running_loop().time() < deadline, "server did not become ready"
            await asyncio.sleep(0.3)


async def report_to_hub_feed(base: str, env: dict[str, str], photo: Path) -> None:
    # a moderator: leads and admins must first set up two-factor login in the console
    run_cli(env, "moderators", "add", "ana", "--password-stdin", stdin=PASSWORD)
    key_line = run_cli(env, "hub-clients", "add", "analysis-hub").strip()
    hub_key = key_line.rsplit(" ", 1)[-1]
    assert hub_key.startswith("stophub_")

    phone = httpx.AsyncHTTPTransport(local_address=CLIENT_ADDRESS)
    async with httpx.AsyncClient(
        base_url=base, transport=phone, headers={"User-Agent": USER_AGENT}, timeout=30
    ) as http:
        report = new_report(text="Nos quitaron los pasaportes y trabajamos sin paga en la finca.")
        accepted = await http.post(
            "/v1/reports",
            files=[
                ("report", (None, json.dumps(report), "application/json")),
                ("media", (photo.name, photo.read_bytes(), "image/jpeg")),
            ],
        )
        assert accepted.status_code == 201, accepted.text
        report_id = accepted.json()["report_id"]

        login = await http.post("/v1/auth/login", json={"username": "ana", "password": PASSWORD})
        moderator = {"Authorization": f"Bearer {login.json()['access_token']}"}
        for _ in range(300):
            queue = (await http.get("/v1/moderation/queue", headers=moderator)).json()["items"]
            if queue:
                break
            await asyncio.sleep(0.2)
        assert [item["id"] for item in queue] == [report_id]
        assert queue[0]["language"] == "es"

        detail = (await http.get(f"/v1/moderation/reports/{report_id}", headers=moderator)).json()
        [media] = detail["media"]
        clean = photo.parent / "as-the-moderator-sees-it.jpg"
        clean.write_bytes(
            (await http.get(f"/v1/moderation/media/{media['id']}", headers=moderator)).content
        )
        assert leaks(clean) == []

        claim = await http.post(f"/v1/moderation/reports/{report_id}/claim", headers=moderator)
        assert claim.status_code == 200
        approved = await http.post(
            f"/v1/moderation/reports/{report_id}/approve", json=incident_fields(), headers=moderator
        )
        assert approved.status_code == 200, approved.text

        feed = await http.get("/v1/hub/incidents", headers={"Authorization": f"Bearer {hub_key}"})
        items = feed.json()["items"]
        assert [item["incident_id"] for item in items] == [approved.json()["incident_id"]]
        assert items[0]["incident"]["original_language"] == "spa"


QUERY_SECRET = b"otter-violin-maple-sunset-copper-lantern"


def attempt_websocket(port: int) -> bytes:
    """A WebSocket handshake carrying a receipt in its query string, from the phone's address.

    Uvicorn logs refused handshakes itself (address and query included) unless the server
    speaks no WebSocket at all; the answer is returned so the test sees it was handled."""
    with socket.create_connection(("127.0.0.1", port), source_address=(CLIENT_ADDRESS, 0)) as s:
        s.sendall(
            b"GET /v1/reports?receipt=" + QUERY_SECRET + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
        )
        s.settimeout(10)
        return s.recv(4096)


def assert_nothing_identifying(*haystacks: bytes) -> None:
    for haystack in haystacks:
        assert CLIENT_ADDRESS.encode() not in haystack
        assert QUERY_SECRET not in haystack
        assert b"device-4f2a9c" not in haystack
        assert b"Pixel 7" not in haystack
        assert b"PLANTGPS" not in haystack and b"PLANTSERIAL" not in haystack


def base_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STOP_")}
    # k=1: on an empty feed the rarity check would hold the first incident for a lead
    # (that path is tests/api/test_hub_incidents.py::TestRarity); here it must publish.
    return env | {
        "STOP_DATA_DIR": str(data_dir),
        "STOP_WORKER_POLL_SECONDS": "0.2",
        "STOP_HUB_RARITY_K": "1",
    }


async def test_report_reaches_the_hub_on_the_embedded_default(tmp_path):
    env = base_env(tmp_path / "data")
    port = free_port()
    log = tmp_path / "serve.log"
    with process(env, log, "serve", "--port", str(port)):
        await wait_for_health(f"http://127.0.0.1:{port}")
        assert attempt_websocket(port).startswith(b"HTTP/1.1 4")
        await report_to_hub_feed(f"http://127.0.0.1:{port}", env, builders.jpeg(tmp_path))
    output = log.read_bytes()
    assert b"stop-intake moderators add" in output  # tells a newcomer what to do next
    database = b"".join(path.read_bytes() for path in (tmp_path / "data").glob("stop-intake.db*"))
    assert_nothing_identifying(output, database)


async def dump_database(url: str) -> bytes:
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        tables = await connection.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        )
        rows = []
        for table in tables:
            rows += await connection.fetch(f'SELECT t::text FROM "{table["tablename"]}" t')
        return "\n".join(row[0] for row in rows).encode()
    finally:
        await connection.close()


async def test_report_reaches_the_hub_on_postgresql_with_a_separate_worker(tmp_path):
    async with empty_pg_database("stop_e2e") as database:
        env = base_env(tmp_path / "data") | {
            "STOP_DATABASE_URL": database,
            "STOP_SECRET_KEY": "e2e-secret",
        }
        run_cli(env, "migrate")
        port = free_port()
        with (
            process(env, tmp_path / "serve.log", "serve", "--port", str(port)),
            process(env, tmp_path / "worker.log", "worker"),
        ):
            await wait_for_health(f"http://127.0.0.1:{port}")
            await report_to_hub_feed(f"http://127.0.0.1:{port}", env, builders.jpeg(tmp_path))
        dump = await dump_database(database)
        assert b"pasaportes" in dump  # the dump really holds the report
        assert_nothing_identifying(
            (tmp_path / "serve.log").read_bytes(), (tmp_path / "worker.log").read_bytes(), dump
        )
