"""Time in one place: timezone-aware UTC (coarsening lives in `core.anonymity`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta


def utcnow() -> datetime:
    """Aware UTC now; every stored timestamp comes from here."""
    return datetime.now(UTC)


def start_of(day: date) -> datetime:
    """The first moment of a UTC day: a filter "from this day" starts here."""
    return datetime.combine(day, time(), UTC)


def end_of(day: date) -> datetime:
    """The first moment after a UTC day: a filter "to this day" includes the whole day,
    so it stops just before this (a half-open range reads one index range)."""
    return start_of(day) + timedelta(days=1)
