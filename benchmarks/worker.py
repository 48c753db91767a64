"""Pipeline throughput: reports per second through language detection and translation,
by real `stop-intake worker` processes against PostgreSQL, next to the ceilings.

The reports are the labelled short reports of tests/translation/data/ (several languages,
some typed in a language other than the phone's locale), repeated to `--reports`. The
models are the tiny real argos packages the tests build (tests/translation/tiny_model.py:
es->en, fr->en, pt->en; the other languages find no model and wait untranslated, as they
would in production). The tiny model is random, so these numbers measure the pipeline
and the database round trips, not a real model's decoding: with a real model the
translation share grows and the worker count matters more.

- **ceiling: raw langdetect**: `langdetect.detect` alone, in this process.
- **ceiling: detect + translate in-process**: `worker.pipeline.analyse` (what the worker
  runs per report) over the same texts, in this process, no database.
- **N worker processes**: `stop-intake worker` × N (default settings but a 0.1 s poll),
  started and warmed on a few reports first; then the reports are COPYed in as received
  and timed until none is left received.

Run from the repository root with PostgreSQL on 127.0.0.1:5432 (scripts/postgres):

    .venv/bin/python benchmarks/worker.py [--reports 2000] [--workers 1,2]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
from langdetect import DetectorFactory, LangDetectException, detect  # noqa: E402

from tests.conftest import fresh_pg_database  # noqa: E402
from tests.translation.tiny_model import build_package  # noqa: E402
from translation import ModelStore, Translator, warm_up_detection  # noqa: E402
from worker.pipeline import analyse  # noqa: E402

DATA = ROOT / "tests" / "translation" / "data" / "reports.jsonl"
PAIRS = (("es", "en"), ("fr", "en"), ("pt", "en"))
WARM_UP = 20
COLUMNS = ["id", "client_id_hash", "payload_hash", "receipt_hash", "status", "text", "locale"]
COLUMNS += ["urgent", "category_hints", "translation_status", "attempts", "received_at"]


def texts(count: int) -> list[tuple[str, str | None]]:
    rows = [json.loads(line) for line in DATA.read_text("utf-8").splitlines()]
    return [(row["text"], row["locale"]) for row in itertools.islice(itertools.cycle(rows), count)]


def install_models(folder: Path) -> Path:
    store = ModelStore(folder / "models")
    for source, target in PAIRS:
        store.install(build_package(folder / "packages", source, target))
    return store.directory


def per_second(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def raw_langdetect(reports: list[tuple[str, str | None]]) -> float:
    DetectorFactory.seed = 0
    detect("warm up the profiles")
    start = time.perf_counter()
    for text, _ in reports:
        with suppress(LangDetectException):
            detect(text)
    return per_second(len(reports), time.perf_counter() - start)


def in_process(reports: list[tuple[str, str | None]], models: Path) -> float:
    translator = Translator(models)
    warm_up_detection()
    translator.preload()
    start = time.perf_counter()
    for text, locale in reports:
        analyse(text, locale, translator, "en")
    return per_second(len(reports), time.perf_counter() - start)


def _rows(reports: list[tuple[str, str | None]]) -> list[tuple[Any, ...]]:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    rows = []
    for text, locale in reports:
        key = uuid.uuid4().hex * 2
        row = (uuid.uuid4(), key, key, key[::-1], "received", text, locale, False, "[]")
        rows.append((*row, "pending", 0, now))
    return rows


async def _insert_and_wait(dsn: str, reports: list[tuple[str, str | None]]) -> float:
    """COPY the reports in as received; the seconds until the workers have queued them all."""
    connection = await asyncpg.connect(dsn)
    try:
        await connection.copy_records_to_table("reports", records=_rows(reports), columns=COLUMNS)
        start = time.perf_counter()
        while await connection.fetchval(  # noqa: ASYNC110 (another process does the work)
            "SELECT count(*) FROM reports WHERE status = 'received'"
        ):
            await asyncio.sleep(0.02)
        return time.perf_counter() - start
    finally:
        await connection.close()


def with_workers(
    url: str, models: Path, reports: list[tuple[str, str | None]], processes: int
) -> float:
    dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
    env = {k: v for k, v in os.environ.items() if not k.startswith("STOP_")}
    env |= {
        "STOP_DATABASE_URL": url,
        "STOP_SECRET_KEY": "benchmark-secret",
        "STOP_TRANSLATION_DIR": str(models),
        "STOP_WORKER_POLL_SECONDS": "0.1",
        "STOP_LOG_LEVEL": "WARNING",
    }
    with ExitStack() as stack:
        for _ in range(processes):
            proc = subprocess.Popen(
                [sys.executable, "-m", "cli", "worker"],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            stack.callback(proc.wait, 30)
            stack.callback(proc.terminate)
        asyncio.run(_insert_and_wait(dsn, reports[:WARM_UP] * processes))  # models loaded
        seconds = asyncio.run(_insert_and_wait(dsn, reports))
    return per_second(len(reports), seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--workers", default="1,2")
    args = parser.parse_args()
    reports = texts(args.reports)
    results: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as work:
        models = install_models(Path(work))
        results.append(("ceiling: raw langdetect", raw_langdetect(reports)))
        results.append(("ceiling: detect + translate in-process", in_process(reports, models)))
        for processes in (int(n) for n in args.workers.split(",")):
            with fresh_pg_database() as url:
                rate = with_workers(url, models, reports, processes)
            results.append((f"{processes} worker process(es), PostgreSQL", rate))
            print(f"{processes} worker(s) done", flush=True)
    print(f"\n{args.reports:,} reports, {os.cpu_count()} CPU cores")
    print(f"{'':<42} {'reports/s':>10}")
    for label, rate in results:
        print(f"{label:<42} {rate:>10.1f}")


if __name__ == "__main__":
    main()
