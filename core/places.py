"""Where reports are, for telling moderators which ones are about the same place: the
distance between two stored (already coarse) positions, and the cell that groups reports
into a cluster.

A cluster cell is an H3 cell at resolution 7 (about 5 km², an edge of about 1.2 km):
equal-area everywhere, unlike a grid of degrees, and far coarser than the ~110 m grid
intake keeps, so it reveals nothing more about a reporter than the stored position does.
"""

from __future__ import annotations

import math

import h3

CLUSTER_RESOLUTION = 7
EARTH_RADIUS_KM = 6371.0088


def cluster_cell(latitude: float | None, longitude: float | None) -> str | None:
    """The H3 cell (resolution 7) a stored position falls in; None without a position."""
    if latitude is None or longitude is None:
        return None
    return str(h3.latlng_to_cell(latitude, longitude, CLUSTER_RESOLUTION))


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine) between two positions, in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def degrees_around(latitude: float, km: float) -> tuple[float, float]:
    """How many degrees of latitude and of longitude `km` spans at `latitude`: the box a
    database can search with plain range conditions before the exact distance is taken."""
    dlat = km / 111.32
    shrink = max(math.cos(math.radians(latitude)), 0.01)
    return dlat, min(180.0, dlat / shrink)
