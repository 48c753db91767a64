"""How many of the similar texts the duplicate suggestions find through their band keys,
against the exact method, on the data of benchmarks/moderation.py.

The exact method is what the suggestions did before migration 0027: every report of the
±30-day window whose compared text is at least `TEXT_SIMILARITY` alike by pg_trgm. For a
sample of reports, the script finds those pairs by comparing each with every report of its
window (in Python with the same trigram measure, then each pair within 0.05 of the
threshold or above scored again by pg_trgm's `similarity`), and counts how many of them
`moderation.duplicates.similar_texts` (band keys, then pg_trgm over the candidates only)
finds, by similarity, with how many candidates the keys bring per report. One report in
twenty of that data retells one received in the days before it, with from a few words to
half of them changed (`benchmarks.moderation.edited`), so pairs fall all along the
similarity scale from about 0.3, the threshold's neighbourhood included.

Run from the repository root with PostgreSQL on 127.0.0.1:5432 (scripts/postgres):

    .venv/bin/python benchmarks/duplicate_recall.py [--size 50000] [--queries 3000]
    .venv/bin/python benchmarks/duplicate_recall.py --pairs 6000   # no database
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import random
import sys
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession  # noqa: E402
from sqlmodel import col  # noqa: E402

from benchmarks.moderation import SEED, Corpus, edited, fill  # noqa: E402
from core.db import create_engine, create_sessionmaker  # noqa: E402
from core.settings import Settings  # noqa: E402
from core.trigrams import band_keys, compared_text, probe_keys, similarity, trigrams  # noqa: E402
from models.report import Report  # noqa: E402
from models.report_band import ReportBand  # noqa: E402
from moderation.duplicates import TEXT_SIMILARITY, WINDOW_DAYS, similar_texts  # noqa: E402
from tests.conftest import fresh_pg_database  # noqa: E402

BUCKETS = [(0.45, 0.5), (0.5, 0.6), (0.6, 0.8), (0.8, 1.01)]


async def exact(
    session: AsyncSession, wanted: str, near_misses: list[uuid.UUID]
) -> dict[uuid.UUID, float]:
    """pg_trgm's similarity of these reports to `wanted`, those at the threshold or above."""
    if not near_misses:
        return {}
    document = func.left(func.coalesce(col(Report.translated_text), col(Report.text)), 300)
    score = func.similarity(document, wanted)
    rows = await session.execute(
        select(col(Report.id), score).where(col(Report.id).in_(near_misses))
    )
    return {report_id: value for report_id, value in rows if value >= TEXT_SIMILARITY}


async def sharing(session: AsyncSession, wanted: str, lo: datetime, hi: datetime) -> int:
    """How many reports of the window share a band key with the text (the candidates)."""
    keys = probe_keys(wanted)
    if not keys:
        return 0
    found = await session.scalar(
        select(func.count(func.distinct(col(ReportBand.report_id)))).where(
            col(ReportBand.band_key).in_(keys), col(ReportBand.received_at).between(lo, hi)
        )
    )
    return int(found or 0)


async def run(url: str, size: int, queries: int) -> None:
    rng = random.Random(SEED)
    corpus = Corpus(rng)
    settings = Settings(database_url=url, _env_file=None)
    started = time.perf_counter()
    await fill(settings, rng, corpus, size, 0)
    print(f"{size:,} reports stored in {time.perf_counter() - started:.1f} s", flush=True)
    engine = create_engine(settings)
    window = timedelta(days=WINDOW_DAYS)
    pairs: Counter[tuple[float, float]] = Counter()
    found_pairs: Counter[tuple[float, float]] = Counter()
    candidates = 0
    try:
        async with create_sessionmaker(engine)() as session:
            rows = (
                await session.execute(
                    select(
                        col(Report.id),
                        col(Report.received_at),
                        col(Report.text),
                        col(Report.translated_text),
                    ).order_by(col(Report.received_at))
                )
            ).all()
            times = [row.received_at for row in rows]
            texts = [compared_text(row.text, row.translated_text) for row in rows]
            grams = [trigrams(text) for text in texts]
            chosen = random.Random(SEED).sample(range(len(rows)), min(queries, len(rows)))
            for done, index in enumerate(chosen, start=1):
                at, wanted = times[index], texts[index]
                lo, hi = at - window, at + window
                first, last = bisect.bisect_left(times, lo), bisect.bisect_right(times, hi)
                near_misses = [
                    rows[other].id
                    for other in range(first, last)
                    if other != index
                    and similarity(grams[index], grams[other]) >= TEXT_SIMILARITY - 0.05
                ]
                truth = await exact(session, wanted, near_misses)
                found = await similar_texts(session, wanted, lo, hi)
                candidates += await sharing(session, wanted, lo, hi) - 1  # not itself
                for other_id, score in truth.items():
                    bucket = next(b for b in BUCKETS if b[0] <= score < b[1])
                    pairs[bucket] += 1
                    found_pairs[bucket] += other_id in found
                if done % 500 == 0:
                    print(f"  {done} reports compared", flush=True)
    finally:
        await engine.dispose()
    print(f"\n{len(chosen):,} reports of {size:,}, each against its ±{WINDOW_DAYS}-day window")
    report(pairs, found_pairs)
    print(f"candidates the keys bring per report: {candidates / len(chosen):.1f}")


def report(pairs: Counter[tuple[float, float]], found: Counter[tuple[float, float]]) -> None:
    print(f"{'similarity (pg_trgm)':<24}{'pairs':>8}{'found':>8}{'recall':>9}")
    for bucket in BUCKETS:
        name = f"{bucket[0]:.2f} to {min(bucket[1], 1):.2f}"
        share = found[bucket] / pairs[bucket] if pairs[bucket] else float("nan")
        print(f"{name:<24}{pairs[bucket]:>8}{found[bucket]:>8}{share:>9.1%}")
    total, hits = sum(pairs.values()), sum(found.values())
    print(f"{'all':<24}{total:>8}{hits:>8}{hits / max(total, 1):>9.1%}")


def retold_pairs(count: int) -> None:
    """Without a database: `count` pairs of a text and its retelling (`edited`) at the
    threshold or above, and whether the retelling's stored keys meet the first one's probes:
    many more pairs near the threshold than the data holds."""
    rng = random.Random(SEED + 1)
    corpus = Corpus(random.Random(SEED))
    pairs: Counter[tuple[float, float]] = Counter()
    found: Counter[tuple[float, float]] = Counter()
    while sum(pairs.values()) < count:
        first = corpus.text(rng.randint(15, 80))[:300]
        retold = edited(rng, corpus, first)[:300]
        score = similarity(trigrams(first), trigrams(retold))
        if score >= TEXT_SIMILARITY:
            bucket = next(b for b in BUCKETS if b[0] <= score < b[1])
            pairs[bucket] += 1
            found[bucket] += bool(set(probe_keys(first)) & set(band_keys(retold)))
    print(f"{count:,} retold pairs, compared directly")
    report(pairs, found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=3_000)
    parser.add_argument(
        "--pairs", type=int, default=0, help="only compare this many retold pairs directly"
    )
    args = parser.parse_args()
    if args.pairs:
        retold_pairs(args.pairs)
        return
    with fresh_pg_database() as url:  # made and dropped outside the event loop
        asyncio.run(run(url, args.size, args.queries))


if __name__ == "__main__":
    main()
