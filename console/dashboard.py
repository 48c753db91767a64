"""The dashboard page: the figures of `moderation.dashboard` as server-made SVG charts
(`console.charts`) and a map of coarse places (`console.maps`).

Open to every moderator, not only leads: it holds counts, times and rounded places, no
report text, and seeing the queue's age and the team's pace helps a moderator choose
what to do next as much as it helps a lead plan the shift.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from starlette.responses import Response

from console.auth import ConsoleUserDep
from console.charts import Chart, bars, columns
from console.maps import place_map
from console.templating import render
from console.wording import duration, language_name
from core.deps import SessionDep, SettingsDep
from core.errors import InvalidInput
from moderation import dashboard as figures

router = APIRouter()


class UnknownPeriod(InvalidInput):
    slug = "unknown-period"
    title = "The dashboard covers the last 30 or 90 days"


def _hours(seconds: float) -> str:
    return duration(timedelta(seconds=seconds))


def charts(data: figures.Dashboard) -> list[Chart]:
    """The dashboard's charts, in the order the page shows them."""
    days = data.days
    per_day = columns(
        "per-day",
        f"Reports received per day, last {days} days",
        "One bar per day (UTC), today last.",
        [(day.isoformat(), day.strftime("%d %b"), float(count)) for day, count in data.per_day],
        head=("Day", "Reports"),
        label_every=7,
    )
    languages = bars(
        "languages",
        f"Language mix, last {days} days",
        "Reports by the language the service detected.",
        [(language_name(code), [float(count)]) for code, count in data.languages],
        series=["Reports"],
        head=["Language", "Reports"],
    )
    decisions = bars(
        "decisions",
        "Decisions per moderator",
        f"Approvals, rejections and merges by each moderator in the last "
        f"{figures.RECENT_DAYS} and {days} days.",
        [(row.username, [float(row.last_week), float(row.last_month)]) for row in data.decisions],
        series=[f"Last {figures.RECENT_DAYS} days", f"Last {days} days"],
        head=["Moderator", f"Last {figures.RECENT_DAYS} days", f"Last {days} days"],
    )
    times = data.decision_times
    timing = bars(
        "decision-time",
        "Time from receipt to decision",
        f"Over the {times.count} decisions of the last {days} days.",
        [
            (name, [value.total_seconds()])
            for name, value in (("Median", times.median), ("90th percentile", times.p90))
            if value is not None
        ],
        series=["Time"],
        head=["", "Time"],
        words=_hours,
    )
    clusters = bars(
        "clusters",
        "Largest clusters of open reports",
        "Open reports about one place (an area of about 5 km²).",
        [
            (
                f"{cluster.country or '—'} {cluster.latitude:.1f}, {cluster.longitude:.1f}",
                [float(cluster.count)],
            )
            for cluster in data.clusters
        ],
        series=["Open reports"],
        head=["Place", "Open reports"],
    )
    return [per_day, languages, decisions, timing, clusters]


@router.get("/dashboard", name="dashboard")
async def dashboard(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: ConsoleUserDep,
    days: int = figures.HISTORY_DAYS,
) -> Response:
    """The dashboard over the last 30 days, or 90 (`?days=90`)."""
    if days not in figures.PERIODS:
        raise UnknownPeriod()
    data = await figures.dashboard(session, days=days)
    return render(
        request,
        "dashboard.html",
        user,
        data=data,
        charts=charts(data),
        place_map=place_map(data.places, settings.map_tiles_url),
        history_days=days,
        periods=figures.PERIODS,
    )
