"""Charts for the dashboard, drawn on the server: this module works out the geometry (where
each bar, tick and label goes, in SVG user units) and `templates/_charts.html` writes the
inline `<svg>`, so no chart library, script or outside file is needed and every value is
escaped like any other on the page.

Every chart carries its own words: a title and description for the image as a whole,
a `<title>` per bar or point (what a pointer or a screen reader's explore mode finds) and
the same numbers as a table (`head`, `rows`) printed after it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

WIDTH = 640
#: Room left of the plot for tick values or row labels, below it for column labels, and
#: right of it for half of the last column's label (today's date, centred under it).
LEFT = 44
RIGHT = 20
LABEL_LEFT = 150
BOTTOM = 28
TOP = 8
COLUMN_HEIGHT = 200
ROW_HEIGHT = 22
#: Width of one character of a 12-unit label, generously (the widest of "31 Dec" is about
#: 6.5 units a character in the console's sans-serif), and the least room between labels.
CHAR_WIDTH = 7.5
LABEL_GAP = 10


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str
    series: int = 0


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "middle"


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass
class Chart:
    """One chart: its SVG geometry and the same figures as a table."""

    id: str
    title: str
    description: str
    width: float
    height: float
    bars: list[Bar] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    grid: list[Line] = field(default_factory=list)
    legend: list[str] = field(default_factory=list)
    head: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.rows


def nice_step(largest: float, steps: int = 4) -> float:
    """A round step (1, 2 or 5 times a power of ten) dividing 0..largest into about
    `steps` parts; at least 1, since the dashboard counts whole things."""
    if largest <= steps:
        return 1.0
    raw = largest / steps
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return float(factor * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def _count(value: float) -> str:
    return f"{value:g}"


def labelled_columns(points: int, slot: float, widest: int, label_every: int = 1) -> set[int]:
    """Which of `points` columns, `slot` units wide, get their axis label: the last one
    (today, on a chart of days) and every n-th before it, n a multiple of `label_every` large
    enough that labels of `widest` characters never touch, however many columns there are
    (30 days or 90: a week apart, or two)."""
    needed = (widest * CHAR_WIDTH + LABEL_GAP) / slot if slot > 0 else 1.0
    every = label_every * max(1, math.ceil(needed / label_every))
    return {index for index in range(points) if (points - 1 - index) % every == 0}


def columns(
    chart_id: str,
    title: str,
    description: str,
    points: Sequence[tuple[str, str, float]],
    *,
    head: tuple[str, str],
    words: Callable[[float], str] = _count,
    label_every: int = 1,
) -> Chart:
    """Vertical bars over a sequence (e.g. days): `points` are (full label, short axis
    label, value); the short labels are written under the last column and every n-th
    before it, n a multiple of `label_every` that keeps them apart (`labelled_columns`)."""
    height = TOP + COLUMN_HEIGHT + BOTTOM
    chart = Chart(chart_id, title, description, WIDTH, height, head=list(head))
    largest = max((value for _, _, value in points), default=0.0)
    step = nice_step(largest)
    top = max(step, math.ceil(largest / step) * step)
    scale = COLUMN_HEIGHT / top
    baseline = TOP + COLUMN_HEIGHT
    tick = 0.0
    while tick <= top:
        y = baseline - tick * scale
        chart.grid.append(Line(LEFT, y, WIDTH - RIGHT, y))
        chart.texts.append(Text(LEFT - 6, y + 4, _count(tick), "end"))
        tick += step
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(points))
    widest = max((len(short) for _, short, _ in points), default=0)
    labelled = labelled_columns(len(points), slot, widest, label_every)
    for index, (label, short, value) in enumerate(points):
        x = LEFT + index * slot
        bar_height = value * scale
        chart.bars.append(
            Bar(
                x + slot * 0.15,
                baseline - bar_height,
                slot * 0.7,
                bar_height,
                f"{label}: {words(value)}",
            )
        )
        if index in labelled:
            chart.texts.append(Text(x + slot / 2, baseline + 18, short))
        chart.rows.append([label, words(value)])
    return chart


def bars(
    chart_id: str,
    title: str,
    description: str,
    rows: Sequence[tuple[str, Sequence[float]]],
    *,
    series: Sequence[str],
    head: Sequence[str],
    words: Callable[[float], str] = _count,
) -> Chart:
    """Horizontal bars, one row per category, one bar per series in each row (e.g. the
    decisions of the last 7 and the last 30 days); the value is written after each bar."""
    per_row = len(series)
    row_height = ROW_HEIGHT * per_row + 8
    height = TOP + row_height * max(1, len(rows)) + 4
    chart = Chart(
        chart_id,
        title,
        description,
        WIDTH,
        height,
        legend=list(series) if per_row > 1 else [],
        head=list(head),
    )
    largest = max((value for _, values in rows for value in values), default=0.0)
    room = WIDTH - LABEL_LEFT - 70
    scale = room / largest if largest else 0.0
    for index, (label, values) in enumerate(rows):
        y = TOP + index * row_height
        chart.texts.append(Text(LABEL_LEFT - 8, y + row_height / 2 + 2, label, "end"))
        for which, value in enumerate(values):
            bar_y = y + which * ROW_HEIGHT
            width = max(value * scale, 1.0 if value else 0.0)
            prefix = f"{series[which]}: " if per_row > 1 else ""
            chart.bars.append(
                Bar(
                    LABEL_LEFT,
                    bar_y,
                    width,
                    ROW_HEIGHT - 4,
                    f"{label}: {prefix}{words(value)}",
                    which,
                )
            )
            chart.texts.append(
                Text(LABEL_LEFT + width + 6, bar_y + ROW_HEIGHT - 8, words(value), "start")
            )
        chart.rows.append([label, *(words(value) for value in values)])
    return chart
