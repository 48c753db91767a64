"""What keeping unfinished uploads in the bucket costs: one resumable upload of `--mb`
megabytes (random bytes) through the real app, PATCHed in chunks of several sizes, into
this host's upload folder and into the S3 bucket (moto in server mode on loopback: a
slower peer than a real S3 next door, so the bucket's columns are pessimistic).

For each place and chunk size it prints the receiving rate (MB/s, every byte but the
last), the time from the last byte to the answer (the bucket joins the parts and reads the
pieces back in clear; random bytes are then refused by the sanitiser at once, so this is
mostly reassembly), the bytes written to and read from the bucket per byte uploaded
(segments folded into parts are written twice, read once), and the S3 requests made.
512 KiB is the chunk size TUSKit (iOS) sends by default; tus-js and tus-android usually
send far larger ones. A PATCH holds at most a part's worth (5 MiB) in memory, plus the
segments it folds in; moto runs in this process, so the process's memory says nothing.

    .venv/bin/python benchmarks/uploads.py [--mb 100] [--chunks-kib 512,5120,20480]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402
import httpx  # noqa: E402
from moto.server import ThreadedMotoServer  # noqa: E402

from api.app import create_app  # noqa: E402
from core.settings import Settings  # noqa: E402
from migrations.runner import upgrade_head  # noqa: E402

TUS = {"Tus-Resumable": "1.0.0"}
REGION = "eu-central-1"


def settings_for(folder: Path, endpoint: str | None, bucket: str, mb: int) -> Settings:
    values: dict[str, Any] = {
        "data_dir": folder,
        "secret_key": "benchmark",
        "upload_max_bytes": (mb + 1) * 1_000_000,
        "upload_reserved_max_bytes": 10 * (mb + 1) * 1_000_000,
        "rate_limit_upload": "100000/minute",
        "run_worker_in_process": False,
        "orphan_sweep_hours": None,
    }
    if endpoint:
        values |= {
            "media_backend": "s3",
            "s3_bucket": bucket,
            "s3_endpoint_url": endpoint,
            "s3_region": REGION,
        }
    settings = Settings(_env_file=None, **values)
    upgrade_head(settings)
    return settings


class Traffic:
    """Bytes sent to and received from S3, and requests, counted on one boto3 client."""

    def __init__(self) -> None:
        self.sent = 0
        self.received = 0
        self.requests: Counter[str] = Counter()

    def watch(self, client: Any) -> None:
        client.meta.events.register("before-send.s3.*", self._before_send)
        client.meta.events.register("after-call.s3.*", self._after_call)

    def _before_send(self, request: Any, **_: Any) -> None:
        self.sent += int(request.headers.get("Content-Length") or 0)

    def _after_call(self, http_response: Any, model: Any, **_: Any) -> None:
        self.requests[model.name] += 1
        length = http_response.headers.get("content-length")
        if model.name == "GetObject" and length:
            self.received += int(length)


async def one_upload(settings: Settings, data: bytes, chunk: int) -> dict[str, float]:
    app = create_app(settings)
    traffic = Traffic()
    pieces = getattr(app.state.upload_partials, "io", None)
    if pieces is not None:
        traffic.watch(pieces.bucket._client)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://x", timeout=600) as c:
            created = await c.post("/v1/uploads", headers=TUS | {"Upload-Length": str(len(data))})
            url = created.headers["Location"]
            offset, started = 0, time.perf_counter()
            while offset < len(data) - 1:
                end = min(offset + chunk, len(data) - 1)
                answer = await c.patch(url, content=data[offset:end], headers=_at(offset))
                assert answer.status_code == 204, answer.text
                offset = end
            receiving = time.perf_counter() - started
            started = time.perf_counter()
            last = await c.patch(url, content=data[-1:], headers=_at(offset))
            assert last.status_code == 415, last.text  # random bytes: refused, nothing kept
            completing = time.perf_counter() - started
    return {
        "mb_s": len(data) / 1e6 / receiving,
        "complete_s": completing,
        "written": traffic.sent / len(data),
        "read": traffic.received / len(data),
        "requests": sum(traffic.requests.values()),
    }


def _at(offset: int) -> dict[str, str]:
    return TUS | {"Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=100)
    parser.add_argument("--chunks-kib", default="512,5120,20480")
    args = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "benchmark")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "benchmark")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    bucket = f"bench-{uuid.uuid4().hex[:12]}"
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name=REGION)
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    data = os.urandom(args.mb * 1_000_000)
    print(f"one upload of {args.mb} MB; moto on loopback; {os.cpu_count()} cores")
    print(
        f"{'where':<8}{'chunk':>10}{'MB/s':>8}{'last byte→answer':>18}"
        f"{'S3 written/B':>14}{'S3 read/B':>11}{'S3 calls':>10}"
    )
    try:
        for kib in (int(value) for value in args.chunks_kib.split(",")):
            for where in ("folder", "bucket"):
                with tempfile.TemporaryDirectory() as folder:
                    settings = settings_for(
                        Path(folder), endpoint if where == "bucket" else None, bucket, args.mb
                    )
                    got = asyncio.run(one_upload(settings, data, kib * 1024))
                print(
                    f"{where:<8}{kib:>7} KiB{got['mb_s']:>8.1f}{got['complete_s']:>16.2f} s"
                    f"{got['written']:>14.2f}{got['read']:>11.2f}{got['requests']:>10.0f}"
                )
        leftovers = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
        print(f"objects left in the bucket afterwards: {len(leftovers)}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
