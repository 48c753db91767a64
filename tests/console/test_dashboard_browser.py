"""The dashboard's day labels in a real browser (Debian's chromium, Playwright): over 30
days and over 90, the labels under the per-day chart, as the browser lays them out, never
overlap, and today is labelled, whole. Screenshots of both charts go to pytest's temporary folder
(`dashboard-screenshots`), printed by the test, for a person to look at."""

from __future__ import annotations

import itertools
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

from core.db import transaction
from tests.console.test_dashboard import _report

pytestmark = pytest.mark.slow

# The boxes of the labels under the per-day chart's columns, in screen pixels.
LABEL_BOXES = """() => Array.from(
  document.querySelectorAll('svg[data-chart="per-day"] text[text-anchor="middle"]')
).map((label) => {
  const box = label.getBoundingClientRect();
  return {text: label.textContent, left: box.left, right: box.right};
})"""


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dashboard-screenshots")
    print(f"\nscreenshots of the dashboard browser test: {folder}", file=sys.stderr)
    return folder


@pytest.mark.parametrize("width", [1280, 600])  # a desktop, and a phone held upright
async def test_day_labels_stay_apart_over_30_and_90_days(
    app: Any, page: Page, logged_in: Any, screenshots: Path, width: int
) -> None:
    now = datetime.now(UTC)
    async with transaction(app.state.sessionmaker) as session:
        session.add_all(_report(now - timedelta(days=days, hours=1)) for days in range(0, 90, 3))
    await page.set_viewport_size({"width": width, "height": 900})
    await logged_in("ana")

    for days in (30, 90):
        await page.goto("/console/dashboard" + ("?days=90" if days == 90 else ""))
        chart = page.get_by_role("img", name=f"Reports received per day, last {days} days")
        await expect(chart).to_be_visible()
        await expect(page.locator('svg[data-chart="per-day"] rect')).to_have_count(days)
        await chart.screenshot(path=screenshots / f"per-day-{days}-days-{width}px.png")
        labels: list[dict[str, Any]] = await page.evaluate(LABEL_BOXES)
        assert len(labels) >= 4, labels
        assert labels[-1]["text"] == now.strftime("%d %b")  # today, under the last column
        box = await chart.bounding_box()
        assert box and labels[-1]["right"] <= box["x"] + box["width"]  # and not cut off
        for before, after in itertools.pairwise(labels):
            assert before["right"] < after["left"], (days, width, before, after)
