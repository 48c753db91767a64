"""The moderation queue at volume: page, filtered page and search times on PostgreSQL at
10,000 and 200,000 reports, side by side (goal: each under 100 ms at 200,000, and flat
as the table grows).

A fresh database is made by the migrations (tests/conftest.py's `fresh_pg_database`), then
filled by COPY with synthetic reports: 5 % urgent, a third awaiting a decision and the
rest decided, five languages (the non-English ones with a translation), countries,
categories, a photo on one in five, texts drawn from a Zipf-like vocabulary of the words
of real reports (see `_vocabulary`) so a word is as common as in real text, stored in the
order they were received within each batch, as intake stores them. Each scenario calls
the real `moderation.queue.page` (the code the API and the console call), warms up, then
takes the median of `--runs` runs. The page with its place clusters
(`moderation.clusters.with_clusters`, as `GET /v1/moderation/queue` and the console's
queue add them) is timed beside it.
`--explain` prints PostgreSQL's plan of every statement of each scenario at the largest
size, to check that the indexes answer them.

Duplicate suggestions (`moderation.duplicates.suggest`) are timed for a report that has a
photo and a position, in the middle of the year: its text is compared by pg_trgm over the
GIN index, its photo's fingerprint against the photos of the ±30-day window, its position
against the reports around it. Positions are spread over a few cities (4 in 5 reports),
and one report in twenty repeats an earlier one's text with a word changed, so there are
duplicates to find.

A bulk rejection of 5,000 queued reports by id (`moderation.bulk.run`, as
`POST /v1/moderation/bulk` calls it) is timed at each size too: the set-based UPDATE and
the 5,000 audit rows (one per report), rolled back after each run like every scenario.

Run from the repository root with PostgreSQL on 127.0.0.1:5432 (scripts/postgres):

    .venv/bin/python benchmarks/moderation.py [--sizes 10000,200000] [--runs 15] [--explain]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import re
import statistics
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alembic import command  # noqa: E402
from alembic.script import ScriptDirectory  # noqa: E402
from sqlalchemy import event, text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession  # noqa: E402

from core.db import create_engine, create_sessionmaker  # noqa: E402
from core.places import cluster_cell  # noqa: E402
from core.settings import Settings  # noqa: E402
from core.trigrams import band_keys_of, compared_text  # noqa: E402
from migrations.runner import alembic_config  # noqa: E402
from models.moderator import Moderator, ModeratorRole  # noqa: E402
from moderation import bulk, clusters  # noqa: E402
from moderation.duplicates import suggest  # noqa: E402
from moderation.queue import QueueQuery, Viewer, page  # noqa: E402
from tests.conftest import fresh_pg_database  # noqa: E402

SEED = 20261130
LANGUAGES = [("en", 0.4), ("es", 0.25), ("fr", 0.15), ("ar", 0.1), ("sw", 0.1)]
COUNTRIES = ["MX", "GB", "ES", "FR", "KE", "NG", "IN", "PH", "US", "BR", "TH", "RO"]
CATEGORIES = ["ForcedLabour", "SexualExploitation", "ChildLabour", "ForcedBegging", "Servitude"]
CITIES = [(19.43, -99.13), (51.51, -0.13), (40.42, -3.70), (-1.29, 36.82), (14.60, 120.98)]
VOCABULARY_SIZE = 20_000
LABELLED = ROOT / "tests" / "translation" / "data"
_LETTERS = re.compile(r"[^\W\d_]+")
START = datetime(2026, 1, 1, tzinfo=UTC)

Scenario = Callable[[AsyncSession], Awaitable[Any]]


def _vocabulary(rng: random.Random) -> list[str]:
    """Words as reports use them, the most frequent first: every word of the labelled
    reports in tests/translation/data/ (several languages), by how often they occur there,
    then made-up words for the long tail (names, places, rare words) drawn letter by letter
    from those words' letter triples. Their character trigrams are spread as in real text,
    some everywhere and most rare, which is what the trigram index's cost depends on (made-up
    words from a few dozen syllables have only ~2,000 trigrams, nearly all in every report).
    """
    counts: Counter[str] = Counter()
    for name in ("reports.jsonl", "hard_reports.jsonl"):
        for line in (LABELLED / name).read_text("utf-8").splitlines():
            counts.update(_LETTERS.findall(json.loads(line)["text"].lower()))
    words = [word for word, _ in counts.most_common() if len(word) > 1]
    following: dict[str, list[str]] = defaultdict(list)
    for word, count in sorted(counts.items()):
        padded = f"^^{word}$"
        for i in range(len(padded) - 2):
            following[padded[i : i + 2]].extend(padded[i + 2] * count)
    known = set(words)
    while len(words) < VOCABULARY_SIZE:
        state, word = "^^", ""
        while (letter := rng.choice(following[state])) != "$" and len(word) < 14:
            word += letter
            state = state[1] + letter
        if len(word) > 1 and word not in known:
            known.add(word)
            words.append(word)
    return words


class Corpus:
    """Texts whose word frequencies fall off like a natural language's (Zipf, s = 1)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.words = _vocabulary(rng)
        self.cumulative = list(
            itertools.accumulate(1 / rank for rank in range(1, len(self.words) + 1))
        )

    def text(self, length: int) -> str:
        words = self.rng.choices(self.words, cum_weights=self.cumulative, k=length)
        return " ".join(words) + "."


def edited(rng: random.Random, corpus: Corpus, text: str) -> str:
    """Another telling of a report: from a few words to half of them replaced, dropped,
    added to or misspelt, so its similarity to the first falls anywhere from about 0.3 to
    nearly 1 (pg_trgm's), around the suggestions' threshold as often as well above it."""
    share = rng.uniform(0.02, 0.5)
    words: list[str] = []
    for word in text.rstrip(".").split():
        roll = rng.random() / share
        if roll < 0.5:
            words.append(corpus.text(1).rstrip("."))  # replaced
        elif roll < 0.7:
            continue  # dropped
        elif roll < 0.85:
            words += [word, corpus.text(1).rstrip(".")]  # one added after it
        elif roll < 1 and len(word) > 3:
            at = rng.randrange(len(word))  # misspelt
            words.append(word[:at] + rng.choice("aeiouy") + word[at + 1 :])
        else:
            words.append(word)
    return " ".join(words) + "."


def _reports(rng: random.Random, corpus: Corpus, count: int, offset: int) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    languages, language_weights = zip(*LANGUAGES, strict=True)
    for n in range(offset, offset + count):
        language = rng.choices(languages, language_weights)[0]
        text = corpus.text(rng.randint(15, 80))
        translated = corpus.text(rng.randint(15, 80)) if language != "en" else None
        # spread over a year, to the minute, as intake keeps it
        received_at = START + timedelta(minutes=rng.randint(0, 525_600))
        if rows and rng.random() < 0.05:
            # another telling of an earlier report, received within days of it: its text
            # in the team's language (the original in English, or the translation) edited
            first = rows[rng.randrange(len(rows))]
            retold = edited(rng, corpus, first[11] if first[11] is not None else first[5])
            if language == "en":
                text = retold
            else:
                translated = retold
            received_at = first[13] + timedelta(minutes=rng.randint(0, 5 * 1440))
        latitude = longitude = None
        if rng.random() < 0.8:
            city_lat, city_lon = rng.choice(CITIES)
            latitude = round(city_lat + rng.uniform(-0.3, 0.3), 3)
            longitude = round(city_lon + rng.uniform(-0.3, 0.3), 3)
        roll = rng.random()
        # a third awaiting a decision, the rest decided
        status = (
            "queued"
            if roll < 0.28
            else "in_review"
            if roll < 0.33
            else "approved"
            if roll < 0.66
            else "rejected"
        )
        categories = sorted(set(rng.sample(CATEGORIES, rng.randint(0, 2))))
        rows.append(
            (
                uuid.uuid4(),
                f"{n:064x}",
                f"{n:064x}",
                f"{n:064x}",
                status,
                text,
                rng.random() < 0.05,
                rng.choice(COUNTRIES) if rng.random() < 0.8 else None,
                json.dumps(categories),
                language,
                "done" if translated else "not_needed",
                translated,
                0,
                received_at,
                latitude,
                longitude,
                cluster_cell(latitude, longitude),
            )
        )
    # stored in the order they arrive, as intake stores them
    return sorted(rows, key=lambda row: row[13])


REPORT_COLUMNS = [
    "id",
    "client_id_hash",
    "payload_hash",
    "receipt_hash",
    "status",
    "text",
    "urgent",
    "country_code",
    "category_hints",
    "language",
    "translation_status",
    "translated_text",
    "attempts",
    "received_at",
    "latitude",
    "longitude",
    "place_cell",
]
MEDIA_COLUMNS = [
    "id",
    "report_id",
    "kind",
    "mime",
    "extension",
    "size_bytes",
    "sha256",
    "storage_key",
    "reencoded",
    "notes",
    "created_at",
    "phash",
]


BANDS = ["band_key", "received_at", "report_id"]


async def fill(settings: Settings, rng: random.Random, corpus: Corpus, count: int, offset: int):
    """COPY `count` more reports (and a photo row for one in five, and their band keys)
    into the database."""
    import asyncpg

    dsn = str(settings.database_url).replace("postgresql+asyncpg://", "postgresql://", 1)
    connection = await asyncpg.connect(dsn)
    try:
        batch = 20_000
        for start in range(0, count, batch):
            reports = _reports(rng, corpus, min(batch, count - start), offset + start)
            await connection.copy_records_to_table(
                "reports", records=reports, columns=REPORT_COLUMNS
            )
            # the band keys the worker stores as it queues a report
            keys = band_keys_of([compared_text(report[5], report[11]) for report in reports])
            bands = [
                (key, report[13], report[0])
                for report, mine in zip(reports, keys, strict=True)
                for key in mine
            ]
            await connection.copy_records_to_table("report_bands", records=bands, columns=BANDS)
            media = [
                (
                    uuid.uuid4(),
                    report[0],
                    "image",
                    "image/jpeg",
                    "jpg",
                    1000,
                    "0" * 64,
                    f"bench/{uuid.uuid4().hex}.jpg",
                    False,
                    "",
                    report[13],
                    f"{rng.getrandbits(64):016x}",
                )
                for report in reports
                if rng.random() < 0.2
            ]
            await connection.copy_records_to_table("media", records=media, columns=MEDIA_COLUMNS)
        for table_name in ("reports", "media", "report_bands"):
            await connection.execute(f"VACUUM ANALYZE {table_name}")
    finally:
        await connection.close()


def scenarios(corpus: Corpus) -> dict[str, Scenario]:
    common, middling, rare = corpus.words[20], corpus.words[400], corpus.words[5000]
    viewer = Viewer(uuid.uuid4(), datetime.now(UTC))  # a moderator who holds no claim

    def call(**params: Any) -> Scenario:
        async def run(session: AsyncSession) -> Any:
            return await page(session, QueueQuery(**params), viewer)

        return run

    async def tenth_page(session: AsyncSession) -> Any:
        query = QueueQuery(limit=50)
        for _ in range(10):
            result = await page(session, query, viewer)
            query = QueueQuery(limit=50, after=result.next)
        return result

    async def clustered_page(session: AsyncSession) -> Any:
        first = await page(session, QueueQuery(limit=50), viewer)
        return await clusters.with_clusters(session, first)

    return {
        "queue page (first, 50)": call(limit=50),
        "queue page + clusters (first, 50)": clustered_page,
        "queue page (10th, by cursor)": tenth_page,
        "filtered: language es + media": call(language="es", has_media=True),
        "filtered: country KE + category": call(country="KE", category="ChildLabour"),
        "filtered: last week": call(received_from="2026-12-24"),
        f"search: common word ({common})": call(q=common),
        f"search: middling word ({middling})": call(q=middling),
        f"search: rare word ({rare})": call(q=rare),
        "search: two words + filter": call(q=f"{middling} {common}", language="fr"),
        "look back: approved": call(status=["approved"]),
        "duplicate suggestions": suggest_for_a_report,
        "bulk reject 5,000 (ids)": bulk_reject,
    }


_CHOSEN: dict[str, uuid.UUID] = {}
_BULK: dict[str, Any] = {}


async def bulk_reject(session: AsyncSession) -> Any:
    """Reject 5,000 queued reports as spam, by id, as a lead (the lead is made once; the
    reports chosen once per size: the first 5,000 queued by id)."""
    if "lead" not in _BULK:
        fields = {
            "id": uuid.uuid4(),
            "username": "bench-lead",
            "password_hash": "-",
            "role": ModeratorRole.LEAD,
            "created_at": datetime.now(UTC),
        }
        session.add(Moderator(**fields))
        await session.commit()
        _BULK["lead"] = Moderator(**fields)  # a copy outside any session, never expired
    if "ids" not in _CHOSEN:
        found = await session.scalars(
            text("SELECT id FROM reports WHERE status = 'queued' ORDER BY id LIMIT 5000")
        )
        _BULK["ids"] = list(found)
        _CHOSEN["ids"] = _BULK["ids"][0]
    body = bulk.BulkIn(action=bulk.BulkAction.REJECT, report_ids=_BULK["ids"], reason="Spam.")
    done = await bulk.run(session, _BULK["lead"], body, _BULK["settings"])
    assert done.changed == len(_BULK["ids"]), done
    return done


async def suggest_for_a_report(session: AsyncSession) -> Any:
    """Suggestions for one report with a photo and a position, received mid-year (chosen
    once per size: the one received last before July with both)."""
    if "report" not in _CHOSEN:
        found = await session.execute(
            text(
                "SELECT r.id FROM reports r JOIN media m ON m.report_id = r.id "
                "WHERE r.latitude IS NOT NULL AND r.received_at < '2026-07-01' "
                "ORDER BY r.received_at DESC LIMIT 1"
            )
        )
        _CHOSEN["report"] = found.scalar_one()
    return await suggest(session, _CHOSEN["report"])


async def measure(settings: Settings, named: dict[str, Scenario], runs: int) -> dict[str, float]:
    engine = create_engine(settings)
    sessionmaker = create_sessionmaker(engine)
    medians: dict[str, float] = {}
    try:
        for name, scenario in named.items():
            times = []
            async with sessionmaker() as session:
                for attempt in range(runs + 3):
                    start = time.perf_counter()
                    await scenario(session)
                    if attempt >= 3:  # the first runs warm the caches and prepared statements
                        times.append(time.perf_counter() - start)
                    await session.rollback()
            if name.startswith("queue page (10th"):
                times = [t / 10 for t in times]  # per page
            medians[name] = statistics.median(times) * 1000
    finally:
        await engine.dispose()
    return medians


async def explain(settings: Settings, named: dict[str, Scenario]) -> None:
    """EXPLAIN ANALYZE of every statement each scenario sends."""
    engine = create_engine(settings)
    sessionmaker = create_sessionmaker(engine)
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        for name, scenario in named.items():
            if name.startswith("queue page (10th"):
                continue
            statements.clear()
            async with sessionmaker() as session:
                await scenario(session)
                raw = (await (await session.connection()).get_raw_connection()).driver_connection
                print(f"\n=== {name}")
                for statement, parameters in list(statements):
                    plan = await raw.fetch(
                        "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + statement,
                        *parameters,
                    )
                    print("\n".join(row[0] for row in plan))
                    print("---")
    finally:
        await engine.dispose()


def table(sizes: list[int], results: dict[int, dict[str, float]]) -> str:
    names = list(results[sizes[0]])
    width = max(len(name) for name in names) + 2
    lines = [
        "".ljust(width) + "".join(f"{size:>14,}" for size in sizes) + "   (median ms)",
    ]
    for name in names:
        cells = "".join(f"{results[size][name]:>11.1f} ms" for size in sizes)
        lines.append(name.ljust(width) + cells)
    return "\n".join(lines)


def remigrate(settings: Settings) -> str:
    """Migration 0027 on the database as it stands: down to the revision before it, then
    up again, the upgrade timed (it computes and stores the keys of every report)."""
    config = alembic_config(settings)
    before = ScriptDirectory.from_config(config).get_revision("0027").down_revision
    assert isinstance(before, str)
    command.downgrade(config, before)
    started = time.perf_counter()
    command.upgrade(config, "head")
    return (
        f"migration 0027 (keys of every report, indexes) took {time.perf_counter() - started:.1f} s"
    )


async def sizes_on_disk(settings: Settings) -> str:
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text(
                    "SELECT relname, pg_size_pretty(pg_total_relation_size(oid)) FROM pg_class "
                    "WHERE relname IN ('reports', 'report_bands')"
                )
            )
            return ", ".join(f"{name} {size}" for name, size in rows)
    finally:
        await engine.dispose()


async def run(
    url: str, sizes: list[int], runs: int, show_plans: bool, only: str, migration: bool
) -> None:
    rng = random.Random(SEED)
    corpus = Corpus(rng)
    named = {name: call for name, call in scenarios(corpus).items() if only in name}
    results: dict[int, dict[str, float]] = {}
    settings = Settings(database_url=url, _env_file=None)
    _BULK["settings"] = settings
    stored = 0
    for size in sorted(sizes):
        started = time.perf_counter()
        await fill(settings, rng, corpus, size - stored, stored)
        print(f"{size:,} reports stored in {time.perf_counter() - started:.1f} s", flush=True)
        print(f"  on disk with their indexes: {await sizes_on_disk(settings)}", flush=True)
        if migration:
            print("  " + await asyncio.to_thread(remigrate, settings), flush=True)
        stored = size
        _CHOSEN.clear()
        results[size] = await measure(settings, named, runs)
    if show_plans:
        await explain(settings, named)
    print()
    print(table(sorted(sizes), results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,200000")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--only", default="", help="run the scenarios whose name has this")
    parser.add_argument(
        "--migration", action="store_true", help="time migration 0027 again at each size"
    )
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    with fresh_pg_database() as url:  # made and dropped outside the event loop
        asyncio.run(run(url, sizes, args.runs, args.explain, args.only, args.migration))


if __name__ == "__main__":
    main()
