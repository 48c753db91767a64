"""Filling `report_bands` for the reports already stored: migration 0027 (timed at 200,000
reports by `benchmarks/moderation.py --migration`), and `stop-intake duplicate-keys` for
those a worker of an earlier release queued meanwhile, without keys.

The reports are read in batches in the order of their ids, their keys computed together
(`core.trigrams.band_keys_of`) and inserted at once; on PostgreSQL a batch is one INSERT
of unnested arrays (20 keys a report: four million rows for 200,000 reports). Reports
still in the pipeline are skipped: the worker stores their keys as it queues them.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

from core.trigrams import band_keys_of, compared_text

BATCH = 2000

_REPORTS = sa.table(
    "reports",
    sa.column("id", sa.Uuid()),
    sa.column("status", sa.String()),
    sa.column("text", sa.Text()),
    sa.column("translated_text", sa.Text()),
    sa.column("received_at", sa.DateTime(timezone=True)),
)
_BANDS = sa.table(
    "report_bands",
    sa.column("band_key", sa.BigInteger()),
    sa.column("received_at", sa.DateTime(timezone=True)),
    sa.column("report_id", sa.Uuid()),
)
_UNNESTED = sa.text(
    "INSERT INTO report_bands (band_key, received_at, report_id) "
    "SELECT * FROM unnest(:band_key, :received_at, :report_id)"
).bindparams(
    sa.bindparam("band_key", type_=postgresql.ARRAY(sa.BigInteger())),
    sa.bindparam("received_at", type_=postgresql.ARRAY(sa.DateTime(timezone=True))),
    sa.bindparam("report_id", type_=postgresql.ARRAY(sa.Uuid())),
)


def fill_band_keys(bind: Connection, *, missing_only: bool = False) -> int:
    """Store the band keys of every report past the pipeline (`missing_only`: of those
    that have none yet); returns how many reports got keys."""
    reports = _REPORTS.c
    keyed = 0
    after = None
    while True:
        chosen = (
            sa.select(reports.id, reports.received_at, reports.text, reports.translated_text)
            .where(reports.status != "received")
            .order_by(reports.id)
            .limit(BATCH)
        )
        if missing_only:  # by the index on report_id, which the migration makes after
            chosen = chosen.where(~sa.exists().where(_BANDS.c.report_id == reports.id))
        if after is not None:
            chosen = chosen.where(reports.id > after)
        batch = bind.execute(chosen).all()
        if not batch:
            return keyed
        after = batch[-1].id
        keys = band_keys_of([compared_text(row.text, row.translated_text) for row in batch])
        columns: dict[str, list[Any]] = {"band_key": [], "received_at": [], "report_id": []}
        for row, mine in zip(batch, keys, strict=True):
            columns["band_key"] += mine
            columns["received_at"] += [row.received_at] * len(mine)
            columns["report_id"] += [row.id] * len(mine)
        count = len(columns["band_key"])
        if count and bind.dialect.name == "postgresql":
            bind.execute(_UNNESTED, columns)
        elif count:
            rows = zip(*columns.values(), strict=True)
            bind.execute(_BANDS.insert(), [dict(zip(columns, row, strict=True)) for row in rows])
        keyed += sum(1 for mine in keys if mine)
