"""The dashboard: its figures match the reports made here, on PostgreSQL and SQLite; the
page draws them as SVG with a title per bar, over 30 days or 90, the day labels apart; the
map is a grid plot, or tiles from the configured server with that server (only) added to
the CSP's img-src."""

from __future__ import annotations

import hashlib
import itertools
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from console.charts import Chart, columns
from core.db import transaction
from core.places import cluster_cell
from core.settings import Settings
from models.moderator import Moderator, ModeratorRole
from models.report import Report, ReportStatus, TranslationStatus
from moderation import dashboard
from moderation.accounts import create_moderator
from tests.conftest import TEST_PASSWORD

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
both_databases = pytest.mark.parametrize("backend", ["postgresql", "sqlite"], indirect=True)


def _report(received_at: datetime, **fields: Any) -> Report:
    tag = uuid.uuid4().hex
    values: dict[str, Any] = {
        "client_id_hash": hashlib.sha256(f"c{tag}".encode()).hexdigest(),
        "payload_hash": tag,
        "receipt_hash": hashlib.sha256(f"r{tag}".encode()).hexdigest(),
        "text": "A report for the dashboard.",
        "status": ReportStatus.QUEUED,
        "translation_status": TranslationStatus.NOT_NEEDED,
        "language": "en",
        "received_at": received_at,
    }
    values.update(fields)
    latitude, longitude = values.get("latitude"), values.get("longitude")
    values["place_cell"] = cluster_cell(latitude, longitude)
    return Report(**values)


async def _moderator(app: Any, username: str) -> Moderator:
    async with transaction(app.state.sessionmaker) as session:
        return await create_moderator(
            session, app.state.passwords, username, ModeratorRole.MODERATOR, TEST_PASSWORD
        )


async def _scene(app: Any, now: datetime = NOW) -> None:
    """Three reports yesterday (Spanish, one place), one urgent today, and decisions:
    ana two in the last week (after 1 h and 5 h), ben one 20 days ago (after 10 h)."""
    ana = await _moderator(app, "ana")
    ben = await _moderator(app, "ben")
    yesterday = now - timedelta(days=1)
    rows = [
        _report(yesterday.replace(hour=9), language="es", latitude=19.43, longitude=-99.13),
        _report(yesterday.replace(hour=10), language="es", latitude=19.43, longitude=-99.13),
        _report(yesterday.replace(hour=11), language="es", latitude=19.43, longitude=-99.13),
        _report(now - timedelta(hours=2), urgent=True, latitude=52.52, longitude=13.4),
    ]
    for received, taken, who in (
        (now - timedelta(days=3), timedelta(hours=1), ana),
        (now - timedelta(days=3), timedelta(hours=5), ana),
        (now - timedelta(days=21), timedelta(hours=10), ben),
    ):
        rows.append(
            _report(
                received,
                status=ReportStatus.REJECTED,
                decided_by=who.id,
                decided_at=received + taken,
                rejection_reason="spam",
            )
        )
    async with transaction(app.state.sessionmaker) as session:
        session.add_all(rows)


@both_databases
async def test_the_figures_match_the_reports(app: Any) -> None:
    await _scene(app)
    async with app.state.sessionmaker() as session:
        data = await dashboard.dashboard(session, NOW)

    assert (data.queue.size, data.queue.urgent) == (4, 1)
    assert data.queue.oldest == NOW.replace(day=29, hour=9)
    # Waits of 27, 26, 25 and 2 hours: the nearest-rank median is the second, 25 h.
    assert data.queue.median_wait == timedelta(hours=25)

    per_day = dict(data.per_day)
    assert len(data.per_day) == dashboard.HISTORY_DAYS
    assert data.per_day[-1] == (NOW.date(), 1)
    assert per_day[NOW.date() - timedelta(days=1)] == 3
    assert per_day[NOW.date() - timedelta(days=3)] == 2
    assert per_day[NOW.date() - timedelta(days=2)] == 0

    assert data.languages == [("en", 4), ("es", 3)]
    assert [(d.username, d.last_week, d.last_month) for d in data.decisions] == [
        ("ana", 2, 2),
        ("ben", 0, 1),
    ]
    assert data.decision_times.count == 3
    assert data.decision_times.median == timedelta(hours=5)
    assert data.decision_times.p90 == timedelta(hours=10)

    (cluster,) = data.clusters
    assert (cluster.count, cluster.country, cluster.latitude, cluster.longitude) == (
        3,
        None,
        19.4,
        -99.1,
    )
    assert {(p.latitude, p.longitude, p.count) for p in data.places} == {
        (19.4, -99.1, 3),
        (52.5, 13.4, 1),
    }


async def test_an_empty_service_has_an_empty_dashboard(app: Any) -> None:
    async with app.state.sessionmaker() as session:
        data = await dashboard.dashboard(session, NOW)
    assert (data.queue.size, data.queue.oldest, data.queue.median_wait) == (0, None, None)
    assert sum(count for _, count in data.per_day) == 0
    assert data.decision_times == dashboard.DecisionTimes(0, None, None)
    assert (data.languages, data.decisions, data.clusters, data.places) == ([], [], [], [])


def _bar_titles(html: str, chart: str) -> list[str]:
    svg = re.search(rf'<svg[^>]*data-chart="{chart}".*?</svg>', html, re.S)
    assert svg, f"no {chart} chart"
    return re.findall(r"<rect[^>]*><title>([^<]*)</title>", svg.group(0))


async def test_the_page_draws_the_figures(
    app: Any, client: httpx.AsyncClient, console_as: Any
) -> None:
    now = datetime.now(UTC)
    await _scene(app, now)
    await console_as("carla")
    page = await client.get("/console/dashboard")
    assert page.status_code == 200
    html = page.text
    assert 'href="/console/dashboard"' in html  # in the nav
    yesterday = (now - timedelta(days=1)).date().isoformat()
    per_day = _bar_titles(html, "per-day")
    assert len(per_day) == dashboard.HISTORY_DAYS
    assert f"{yesterday}: 3" in per_day
    assert f"{now.date().isoformat()}: 1" in per_day
    assert _bar_titles(html, "decisions") == [
        "ana: Last 7 days: 2",
        "ana: Last 30 days: 2",
        "ben: Last 7 days: 0",
        "ben: Last 30 days: 1",
    ]
    assert _bar_titles(html, "languages") == ["English (en): 4", "Spanish (es): 3"]
    assert _bar_titles(html, "decision-time") == ["Median: 5 h", "90th percentile: 10 h"]
    assert re.search(r'data-stat="queue-size">4<', html)
    # No tile server: a grid plot, two dots, nothing fetched from elsewhere.
    assert "Grid plot of 2 places" in html
    assert len(re.findall(r"<circle", html)) == 2
    assert "<img" not in html
    assert "img-src 'self';" in page.headers["content-security-policy"]
    assert "report for the dashboard" not in html  # counts, never report text


class TestWithATileServer:
    @pytest.fixture
    def settings_overrides(self, tmp_path: Any) -> dict[str, Any]:
        return {"map_tiles_url": "https://tile.example/{z}/{x}/{y}.png"}

    async def test_the_map_is_made_of_tiles(
        self, app: Any, client: httpx.AsyncClient, console_as: Any
    ) -> None:
        await _scene(app, datetime.now(UTC))
        await console_as("carla")
        page = await client.get("/console/dashboard")
        tiles = re.findall(r'<img src="https://tile\.example/(\d+)/(\d+)/(\d+)\.png"', page.text)
        assert len(tiles) == 6
        zoom = {z for z, _, _ in tiles}
        assert len(zoom) == 1
        # Mexico City and Berlin are far apart: the map holds both at a low zoom.
        assert int(zoom.pop()) <= 3
        policy = page.headers["content-security-policy"]
        assert "img-src 'self' https://tile.example;" in policy
        assert "script-src 'self';" in policy
        # Every dot lies inside the 768 × 512 block of tiles.
        for cx, cy in re.findall(r'<circle class="dot" cx="([\d.]+)" cy="([\d.]+)"', page.text):
            assert 0 <= float(cx) <= 768 and 0 <= float(cy) <= 512


@pytest.mark.parametrize(
    "url", ["ftp://tile.example/{z}/{x}/{y}.png", "https://tile.example/tiles.png", "tiles"]
)
def test_a_tile_url_must_be_a_template(url: str) -> None:
    with pytest.raises(ValidationError):
        Settings(_env_file=None, map_tiles_url=url)


def _axis_labels(chart: Chart) -> list[tuple[float, str]]:
    """The labels under the columns (the tick values are left of the plot, anchored end)."""
    return [(text.x, text.text) for text in chart.texts if text.anchor == "middle"]


@pytest.mark.parametrize(("days", "apart"), [(30, 7), (90, 14)])
def test_day_labels_never_touch_and_today_is_always_labelled(days: int, apart: int) -> None:
    today = datetime(2026, 11, 30, tzinfo=UTC).date()
    points = [
        (
            (today - timedelta(days=n)).isoformat(),
            (today - timedelta(days=n)).strftime("%d %b"),
            1.0,
        )
        for n in reversed(range(days))
    ]
    chart = columns("per-day", "Per day", "", points, head=("Day", "Reports"), label_every=7)
    labels = _axis_labels(chart)
    assert labels[-1][1] == "30 Nov"  # today, under the last column
    xs = [x for x, _ in labels]
    slot = (xs[-1] - xs[0]) / (len(xs) - 1)
    assert round(slot / ((640 - 44 - 20) / days)) == apart  # a week apart at 30 days, two at 90
    # "30 Nov" is 6 characters of 12-unit type: at most ~40 units wide; 50 leaves a gap.
    assert min(b - a for a, b in itertools.pairwise(xs)) >= 50


@both_databases
async def test_the_dashboard_covers_90_days_when_asked(
    app: Any, client: httpx.AsyncClient, console_as: Any
) -> None:
    now = datetime.now(UTC)
    await _scene(app, now)
    async with transaction(app.state.sessionmaker) as session:
        session.add(_report(now - timedelta(days=60), language="fr"))
    await console_as("carla")

    month = (await client.get("/console/dashboard")).text
    quarter = (await client.get("/console/dashboard", params={"days": "90"})).text

    assert len(_bar_titles(month, "per-day")) == 30
    assert len(_bar_titles(quarter, "per-day")) == 90
    assert "Reports received per day, last 90 days" in quarter
    assert "French (fr): 1" in " ".join(_bar_titles(quarter, "languages"))
    assert "French" not in " ".join(_bar_titles(month, "languages"))
    assert 'aria-current="page">Last 90 days</a>' in quarter
    assert 'aria-current="page">Last 30 days</a>' in month
    refused = await client.get("/console/dashboard", params={"days": "45"})
    assert refused.status_code == 422
    assert "30 or 90 days" in refused.text
