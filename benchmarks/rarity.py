"""The rarity check on a realistic feed: how 10,000 incidents across a few countries leave
(as configured, generalised, or held for a lead), next to what the first schema published
(coordinates rounded to 0.01°, exact dates: how many incidents were one of a kind).

Incidents are generated around real cities of four countries (most within ~10 km of a
centre, some scattered in the countryside), over two years, with realistic demographics
(mostly one to five people, a few bands of age, one or two genders, the local citizenship
or a neighbour's). Each incident goes through the real code in feed order: its content is
built by `hub.content.build` at the four levels, and `hub.rarity.release_level` decides
against the incidents already in a real PostgreSQL database (tests/conftest.py's
`fresh_pg_database`, made by the migrations). A held incident is assumed confirmed by a
lead (published at the coarsest level), the most the feed can hold.

Run from the repository root with PostgreSQL on 127.0.0.1:5432 (scripts/postgres):

    .venv/bin/python benchmarks/rarity.py [--incidents 10000] [--k 3,5]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import statistics
import sys
import time
import uuid
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.db import create_engine, create_sessionmaker  # noqa: E402
from core.settings import Settings  # noqa: E402
from hub import rarity  # noqa: E402
from hub.coarse import Level  # noqa: E402
from hub.content import Source, build, quasi_identifiers  # noqa: E402
from hub.fields import IncidentFieldsIn  # noqa: E402
from tests.conftest import fresh_pg_database  # noqa: E402

SEED = 20261130
# (alpha-2, neighbour for citizenship, cities as (latitude, longitude, weight))
COUNTRIES = [
    (
        "MX",
        "GT",
        [(19.43, -99.13, 5), (20.67, -103.35, 2), (25.69, -100.32, 2), (21.16, -86.85, 1)],
    ),
    ("GB", "RO", [(51.51, -0.13, 5), (53.48, -2.24, 2), (52.49, -1.89, 2), (55.86, -4.25, 1)]),
    ("NG", "BJ", [(6.52, 3.38, 5), (9.06, 7.49, 2), (12.00, 8.52, 2), (6.34, 5.63, 1)]),
    ("PH", "ID", [(14.60, 120.98, 5), (10.32, 123.89, 2), (7.19, 125.46, 2), (16.41, 120.60, 1)]),
]
AGE_BANDS = ["0-8", "9-17", "18-20", "21-23", "24-26", "27-29", "30-38", "39-47", "48+"]
AGE_WEIGHTS = [1, 4, 5, 5, 4, 3, 4, 2, 1]
START = date(2024, 1, 1)
KM_PER_DEGREE = 111.32


def _point(rng: random.Random, city: tuple[float, float, int]) -> tuple[float, float]:
    latitude, longitude, _ = city
    spread = 8 if rng.random() < 0.85 else 80  # km: the city, or its countryside
    north, east = rng.gauss(0, spread), rng.gauss(0, spread)
    scale = KM_PER_DEGREE * math.cos(math.radians(latitude))
    return (
        round(latitude + north / KM_PER_DEGREE, 3),  # intake keeps ~110 m
        round(longitude + east / scale, 3),
    )


def incident(rng: random.Random) -> tuple[IncidentFieldsIn, Source, tuple[float, float], date]:
    country, neighbour, cities = rng.choice(COUNTRIES)
    city = rng.choices(cities, weights=[weight for *_, weight in cities])[0]
    point = _point(rng, city)
    day = START + timedelta(days=rng.randrange(730))
    people = min(60, int(rng.expovariate(1 / 3)) + 1)
    ages = rng.choices(AGE_BANDS, weights=AGE_WEIGHTS, k=rng.choice([0, 1, 1, 2]))
    genders = rng.choices(["Woman", "Man"], weights=[3, 2], k=rng.choice([0, 1, 1, 2]))
    citizenship = rng.choices([[country], [neighbour], None], weights=[5, 2, 3])[0]
    fields = IncidentFieldsIn.model_validate(
        {
            "summary": "Generated incident.",
            "exploitation_types": {rng.choice(["ForcedLabour", "SexualExploitation"]): "yes"},
            "genders": {gender: "yes" for gender in genders},
            "age_bands": {band: "yes" for band in ages},
            "citizenships": citizenship,
            "people_affected": people,
            "events": [
                {"type": "Exploitation", "place": "cell", "country": country, "date_from": str(day)}
            ],
        }
    )
    return fields, Source(urgent=False, language="es", point=point), point, day


async def check(url: str, incidents: list[Any], k: int) -> tuple[Counter[str], list[float]]:
    settings = Settings(database_url=url, _env_file=None, hub_rarity_k=k)
    engine = create_engine(settings)
    sessionmaker = create_sessionmaker(engine)
    outcomes: Counter[str] = Counter()
    timings: list[float] = []
    try:
        async with sessionmaker() as session:
            for index, (fields, source, _, _) in enumerate(incidents):
                incident_id = uuid.uuid4()
                started = time.perf_counter()
                keys = {
                    level: quasi_identifiers(build(fields, source, settings, level))
                    for level in Level
                }
                found = await rarity.release_level(session, incident_id, keys, k)
                timings.append(time.perf_counter() - started)
                level = Level.WIDEST if found is None else found
                await rarity.remember(session, incident_id, level, keys)
                stage = "first 1,000" if index < 1000 else "after 1,000"
                outcomes[f"{stage}: {'held' if found is None else f'level {int(found)}'}"] += 1
                if index % 500 == 499:
                    await session.commit()
            await session.commit()
    finally:
        await engine.dispose()
    return outcomes, timings


def first_schema_uniques(incidents: list[Any]) -> float:
    """Share of incidents that the first schema published as one of a kind: the same
    0.01° point, the same first day, the same people (count, ages, genders)."""
    combos = Counter(
        (
            round(point[0], 2),
            round(point[1], 2),
            day,
            fields.people_affected,
            tuple(sorted(fields.age_bands)),
            tuple(sorted(fields.genders)),
        )
        for fields, _, point, day in incidents
    )
    return sum(1 for count in combos.values() if count == 1) / len(incidents)


async def run(url: str, count: int, ks: list[int], *, header: bool) -> None:
    rng = random.Random(SEED)
    incidents = [incident(rng) for _ in range(count)]
    if header:
        print(f"{count:,} incidents, 4 countries, 16 cities, two years\n")
        print(
            f"first schema (0.01° point, exact date): {first_schema_uniques(incidents):.1%} "
            "of incidents one of a kind in the feed"
        )
    for k in ks:
        outcomes, timings = await check(url, incidents, k)
        first = sum(value for key, value in outcomes.items() if key.startswith("first"))
        later = count - first
        print(
            f"\nschema 2.0, k={k} (levels: 0 res 7 / month; 1 res 5 / quarter; "
            "2 the same, people withheld; 3 country / year):"
        )
        print(f"  {'outcome':<12}{'first 1,000':>14}{'after 1,000':>14}")
        for outcome in ("level 0", "level 1", "level 2", "level 3", "held"):
            shares = [
                outcomes[f"{stage}: {outcome}"] / total
                for stage, total in (("first 1,000", first), ("after 1,000", later))
            ]
            print(f"  {outcome:<12}{shares[0]:>14.1%}{shares[1]:>14.1%}")
        print(
            f"  check: median {statistics.median(timings) * 1000:.2f} ms, "
            f"p99 {sorted(timings)[int(len(timings) * 0.99)] * 1000:.2f} ms per incident"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--k", default="3,5")
    args = parser.parse_args()
    ks = [int(k) for k in args.k.split(",")]
    for index, k in enumerate(ks):  # a fresh feed per k
        with fresh_pg_database() as url:
            asyncio.run(run(url, args.incidents, [k], header=index == 0))


if __name__ == "__main__":
    main()
