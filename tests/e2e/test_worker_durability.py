"""Workers killed with SIGKILL at random moments lose nothing and repeat nothing.

Real `stop-intake worker` processes (two at a time) run against PostgreSQL next to a real
`stop-intake serve`, with the tiny test translation model installed and a hub client's
webhook pointed at a loopback receiver. A stream of reports arrives (some with a photo,
sanitised at intake), a moderator approves some through the API as they reach the queue
(so incidents are published and webhooks queued), and meanwhile a worker is killed with
SIGKILL at seeded random moments and started again. Once the killing stops, the workers
are left to finish (leases of the killed ones expire: leases end on the next whole minute,
so this waits generously and asserts counts, never times). Then every accepted report is
in exactly one final state with no lease left, every approved one is in the hub feed
exactly once, and the receiver got every version's webhook (deduped by `webhook-id`).
"""

from __future__ import annotations

import asyncio
import json
import random
import signal
import subprocess
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import AsyncExitStack
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.conftest import _admin, _pg_url
from tests.e2e.test_serve import (
    CLI,
    PASSWORD,
    base_env,
    free_port,
    process,
    run_cli,
    wait_for_health,
)
from tests.factories import incident_fields, new_report
from tests.media import builders
from tests.translation.tiny_model import build_package
from tests.webhook_receiver import Receiver
from translation import ModelStore

pytestmark = pytest.mark.slow

SEED = 20261130
REPORTS = 36
KILLS = 8
SPANISH = "Nos quitaron los pasaportes y trabajamos todos los días sin paga en la finca."
ENGLISH = "They took our passports and we work every day without pay on the farm."
SETTLE_SECONDS = 300  # leases of killed workers end on the next whole minute, plus slack


class Workers:
    """`stop-intake worker` processes that can be killed (SIGKILL) and started again."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs = env, logs
        self.running: list[subprocess.Popen[bytes]] = []
        self.started = 0

    def start(self) -> None:
        self.started += 1
        sink = (self.logs / f"worker-{self.started}.log").open("wb")
        self.running.append(
            subprocess.Popen([*CLI, "worker"], env=self.env, stdout=sink, stderr=subprocess.STDOUT)
        )
        sink.close()  # the child holds its own copy

    def kill_one(self, rng: random.Random) -> None:
        victim = self.running.pop(rng.randrange(len(self.running)))
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)

    def stop(self) -> None:
        for proc in self.running:
            proc.terminate()
        for proc in self.running:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()

    def output(self) -> bytes:
        return b"".join(path.read_bytes() for path in sorted(self.logs.glob("worker-*.log")))


@pytest.fixture
def database() -> Iterator[str]:
    name = f"stop_durable_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    yield _pg_url(name)
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver(seed=SEED)
    made.start()
    yield made
    made.stop()


async def fetch(url: str, query: str) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return list(await connection.fetch(query))
    finally:
        await connection.close()


async def settled(url: str) -> bool:
    """Nothing left for a worker: no report received, no webhook delivery pending."""
    [row] = await fetch(
        url,
        "SELECT (SELECT count(*) FROM reports WHERE status = 'received') AS received, "
        "(SELECT count(*) FROM webhook_deliveries WHERE status = 'pending') AS pending",
    )
    return row["received"] == 0 and row["pending"] == 0


async def feed(http: httpx.AsyncClient, hub_key: str) -> list[dict]:
    items: list[dict] = []
    after: str | None = None
    while True:
        params = {"limit": 50} | ({"after": after} if after else {})
        page = await http.get(
            "/v1/hub/incidents", params=params, headers={"Authorization": f"Bearer {hub_key}"}
        )
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        if not page.json()["items"]:
            return items
        after = page.json()["next"]


async def test_killed_workers_lose_and_repeat_nothing(tmp_path, database, receiver):
    rng = random.Random(SEED)
    packages = tmp_path / "packages"
    models = tmp_path / "translation"
    ModelStore(models).install(build_package(packages, "es", "en"))
    env = base_env(tmp_path / "data") | {
        "STOP_DATABASE_URL": database,
        "STOP_SECRET_KEY": "durability-secret",
        "STOP_TRANSLATION_DIR": str(models),
        "STOP_HUB_RARITY_K": "1",
        "STOP_RATE_LIMIT_SUBMIT": "1000/minute",
        "STOP_WORKER_LEASE_SECONDS": "1",
        "STOP_WORKER_BATCH_SIZE": "3",
        "STOP_WEBHOOK_TIMEOUT_SECONDS": "5",
        "STOP_WEBHOOK_RETRY_FIRST_SECONDS": "0.2",
        "STOP_WEBHOOK_RETRY_MAX_SECONDS": "1",
    }
    run_cli(env, "migrate")
    run_cli(env, "moderators", "add", "ana", "--password-stdin", stdin=PASSWORD)
    hub_key = run_cli(env, "hub-clients", "add", "analysis-hub").strip().rsplit(" ", 1)[-1]
    made = run_cli(env, "hub-clients", "webhooks", "set", "analysis-hub", receiver.url)
    receiver.secret = made.strip().rsplit(" ", 1)[-1]
    photo = builders.jpeg(tmp_path)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    workers = Workers(env, tmp_path)
    accepted: list[str] = []
    approved: dict[str, str] = {}  # report id -> incident id

    async with AsyncExitStack() as stack:
        stack.enter_context(
            process(env, tmp_path / "serve.log", "serve", "--port", str(port), "--workers", "1")
        )
        stack.callback(workers.stop)
        workers.start()
        workers.start()
        await wait_for_health(base, timeout=SETTLE_SECONDS)
        http = await stack.enter_async_context(httpx.AsyncClient(base_url=base, timeout=30))
        login = await http.post("/v1/auth/login", json={"username": "ana", "password": PASSWORD})
        moderator = {"Authorization": f"Bearer {login.json()['access_token']}"}

        async def submit(n: int) -> None:
            body = json.dumps(new_report(text=f"{SPANISH if n % 2 else ENGLISH} ({n})"))
            files = [("report", (None, body, "application/json"))]
            if n % 3 == 0:  # a photo: sanitised at intake, before the worker sees the report
                files.append(("media", (photo.name, photo.read_bytes(), "image/jpeg")))
            answer = await http.post("/v1/reports", files=files)
            assert answer.status_code == 201, answer.text
            accepted.append(answer.json()["report_id"])

        async def approve_queued() -> None:
            """Approve every other report that has reached the queue, oldest first."""
            queue = await http.get("/v1/moderation/queue", headers=moderator)
            for item in queue.json()["items"]:
                if item["id"] in approved or accepted.index(item["id"]) % 2:
                    continue
                path = f"/v1/moderation/reports/{item['id']}"
                assert (await http.post(f"{path}/claim", headers=moderator)).status_code == 200
                done = await http.post(f"{path}/approve", json=incident_fields(), headers=moderator)
                assert done.status_code == 200, done.text
                approved[item["id"]] = done.json()["incident_id"]

        kills = 0
        for n in range(REPORTS):
            await submit(n)
            if rng.random() < 0.3 and kills < KILLS:
                await asyncio.sleep(rng.uniform(0, 0.6))  # at some point of the work
                workers.kill_one(rng)
                workers.start()
                kills += 1
            await approve_queued()
        while kills < KILLS:  # the rest while publishing and webhooks go on
            await asyncio.sleep(rng.uniform(0.1, 1.0))
            workers.kill_one(rng)
            workers.start()
            kills += 1
            await approve_queued()

        for _ in range(int(SETTLE_SECONDS / 0.5)):  # leases expire; the workers finish
            await approve_queued()
            if len(approved) == len(accepted[::2]) and await settled(database):
                break
            await asyncio.sleep(0.5)
        items = await feed(http, hub_key)

    assert workers.started == 2 + KILLS
    reports = await fetch(
        database, "SELECT id::text AS id, status, lease_owner, translation_status FROM reports"
    )
    by_id = {row["id"]: row for row in reports}
    assert len(reports) == len(by_id) == REPORTS and set(by_id) == set(accepted)
    expected = {report_id: "approved" if report_id in approved else "queued" for report_id in by_id}
    assert {report_id: row["status"] for report_id, row in by_id.items()} == expected
    assert [row for row in reports if row["lease_owner"] is not None] == []
    spanish = [by_id[report_id] for report_id in accepted[1::2]]
    assert {row["translation_status"] for row in spanish} == {"done"}
    photos = await fetch(database, "SELECT count(*) AS n FROM media")
    assert photos[0]["n"] == len(range(0, REPORTS, 3))

    assert len(approved) == len(accepted[::2])
    versions = Counter((item["incident_id"], item["version"]) for item in items)
    assert set(versions) == {(incident, 1) for incident in approved.values()}
    assert set(versions.values()) == {1}  # each approved report in the feed exactly once
    assert len(await fetch(database, "SELECT id FROM incidents")) == len(approved)

    delivered = Counter(
        (message["data"]["incident_id"], message["data"]["version"])
        for message in receiver.accepted.values()
    )
    assert delivered == versions  # every version's webhook, once after dedupe
    dead = await fetch(
        database, "SELECT status FROM webhook_deliveries WHERE status <> 'delivered'"
    )
    assert dead == []
