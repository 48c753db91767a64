"""`STOP_LOG_FORMAT=json`: a real `serve` process writes every log line as one JSON object
an operator's log stack can read, with a request id on the request's lines, and still no
report text, coordinate, address or user agent anywhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.canaries import CANARIES
from tests.e2e.test_serve import (
    attempt_websocket,
    base_env,
    free_port,
    process,
    report_to_hub_feed,
    wait_for_health,
)
from tests.media import builders

pytestmark = pytest.mark.slow


def log_entries(log: Path) -> list[dict[str, object]]:
    """Every line of the log as JSON (json.loads fails the test on any other line)."""
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


async def test_every_line_of_a_json_run_is_a_json_object_without_report_data(tmp_path):
    env = base_env(tmp_path / "data") | {"STOP_LOG_FORMAT": "json", "STOP_LOG_LEVEL": "DEBUG"}
    port = free_port()
    log = tmp_path / "serve.log"
    with process(env, log, "serve", "--port", str(port), stderr_only=True):
        await wait_for_health(f"http://127.0.0.1:{port}")
        assert attempt_websocket(port).startswith(b"HTTP/1.1 4")
        await report_to_hub_feed(f"http://127.0.0.1:{port}", env, builders.jpeg(tmp_path))

    entries = log_entries(log)
    leaked = [
        line[:300] for line in log.read_text().splitlines() if any(c in line for c in CANARIES)
    ]
    assert leaked == []
    assert all({"time", "level", "logger", "message"} <= entry.keys() for entry in entries)
    access = [entry for entry in entries if entry["logger"] == "stop.access"]
    [submitted] = [e for e in access if (e["method"], e["route"]) == ("POST", "/v1/reports")]
    assert submitted["status"] == 201
    assert isinstance(submitted["duration_ms"], float)
    ids = [entry["request_id"] for entry in access]
    assert len(set(ids)) == len(ids)  # one id per request
