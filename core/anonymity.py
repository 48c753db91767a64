"""Coarsening, in one place: what is kept of a reporter's position and of the moments
tied to their actions. A precise position can identify a reporter's home; a precise
time can be matched to a network log entry."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

METRES_PER_DEGREE = 111_320.0


def snap(value: float, grid_degrees: float) -> float:
    """Snap to the centre-free grid and round away float noise (12.3450000001 → 12.345)."""
    decimals = max(0, math.ceil(-math.log10(grid_degrees)) + 1)
    return round(round(value / grid_degrees) * grid_degrees, decimals)


def coarsen(
    latitude: float, longitude: float, accuracy_m: float | None, grid_degrees: float
) -> tuple[float, float, float]:
    """Coordinates on the grid, with an accuracy that is never finer than the grid itself."""
    grid_m = grid_degrees * METRES_PER_DEGREE
    return (
        max(-90.0, min(90.0, snap(latitude, grid_degrees))),
        max(-180.0, min(180.0, snap(longitude, grid_degrees))),
        round(max(accuracy_m or 0.0, grid_m)),
    )


def to_the_minute(moment: datetime) -> datetime:
    """Drop seconds so a stored submission time cannot be matched to a network log entry."""
    return moment.replace(second=0, microsecond=0)


def minute_after(moment: datetime) -> datetime:
    """The next whole minute at or after `moment`, for expiries and leases that follow a
    reporter's action: they may last a little longer, but never date the action."""
    floor = to_the_minute(moment)
    return floor if floor == moment else floor + timedelta(minutes=1)


def to_the_hour(moment: datetime) -> datetime:
    """What leaves for the hub says when to the hour: an exact approval time, next to a
    report's coarse place, would help match it to someone's movements."""
    return moment.replace(minute=0, second=0, microsecond=0)
