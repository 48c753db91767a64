"""`GET /metrics` with `stop-intake serve --workers 2` and a separate `stop-intake worker`, all
real processes on PostgreSQL: whichever process answers a scrape, it counts the requests of
both (prometheus_client's multiprocess mode, in a private folder made at start and
deleted at the end), and the stage latencies timed in the API processes and the worker.
"""

from __future__ import annotations

import asyncio
import json
import re
import stat
from pathlib import Path

import httpx
import pytest
from prometheus_client.mmap_dict import MmapedDict

from tests.conftest import empty_pg_database
from tests.e2e.test_serve import base_env, free_port, process, run_cli, wait_for_health
from tests.factories import new_report
from tests.media import builders
from tests.raw_http import exchange

pytestmark = pytest.mark.slow

TOKEN = "metrics-token-for-the-e2e-test"
PATIENCE = 120  # seconds to wait for what the processes do on their own
SCRAPE = {"Authorization": f"Bearer {TOKEN}"}


def _value(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    found = re.search(rf"^{re.escape(name)}{{{re.escape(wanted)}}} (\S+)$", text, re.MULTILINE)
    return float(found[1]) if found else 0.0


def _health_checks_per_process(folder: Path) -> dict[str, float]:
    """How many `GET /healthz` each process counted, from its own file in the folder."""
    counts = {}
    for path in folder.glob("counter_*.db"):
        counts[path.stem] = sum(
            value
            for key, value, _, _ in MmapedDict.read_all_values_from_file(str(path))
            if json.loads(key)[2].get("route") == "/healthz"
            and json.loads(key)[1] == "stop_http_requests_total"
        )
    return counts


async def _until(check, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PATIENCE
    while not await check():
        assert loop.time() < deadline, f"never: {what}"
        await asyncio.sleep(0.2)


async def test_one_scrape_counts_every_process(tmp_path):
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    async with empty_pg_database("stop_e2e") as database:
        env = base_env(tmp_path / "data") | {
            "STOP_DATABASE_URL": database,
            "STOP_SECRET_KEY": "e2e-secret",
            "STOP_METRICS_TOKEN": TOKEN,
            "STOP_METRICS_FLUSH_SECONDS": "0.3",
            "TMPDIR": str(temporary),  # where `serve` makes the metrics folder
        }
        run_cli(env, "migrate")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with (
            process(env, tmp_path / "serve.log", "serve", "--port", str(port), "--workers", "2"),
            process(env, tmp_path / "worker.log", "worker"),
        ):
            await wait_for_health(base)
            [folder] = temporary.glob("stop-intake-metrics-*")
            assert stat.S_IMODE(folder.stat().st_mode) == 0o700

            # New connections until each process has answered some health checks.
            sent = 0

            async def both_served() -> bool:
                nonlocal sent
                async with httpx.AsyncClient(base_url=base, timeout=30) as http:
                    requests = [
                        http.get("/healthz", headers={"Connection": "close"}) for _ in range(20)
                    ]
                    answers = await asyncio.gather(*requests)
                sent += sum(answer.status_code == 200 for answer in answers)
                counts = _health_checks_per_process(folder)
                return len(counts) == 2 and all(counts.values())

            await _until(both_served, "both processes answered health checks")

            async with httpx.AsyncClient(base_url=base, timeout=30) as http:
                for _ in range(8):  # each scrape, whichever process answers, counts them all
                    text = (await http.get("/metrics", headers=SCRAPE)).text
                    total = _value(
                        text,
                        "stop_http_requests_total",
                        method="GET",
                        route="/healthz",
                        status="200",
                    )
                    assert total == sent
                    assert "process_cpu_seconds_total" not in text  # per process: left out

                refused = exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")
                assert refused.status == 400
                for _ in range(4):
                    text = (await http.get("/metrics", headers=SCRAPE)).text
                    assert _value(text, "stop_http_unread_requests_total", status="400") == 1

                photo = builders.jpeg(tmp_path)
                accepted = await http.post(
                    "/v1/reports",
                    files=[
                        ("report", (None, json.dumps(new_report()), "application/json")),
                        ("media", ("p.jpg", photo.read_bytes(), "image/jpeg")),
                    ],
                )
                assert accepted.status_code == 201, accepted.text

                async def timed_by_api_and_worker() -> bool:
                    text = (await http.get("/metrics", headers=SCRAPE)).text
                    name = "stop_stage_duration_seconds_count"
                    return (
                        _value(text, name, stage="sanitise") == 1
                        and _value(text, name, stage="detect") == 1
                    )

                await _until(timed_by_api_and_worker, "sanitise and detect timings in /metrics")
        assert not folder.exists()  # serve deletes the folder when it stops
