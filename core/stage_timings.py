"""How long each stage of a report's way takes, gathered in this process until flushed.

The stages run in different processes: sanitising at intake and publishing on approval run
in an API process, detecting the language and translating in a worker, which may be on
another machine. A Prometheus histogram in one process's memory would show only that
process's share, so each process adds its observations here (`timed`, thread-safe: the
sanitiser and the translator run in threads) and `lifecycle.stage_timings` flushes them
every few seconds into the database, where `GET /metrics` reads the sum of every process.
Nothing here touches the database; a flush that fails puts its figures back.

Labels come from `Stage` and the bucket bounds only: a timing says nothing of a report.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum


class Stage(StrEnum):
    SANITISE = "sanitise"  # one media file, at intake (multipart part or finished upload)
    DETECT = "detect"  # the language of a report or a reporter's message (worker)
    TRANSLATE = "translate"  # a translation that ran a model (worker)
    PUBLISH = "publish"  # a hub incident version written (approval, confirmation, correction)


#: Upper bounds (seconds) of the histogram's buckets; "+Inf" is the last.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
INF = "+Inf"
BOUNDS = (*(f"{bound:g}" for bound in BUCKETS), INF)

#: (stage, bucket bound) -> (observations, seconds): what one bucket gained.
Figures = dict[tuple[Stage, str], tuple[int, float]]


def bucket(seconds: float) -> str:
    """The bound of the one bucket `seconds` falls in (buckets are stored apart, not
    cumulative, so two processes' figures add up)."""
    for bound, label in zip(BUCKETS, BOUNDS, strict=False):
        if seconds <= bound:
            return label
    return INF


class StageTimings:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._figures: Figures = {}

    def observe(self, stage: Stage, seconds: float) -> None:
        key = (stage, bucket(seconds))
        with self._lock:
            count, total = self._figures.get(key, (0, 0.0))
            self._figures[key] = (count + 1, total + seconds)

    def drain(self) -> Figures:
        """Everything observed since the last drain; the caller writes it somewhere."""
        with self._lock:
            figures, self._figures = self._figures, {}
        return figures

    def restore(self, figures: Figures) -> None:
        """Put back figures a flush could not write, for the next flush."""
        with self._lock:
            for key, (count, total) in figures.items():
                have_count, have_total = self._figures.get(key, (0, 0.0))
                self._figures[key] = (have_count + count, have_total + total)


#: This process's timings.
TIMINGS = StageTimings()


@contextmanager
def timed(stage: Stage) -> Iterator[None]:
    """Time the block as one observation of `stage` (also when it raises: a refusal took
    that long too)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        TIMINGS.observe(stage, time.perf_counter() - started)
