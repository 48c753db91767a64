"""The housekeeping's orphan sweep on the local media folder: files older than the grace
period that no row names go, a report's own files and recent files stay, and the sweep
runs once per period however often housekeeping passes."""

from __future__ import annotations

import json
import os
import uuid
from datetime import timedelta

import pytest

from core.clock import utcnow
from intake.housekeeping import sweep
from tests.factories import new_report
from tests.media import builders


def files(settings) -> set[str]:
    root = settings.effective_media_dir
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


def orphan(settings, hours_old: float) -> str:
    key = f"0a/{uuid.uuid4().hex}.jpg"
    path = settings.effective_media_dir / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"a clean copy whose report was never written")
    when = (utcnow() - timedelta(hours=hours_old)).timestamp()
    os.utime(path, (when, when))
    return key


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"], indirect=True)
async def test_old_unnamed_files_go_named_and_recent_ones_stay(app, client, tmp_path):
    settings = app.state.settings
    photo = builders.jpeg(tmp_path)
    accepted = await client.post(
        "/v1/reports",
        files=[
            ("report", (None, json.dumps(new_report()), "application/json")),
            ("media", (photo.name, photo.read_bytes(), "image/jpeg")),
        ],
    )
    assert accepted.status_code == 201, accepted.text
    named = files(settings)
    old, recent = orphan(settings, hours_old=2), orphan(settings, hours_old=0)

    state = app.state
    every = timedelta(hours=6)
    await sweep(state.sessionmaker, state.storage, state.upload_partials, utcnow(), every)

    assert files(settings) == named | {recent}
    later = orphan(settings, hours_old=2)
    await sweep(state.sessionmaker, state.storage, state.upload_partials, utcnow(), every)
    assert later in files(settings)  # not due again before six hours
    assert old not in files(settings)
