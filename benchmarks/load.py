"""Intake under load, measured from outside with wrk on loopback, next to its ceiling.

For 1, 2 and 4 server processes, against PostgreSQL, it drives `POST /v1/reports` with
text-only reports and with a 12-megapixel phone photo (multipart, sanitised in the
request), and the same text reports against the ceiling (benchmarks/ceiling_app.py:
FastAPI parsing the JSON and one asyncpg INSERT … ON CONFLICT DO NOTHING, on the same
server). For each it prints throughput, p50/p95/p99 latency and errors, then counts the
rows: every answered 2xx is one stored report, none lost. A last run paces text reports
at half the maximum rate (wrk's per-connection delay) to read the latency there.

wrk comes from Debian's package (installed if missing). Run from the repository root with
PostgreSQL on 127.0.0.1:5432 (scripts/postgres starts it):

    .venv/bin/python benchmarks/load.py [--seconds 8] [--processes 1,2,4] [--no-photo]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
import httpx  # noqa: E402
from PIL import Image  # noqa: E402

from benchmarks.ceiling_app import TABLE as CEILING_TABLE  # noqa: E402
from tests.conftest import fresh_pg_database  # noqa: E402
from tests.media import builders  # noqa: E402

TEXT = "Hay cinco mujeres encerradas en el taller de la calle 8, no las dejan salir."
BOUNDARY = "stop-load-boundary"
LUA = r"""
local prefix, suffix, counter = nil, nil, 0
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end
local function slurp(path)
  local f = assert(io.open(path, "rb")); local data = f:read("*a"); f:close(); return data
end
function init(args)
  prefix = slurp("@PREFIX@"); suffix = slurp("@SUFFIX@")
end
function request()
  counter = counter + 1
  local id = string.format("@RUN@-4000-8000-%04x%08x", tid, counter)
  return wrk.format("POST", "/v1/reports", {["Content-Type"] = "@TYPE@"}, prefix .. id .. suffix)
end
@DELAY@
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d %d\n", summary.requests, e.status,
    e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), summary.duration))
end
"""


@dataclass
class Result:
    requests: int
    status_errors: int
    socket_errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    seconds: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "wrk"], check=True)
    return shutil.which("wrk") or "wrk"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bodies(folder: Path, photo: Path | None) -> tuple[Path, Path, str]:
    """The request body around the client id (prefix, suffix) and its content type."""
    report_tail = json.dumps({"text": TEXT, "locale": "es-MX"})[1:]  # `"text": …}`
    if photo is None:
        prefix, suffix, kind = b'{"client_id": "', b'", ' + report_tail.encode(), "application/json"
    else:
        head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="report"\r\n'
            "Content-Type: application/json\r\n\r\n"
        )
        media = (
            f'\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name="media"; '
            f'filename="IMG_0001.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
        )
        prefix = head.encode() + b'{"client_id": "'
        suffix = (
            b'", '
            + report_tail.encode()
            + media.encode()
            + photo.read_bytes()
            + f"\r\n--{BOUNDARY}--\r\n".encode()
        )
        kind = f"multipart/form-data; boundary={BOUNDARY}"
    (folder / "prefix.bin").write_bytes(prefix)
    (folder / "suffix.bin").write_bytes(suffix)
    return folder / "prefix.bin", folder / "suffix.bin", kind


def run_wrk(
    wrk: str,
    port: int,
    folder: Path,
    photo: Path | None,
    seconds: int,
    connections: int,
    delay_ms: float = 0,
) -> Result:
    prefix, suffix, kind = bodies(folder, photo)
    script = (
        LUA.replace("@PREFIX@", str(prefix))
        .replace("@SUFFIX@", str(suffix))
        .replace("@TYPE@", kind)
        .replace("@RUN@", uuid.uuid4().hex[:8] + "-" + uuid.uuid4().hex[:4])
        .replace("@DELAY@", f"function delay() return {delay_ms:.1f} end" if delay_ms else "")
    )
    (folder / "load.lua").write_text(script)
    done = subprocess.run(
        [wrk, "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
         "-s", str(folder / "load.lua"), f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    found = re.search(r"RESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)", done.stdout)
    if found is None:
        raise RuntimeError(done.stdout + done.stderr)
    n, status, sock, p50, p95, p99, duration = map(int, found.groups())
    return Result(n, status, sock, p50 / 1000, p95 / 1000, p99 / 1000, duration / 1e6)


@contextmanager
def server(command: list[str], env: dict[str, str], port: int) -> Iterator[None]:
    log_path = Path(tempfile.mkstemp(prefix="stop-load-", suffix=".log")[1])
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1).is_success:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(log_path.read_text())
            time.sleep(0.3)
        yield
    finally:
        process.terminate()
        process.wait(30)
        log_path.unlink()


async def create_ceiling_table(dsn: str) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(CEILING_TABLE)
    finally:
        await connection.close()


async def count(dsn: str, table: str) -> int:
    connection = await asyncpg.connect(dsn)
    try:
        return int(await connection.fetchval(f"SELECT count(*) FROM {table}"))
    finally:
        await connection.close()


def plain_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


def measure(
    name: str,
    command: list[str],
    env: dict[str, str],
    dsn: str,
    table: str,
    photo: Path | None,
    args: argparse.Namespace,
    wrk: str,
    folder: Path,
    connections: int,
    delay_ms: float = 0,
) -> Result:
    port = free_port()
    command = [part.replace("@PORT@", str(port)) for part in command]
    with server(command, env, port):
        run_wrk(wrk, port, folder, photo, 2, connections)  # warm-up: connections, caches
        before = asyncio.run(count(dsn, table))
        result = run_wrk(wrk, port, folder, photo, args.seconds, connections, delay_ms)
        stored = asyncio.run(count(dsn, table)) - before
    answered = result.requests - result.status_errors - result.socket_errors
    print(
        f"| {name} | {result.rate:,.0f} | {result.p50_ms:.1f} | {result.p95_ms:.1f} | "
        f"{result.p99_ms:.1f} | {result.status_errors + result.socket_errors} | "
        f"{stored:,} of {answered:,} |",
        flush=True,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--processes", default="1,2,4")
    parser.add_argument("--no-photo", action="store_true", help="text reports only")
    args = parser.parse_args()
    wrk = ensure_wrk()
    counts = [int(n) for n in args.processes.split(",")]
    python = sys.executable
    with tempfile.TemporaryDirectory() as temp, fresh_pg_database() as url:
        folder = Path(temp)
        phone = Image.fromarray(builders.pixels(4032, 3024))  # 12 MP, noisy like a sensor
        photo = builders.jpeg(folder, "phone.jpg", image=phone, orientation=6)
        env = {k: v for k, v in os.environ.items() if not k.startswith("STOP_")} | {
            "STOP_DATABASE_URL": url,
            "STOP_SECRET_KEY": "load-benchmark",
            "STOP_DATA_DIR": str(folder / "data"),
            "STOP_LOG_LEVEL": "WARNING",
            "STOP_RATE_LIMIT_SUBMIT": "1000000/second",
            "CEILING_DSN": plain_dsn(url),
        }
        print(f"POST /v1/reports on loopback, PostgreSQL, wrk -t2, {args.seconds} s per row")
        print(f"photo: {photo.stat().st_size / 1e6:.1f} MB, 12 MP JPEG; cores: {os.cpu_count()}\n")
        print("| what | req/s | p50 ms | p95 ms | p99 ms | errors | rows stored of 2xx |")
        print("|---|---|---|---|---|---|---|")
        asyncio.run(create_ceiling_table(plain_dsn(url)))
        text_rates: dict[int, float] = {}
        ceiling_rates: dict[int, float] = {}
        for processes in counts:
            ours = [python, "-m", "cli", "serve", "--port", "@PORT@", "--workers", str(processes)]
            ceiling = [
                *[python, "-m", "uvicorn", "benchmarks.ceiling_app:app", "--port", "@PORT@"],
                *["--workers", str(processes), "--no-access-log", "--log-level", "warning"],
            ]
            ceiling_rates[processes] = measure(
                f"ceiling, {processes} proc", ceiling, env, plain_dsn(url), "ceiling_reports",
                None, args, wrk, folder, 32,
            ).rate  # fmt: skip
            text_rates[processes] = measure(
                f"text, {processes} proc", ours, env, plain_dsn(url), "reports",
                None, args, wrk, folder, 32,
            ).rate  # fmt: skip
            if args.no_photo:
                continue
            measure(
                f"12-MP photo, {processes} proc", ours, env, plain_dsn(url), "reports",
                photo, args, wrk, folder, 8,
            )  # fmt: skip
        best = max(text_rates, key=lambda n: text_rates[n])
        half = text_rates[best] / 2
        connections = 16
        delay_ms = connections * 1000 / half
        ours = [python, "-m", "cli", "serve", "--port", "@PORT@", "--workers", str(best)]
        paced = measure(
            f"text, {best} proc, paced at ~{half:,.0f}/s", ours, env, plain_dsn(url), "reports",
            None, args, wrk, folder, connections, delay_ms,
        )  # fmt: skip
        print()
        for processes in counts:
            share = text_rates[processes] / ceiling_rates[processes]
            print(f"text reports at {share:.0%} of the ceiling with {processes} process(es)")
        print(f"p99 at ~half the maximum rate ({paced.rate:,.0f}/s): {paced.p99_ms:.1f} ms")


if __name__ == "__main__":
    main()
