"""The dashboard's map of where reports come from, drawn on the server.

With a tile server configured (`STOP_MAP_TILES_URL`, e.g.
`https://tile.example/{z}/{x}/{y}.png`), a static map: a block of 3 × 2 web-mercator
tiles, aligned to the tile grid at the largest zoom that holds every place, shown as
plain `<img>` elements with the places drawn over them in an SVG of the same size. No
script, and the browser fetches only those six tiles (the tile server's origin is added
to the console's img-src: `tile_origin`).

Without one, a grid plot: the places in an equirectangular frame around them
(longitude → x, latitude → y), with lines every few degrees. No outlines of countries.

The places are already rounded (`moderation.dashboard.places`); a dot's area grows with
its count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from moderation.dashboard import Place

TILE = 256
COLUMNS, ROWS = 3, 2
MAX_ZOOM = 10  # about 150 m a pixel: finer would only enlarge rounded places
PLOT_WIDTH, PLOT_HEIGHT, MARGIN = 640, 360, 24


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    r: float
    title: str


@dataclass(frozen=True)
class GridLine:
    x1: float
    y1: float
    x2: float
    y2: float
    label: str
    label_x: float
    label_y: float


@dataclass
class PlaceMap:
    """What the template draws: the frame's size, the dots, and either tiles (a row-major
    list of URLs, None where the map has no tile) or grid lines."""

    width: float
    height: float
    dots: list[Dot] = field(default_factory=list)
    tiles: list[str | None] = field(default_factory=list)
    grid: list[GridLine] = field(default_factory=list)
    source: str | None = None


def tile_origin(url: str | None) -> tuple[str, ...]:
    """The origin of a tile URL template, for the img-src of the console's CSP."""
    if not url:
        return ()
    parts = urlsplit(url)
    return (f"{parts.scheme}://{parts.netloc}",)


def _radius(count: int) -> float:
    return 3.0 + 2.0 * math.sqrt(count)


def _title(place: Place) -> str:
    noun = "report" if place.count == 1 else "reports"
    return f"{place.latitude:.1f}, {place.longitude:.1f}: {place.count} {noun}"


def _mercator(latitude: float, longitude: float, zoom: int) -> tuple[float, float]:
    """World pixel coordinates of a position at `zoom` (web mercator, 256-pixel tiles)."""
    size = TILE * 2**zoom
    latitude = max(-85.05, min(85.05, latitude))
    x = (longitude + 180.0) / 360.0 * size
    sin = math.sin(math.radians(latitude))
    y = (0.5 - math.log((1 + sin) / (1 - sin)) / (4 * math.pi)) * size
    return x, y


def tile_map(places: list[Place], url: str) -> PlaceMap:
    """A 3 × 2 block of tiles holding every place, at the largest zoom that can."""
    zoom = 0
    for candidate in range(MAX_ZOOM, -1, -1):
        xs, ys = zip(*(_mercator(p.latitude, p.longitude, candidate) for p in places), strict=True)
        # Aligned to tiles, the block may start up to a tile before the places' middle.
        if max(xs) - min(xs) <= (COLUMNS - 1) * TILE and max(ys) - min(ys) <= (ROWS - 1) * TILE:
            zoom = candidate
            break
    xs, ys = zip(*(_mercator(p.latitude, p.longitude, zoom) for p in places), strict=True)
    middle_x, middle_y = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    first_x = math.floor(middle_x / TILE - COLUMNS / 2 + 0.5)
    first_y = math.floor(middle_y / TILE - ROWS / 2 + 0.5)
    count = 2**zoom
    first_y = max(0, min(first_y, count - ROWS)) if count >= ROWS else 0
    shown = PlaceMap(COLUMNS * TILE, ROWS * TILE, source=urlsplit(url).netloc)
    for row in range(ROWS):
        for column in range(COLUMNS):
            tile_y = first_y + row
            tile_x = (first_x + column) % count
            shown.tiles.append(
                url.format(z=zoom, x=tile_x, y=tile_y) if 0 <= tile_y < count else None
            )
    for place, x, y in zip(places, xs, ys, strict=True):
        shown.dots.append(
            Dot(x - first_x * TILE, y - first_y * TILE, _radius(place.count), _title(place))
        )
    return shown


def _step(span: float) -> float:
    for step in (0.5, 1, 2, 5, 10, 15, 30, 45, 90):
        if span / step <= 6:
            return float(step)
    return 90.0


def grid_plot(places: list[Place]) -> PlaceMap:
    """The places in an equirectangular frame around them, with grid lines."""
    lats = [p.latitude for p in places]
    lons = [p.longitude for p in places]
    # At least two degrees each way, so one place does not fill the frame.
    south, north = min(lats) - 1, max(lats) + 1
    west, east = min(lons) - 1, max(lons) + 1
    inner_w, inner_h = PLOT_WIDTH - 2 * MARGIN, PLOT_HEIGHT - 2 * MARGIN
    scale = min(inner_w / (east - west), inner_h / (north - south))
    left = MARGIN + (inner_w - (east - west) * scale) / 2
    top = MARGIN + (inner_h - (north - south) * scale) / 2

    def x_of(longitude: float) -> float:
        return left + (longitude - west) * scale

    def y_of(latitude: float) -> float:
        return top + (north - latitude) * scale

    shown = PlaceMap(PLOT_WIDTH, PLOT_HEIGHT)
    step = _step(max(east - west, north - south))
    longitude = math.ceil(west / step) * step
    while longitude <= east:
        x = x_of(longitude)
        label = f"{abs(longitude):g}°{'E' if longitude > 0 else 'W' if longitude < 0 else ''}"
        shown.grid.append(GridLine(x, y_of(north), x, y_of(south), label, x, PLOT_HEIGHT - 6))
        longitude += step
    latitude = math.ceil(south / step) * step
    while latitude <= north:
        y = y_of(latitude)
        label = f"{abs(latitude):g}°{'N' if latitude > 0 else 'S' if latitude < 0 else ''}"
        shown.grid.append(GridLine(x_of(west), y, x_of(east), y, label, 4, y - 3))
        latitude += step
    for place in places:
        shown.dots.append(
            Dot(x_of(place.longitude), y_of(place.latitude), _radius(place.count), _title(place))
        )
    return shown


def place_map(places: list[Place], tiles_url: str | None) -> PlaceMap | None:
    """The tile map when a tile server is configured, else the grid plot; None without
    places."""
    if not places:
        return None
    return tile_map(places, tiles_url) if tiles_url else grid_plot(places)
