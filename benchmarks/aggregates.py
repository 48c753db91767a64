"""How wrong are the private aggregates? True counts next to noisy counts, at a few epsilons.

Makes `--incidents` realistic incidents (10,000 by default) across six countries and the
twelve months of 2024: the moderator's fields (`hub.fields.IncidentFieldsIn`: one to three
events, one or two exploitation types, sometimes none answered yes, one in ten places
withheld) built into schema 2.0 content by `hub.content.build`, exactly as published. The
counts then go through the code the API runs (`hub.aggregates`: the cells of each
incident, the contribution bound, OpenDP's counts and discrete Laplace noise, negatives
released as 0), in memory: the database adds nothing to the error.

For each epsilon it prints, over every cell of the release (all ISO countries and
`unknown`, 12 months and `unknown`, the exploitation types and `unknown`):

- MAE: mean absolute error of the released counts against the true counts, every cell;
- MAE true>0: the same over the cells that really hold incidents;
- rel. err. >=N: mean relative error of the cells holding at least N incidents;
- bound loss: incidents left out of cells by the contribution bound (the same at every
  epsilon: it is bias, not noise).

Then a few cells side by side, true and noisy at each epsilon. The data is seeded; OpenDP's
noise is not (it cannot be, on purpose), so the noisy columns differ on each run.

    .venv/bin/python benchmarks/aggregates.py [--incidents 10000] [--epsilons 0.1,0.5,1,2]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.settings import Settings  # noqa: E402
from hub import aggregates  # noqa: E402
from hub.aggregates import Dimension, Query  # noqa: E402
from hub.coarse import Level  # noqa: E402
from hub.content import Source, build  # noqa: E402
from hub.fields import IncidentFieldsIn  # noqa: E402

COUNTRIES = {"MX": 35, "GT": 20, "US": 13, "HN": 12, "SV": 10, "CO": 10}
EXPLOITATION = {
    "ForcedLabour": 45,
    "SexualExploitation": 35,
    "ChildLabour": 8,
    "ForcedBegging": 5,
    "Servitude": 5,
    "ForcedMarriage": 2,
}
STAGES = ["Recruitment", "Transit", "Exploitation"]


def pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def incident(rng: random.Random, settings: Settings) -> dict[str, Any]:
    """One incident's published content, from fields a moderator could have given."""
    home = pick(rng, COUNTRIES)
    month = rng.randint(1, 12)
    events = []
    for stage in STAGES[3 - rng.choices([1, 2, 3], weights=[60, 30, 10])[0] :]:
        country = home if rng.random() < 0.7 else pick(rng, COUNTRIES)
        day = date(2024, month, rng.randint(1, 28))
        place = "none" if rng.random() < 0.1 else "country"
        events.append({"type": stage, "place": place, "country": country, "date_from": day})
        month = min(12, month + rng.choice([0, 0, 1]))
    types = {pick(rng, EXPLOITATION) for _ in range(rng.choice([1, 1, 1, 2]))}
    answers = {kind: "yes" for kind in types} if rng.random() > 0.08 else {}
    fields = IncidentFieldsIn.model_validate(
        {
            "summary": "Synthetic incident for the aggregates benchmark.",
            "exploitation_types": answers,
            "events": events,
            "people_affected": rng.randint(1, 12),
        }
    )
    return build(fields, Source(urgent=False, language="es", point=None), settings, Level.FINE)


def relative(true: dict[Any, int], noisy: dict[Any, int], keys: list[Any], at_least: int) -> float:
    big = [key for key in keys if true.get(key, 0) >= at_least]
    if not big:
        return float("nan")
    return sum(abs(noisy[key] - true[key]) / true[key] for key in big) / len(big)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--epsilons", default="0.1,0.5,1,2")
    parser.add_argument("--bound", type=int, default=Settings().aggregates_max_cells_per_incident)
    parser.add_argument("--at-least", type=int, default=50, help="N of the relative error")
    args = parser.parse_args()
    epsilons = [float(value) for value in args.epsilons.split(",")]
    settings = Settings(_env_file=None)
    rng = random.Random(13)

    started = time.perf_counter()
    incidents = [(f"incident-{n}", incident(rng, settings)) for n in range(args.incidents)]
    made = time.perf_counter() - started
    query = Query(
        (Dimension.COUNTRY, Dimension.EXPLOITATION, Dimension.MONTH),
        since=date(2024, 1, 1),
        until=date(2024, 12, 1),
    )
    true = aggregates.true_counts(incidents, query)
    data = aggregates.records(incidents, query, args.bound)
    over = sum(len(aggregates.incident_cells(c, query)) > args.bound for _, c in incidents)
    print(
        f"{args.incidents:,} incidents made in {made:.1f} s; by=country,exploitation,month "
        f"over 2024: {aggregates.cell_count(query):,} cells, {len(true):,} of them non-empty; "
        f"contribution bound {args.bound} ({over:,} incidents fall in more cells and keep "
        f"{args.bound}: {sum(true.values()) - len(data):,} counts left out)"
    )
    print()
    header = (
        f"{'epsilon':>8} {'scale':>7} {'MAE':>7} {'MAE true>0':>11} "
        f"{'rel. err. >=' + str(args.at_least):>16} {'release s':>10}"
    )
    print(header)
    print("-" * len(header))
    releases: dict[float, dict[tuple[str, ...], int]] = {}
    for epsilon in epsilons:
        started = time.perf_counter()
        mechanism = aggregates.mechanism(query, args.bound, epsilon)
        noisy = aggregates.noisy_counts(mechanism, data)
        took = time.perf_counter() - started
        releases[epsilon] = noisy
        keys = list(noisy)
        mae = sum(abs(noisy[key] - true.get(key, 0)) for key in keys) / len(keys)
        nonzero = [key for key in keys if true.get(key, 0) > 0]
        mae_nonzero = sum(abs(noisy[key] - true[key]) for key in nonzero) / len(nonzero)
        rel = relative(true, noisy, keys, args.at_least)
        print(
            f"{mechanism.epsilon:>8g} {mechanism.scale:>7.1f} {mae:>7.2f} {mae_nonzero:>11.2f} "
            f"{rel:>16.1%} {took:>10.2f}"
        )

    print()
    shown = sorted(true, key=lambda key: -true[key])
    examples = shown[:4] + shown[len(shown) // 2 : len(shown) // 2 + 3] + shown[-3:]
    examples += [("MEX", "unknown", "2024-05"), ("FRA", "ForcedLabour", "2024-05")]
    columns = "".join(f"{'eps ' + format(e, 'g'):>10}" for e in epsilons)
    print(f"{'cell (country, exploitation, month)':<42}{'true':>6}{columns}")
    for key in examples:
        noisy_values = "".join(f"{releases[e][key]:>10}" for e in epsilons)
        print(f"{', '.join(key):<42}{true.get(key, 0):>6}{noisy_values}")


if __name__ == "__main__":
    main()
