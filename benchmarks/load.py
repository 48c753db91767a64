"""Intake under load, measured from outside with wrk on loopback, next to its ceiling.

For 1, 2 and 4 server processes, against PostgreSQL, it drives `POST /v1/reports` with
text-only reports and with a 12-megapixel phone photo (multipart, sanitised in the
request), and the same text reports against the ceiling (benchmarks/ceiling_app.py:
FastAPI parsing the JSON and one asyncpg INSERT … ON CONFLICT DO NOTHING, on the same
server). For each it prints throughput, p50/p95/p99 latency, errors and the servers' CPU
time per request, then counts the rows: every answered 2xx is one stored report, none
lost. A last run paces text reports at half the maximum rate (wrk's per-connection delay)
to read the latency there.

On a machine shared with other work the absolute numbers move from run to run, so both
servers run side by side and text reports alternate with the ceiling in `--rounds` runs
(a change in the other load reaches both); each row is the median of its rounds, and the
share of the ceiling is the median of the rounds' shares. CPU time per request (the
server's processes, from /proc) moves much less than throughput does.

wrk comes from Debian's package (installed if missing). Run from the repository root with
PostgreSQL on 127.0.0.1:5432 (scripts/postgres starts it):

    .venv/bin/python benchmarks/load.py [--seconds 8] [--rounds 3] [--processes 1,2,4]
        [--no-photo]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
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


@dataclass
class Server:
    """A server under test: its port and its process (with its workers, if any)."""

    port: int
    process: subprocess.Popen[bytes]

    def cpu_seconds(self) -> float:
        """CPU time used so far by the server's processes (the parent and its workers)."""
        tree = {self.process.pid}
        stats: dict[int, list[str]] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:  # fields after the command's closing parenthesis; ppid is the 2nd
                    stats[int(entry.name)] = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue  # ended meanwhile
        while grown := {pid for pid, f in stats.items() if int(f[1]) in tree} - tree:
            tree |= grown
        # utime, stime, and cutime, cstime: children that ended (the sanitiser's) count too
        ticks = sum(sum(map(int, stats[pid][11:15])) for pid in tree if pid in stats)
        return ticks / os.sysconf("SC_CLK_TCK")


@contextmanager
def server(command: list[str], env: dict[str, str]) -> Iterator[Server]:
    port = free_port()
    command = [part.replace("@PORT@", str(port)) for part in command]
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
        yield Server(port, process)
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


@dataclass
class Row:
    """One row of the table: the median of its rounds (a single run when paced)."""

    rate: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    cpu_ms: float  # server CPU per request
    stored: int
    answered: int

    def line(self, name: str) -> str:
        return (
            f"| {name} | {self.rate:,.0f} | {self.p50_ms:.1f} | {self.p95_ms:.1f} | "
            f"{self.p99_ms:.1f} | {self.errors} | {self.cpu_ms:.2f} | "
            f"{self.stored:,} of {self.answered:,} |"
        )


def run_once(
    target: Server, dsn: str, table: str, photo: Path | None, wrk: Wrk, delay_ms: float = 0
) -> tuple[Result, float, int]:
    """One wrk run: its result, the server's CPU seconds and the rows it stored."""
    before, cpu = asyncio.run(count(dsn, table)), target.cpu_seconds()
    result = run_wrk(
        wrk.path, target.port, wrk.folder, photo, wrk.seconds, wrk.connections, delay_ms
    )
    cpu = target.cpu_seconds() - cpu
    return result, cpu, asyncio.run(count(dsn, table)) - before


def row(runs: list[tuple[Result, float, int]]) -> Row:
    results = [result for result, _, _ in runs]
    return Row(
        rate=statistics.median(r.rate for r in results),
        p50_ms=statistics.median(r.p50_ms for r in results),
        p95_ms=statistics.median(r.p95_ms for r in results),
        p99_ms=statistics.median(r.p99_ms for r in results),
        errors=sum(r.status_errors + r.socket_errors for r in results),
        cpu_ms=statistics.median(1000 * cpu / max(1, r.requests) for r, cpu, _ in runs),
        stored=sum(stored for _, _, stored in runs),
        answered=sum(r.requests - r.status_errors - r.socket_errors for r in results),
    )


@dataclass
class Wrk:
    path: str
    folder: Path
    seconds: int
    connections: int


def side_by_side(
    ceiling: Server, ours: Server, dsn: str, wrk: Wrk, rounds: int
) -> tuple[Row, Row, list[float]]:
    """Text reports against the ceiling and against intake, in alternating rounds (so a
    change in the machine's other load reaches both): both rows and each round's ratio."""
    for target in (ceiling, ours):  # warm-up: connections, caches, prepared statements
        run_wrk(wrk.path, target.port, wrk.folder, None, 2, wrk.connections)
    ceiling_runs, our_runs = [], []
    for number in range(rounds):
        first_ceiling = number % 2 == 0
        for target in (ceiling, ours) if first_ceiling else (ours, ceiling):
            if target is ceiling:
                ceiling_runs.append(run_once(ceiling, dsn, "ceiling_reports", None, wrk))
            else:
                our_runs.append(run_once(ours, dsn, "reports", None, wrk))
    ratios = [o[0].rate / c[0].rate for o, c in zip(our_runs, ceiling_runs, strict=True)]
    return row(ceiling_runs), row(our_runs), ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=8, help="per run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs per row")
    parser.add_argument("--processes", default="1,2,4")
    parser.add_argument("--no-photo", action="store_true", help="text reports only")
    args = parser.parse_args()
    wrk_path = ensure_wrk()
    counts = [int(n) for n in args.processes.split(",")]
    python = sys.executable
    with tempfile.TemporaryDirectory() as temp, fresh_pg_database() as url:
        folder = Path(temp)
        phone = Image.fromarray(builders.pixels(4032, 3024))  # 12 MP, noisy like a sensor
        photo = builders.jpeg(folder, "phone.jpg", image=phone, orientation=6)
        dsn = plain_dsn(url)
        env = {k: v for k, v in os.environ.items() if not k.startswith("STOP_")} | {
            "STOP_DATABASE_URL": url,
            "STOP_SECRET_KEY": "load-benchmark",
            "STOP_DATA_DIR": str(folder / "data"),
            "STOP_LOG_LEVEL": "WARNING",
            "STOP_RATE_LIMIT_SUBMIT": "1000000/second",
            "CEILING_DSN": dsn,
        }
        print(
            f"POST /v1/reports on loopback, PostgreSQL, wrk -t2, {args.seconds} s per run, "
            f"median of {args.rounds} alternating runs per text row"
        )
        print(f"photo: {photo.stat().st_size / 1e6:.1f} MB, 12 MP JPEG; cores: {os.cpu_count()}\n")
        print(
            "| what | req/s | p50 ms | p95 ms | p99 ms | errors | server CPU ms/req "
            "| rows stored of 2xx |"
        )
        print("|---|---|---|---|---|---|---|---|")
        asyncio.run(create_ceiling_table(dsn))
        text: dict[int, Row] = {}
        ceilings: dict[int, Row] = {}
        ratios: dict[int, list[float]] = {}
        for processes in counts:
            ours_command = [python, "-m", "cli", "serve", "--port", "@PORT@"]
            ceiling_command = [
                *[python, "-m", "uvicorn", "benchmarks.ceiling_app:app", "--port", "@PORT@"],
                *["--workers", str(processes), "--no-access-log", "--log-level", "warning"],
            ]
            wrk = Wrk(wrk_path, folder, args.seconds, 32)
            with (
                server(ceiling_command, env) as ceiling,
                server([*ours_command, "--workers", str(processes)], env) as ours,
            ):
                ceilings[processes], text[processes], ratios[processes] = side_by_side(
                    ceiling, ours, dsn, wrk, args.rounds
                )
                print(ceilings[processes].line(f"ceiling, {processes} proc"), flush=True)
                print(text[processes].line(f"text, {processes} proc"), flush=True)
                if not args.no_photo:
                    photo_wrk = Wrk(wrk_path, folder, args.seconds, 8)
                    run_wrk(wrk_path, ours.port, folder, photo, 2, 8)  # warm-up
                    photos = row([run_once(ours, dsn, "reports", photo, photo_wrk)])
                    print(photos.line(f"12-MP photo, {processes} proc"), flush=True)
        best = max(text, key=lambda n: text[n].rate)
        half = text[best].rate / 2
        connections = 16
        with server([*ours_command, "--workers", str(best)], env) as ours:
            # wrk waits `delay` after each answer, so a connection sends one request per
            # delay + latency: a first run measures the latency at about that rate.
            delay_ms = connections * 1000 / half
            trial = run_wrk(wrk_path, ours.port, folder, None, 3, connections, delay_ms)
            latency_ms = connections * 1000 / trial.rate - delay_ms
            delay_ms = max(1.0, connections * 1000 / half - latency_ms)
            paced_wrk = Wrk(wrk_path, folder, args.seconds, connections)
            paced = row([run_once(ours, dsn, "reports", None, paced_wrk, delay_ms)])
        print(paced.line(f"text, {best} proc, paced at ~{half:,.0f}/s"))
        print()
        for processes in counts:
            each = ", ".join(f"{ratio:.0%}" for ratio in ratios[processes])
            cpu = text[processes].cpu_ms / ceilings[processes].cpu_ms
            print(
                f"text reports at {statistics.median(ratios[processes]):.0%} of the ceiling "
                f"with {processes} process(es) (rounds: {each}); server CPU per report "
                f"{cpu:.1f}x the ceiling's"
            )
        print(f"p99 at ~half the maximum rate ({paced.rate:,.0f}/s): {paced.p99_ms:.1f} ms")


if __name__ == "__main__":
    main()
