"""Duplicate suggestions (GET /v1/moderation/reports/{id}/duplicates) and merging
(POST …/merge), on PostgreSQL (pg_trgm over a GIN index) and SQLite (the same trigram
measure computed over the window's reports)."""

from __future__ import annotations

import io
import json
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlmodel import col

from core.clock import utcnow
from core.db import transaction
from lifecycle import similarity_keys
from models.media import Media
from models.report import Report
from tests.api.test_queue_search import attach_media, set_columns
from tests.factories import new_report
from tests.media.builders import pixels

pytestmark = pytest.mark.parametrize("backend", ["postgresql", "sqlite"], indirect=True)

PROBLEM = "urn:stop-intake:problem:"
VAN_ES = "Vi a tres chicas subir a una furgoneta blanca en la gasolinera de la carretera norte."
VAN_EN = "I saw three girls get into a white van at the petrol station on the north road."
VAN_EN_AGAIN = "I saw three girls getting into a white van at the petrol station on the north road!"
KITCHEN = "Two cooks sleep in the restaurant kitchen and never get paid for their work."
LONDON = (51.5072, -0.1276)


async def suggestions(client, headers, report_id: str) -> list[dict[str, Any]]:
    answer = await client.get(f"/v1/moderation/reports/{report_id}/duplicates", headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


async def translated(sessionmaker, report_id: str, language: str, translation: str) -> None:
    """As the worker leaves a report it translated into the team's language: the
    translation, and the band keys made from it."""
    await set_columns(sessionmaker, report_id, language=language, translated_text=translation)
    async with transaction(sessionmaker) as session:
        report = await session.get(Report, uuid.UUID(report_id))
        assert report is not None
        await similarity_keys.store(
            session, report.id, report.received_at, report.text, report.translated_text
        )


def kinds(item: dict[str, Any]) -> set[str]:
    return {reason["kind"] for reason in item["reasons"]}


async def test_a_translated_copy_is_suggested_and_an_unrelated_report_is_not(
    client, make_moderator, queued_report, sessionmaker
):
    headers = await make_moderator()
    spanish = await queued_report(text=VAN_ES, locale="es-MX")
    await translated(sessionmaker, spanish, "es", VAN_EN)
    english = await queued_report(text=VAN_EN_AGAIN)
    unrelated = await queued_report(text=KITCHEN)

    found = await suggestions(client, headers, english)
    assert [item["id"] for item in found] == [spanish]
    (reason,) = found[0]["reasons"]
    assert reason["kind"] == "similar_text"
    assert 0.6 < reason["score"] <= 1
    assert "alike" in reason["text"]
    assert found[0]["excerpt"] == VAN_EN  # the translation, the team's language
    assert unrelated not in [item["id"] for item in await suggestions(client, headers, spanish)]
    assert await suggestions(client, headers, unrelated) == []


async def test_reports_outside_the_window_or_withdrawn_are_not_suggested(
    client, make_moderator, queued_report, sessionmaker
):
    headers = await make_moderator()
    first = await queued_report(text=VAN_EN)
    old = await queued_report(text=VAN_EN_AGAIN)
    await set_columns(sessionmaker, old, received_at=utcnow() - timedelta(days=45))
    assert await suggestions(client, headers, first) == []
    await set_columns(sessionmaker, old, received_at=utcnow())
    assert [item["id"] for item in await suggestions(client, headers, first)] == [old]


async def test_nearby_reports_are_ranked_by_distance(client, make_moderator, queued_report):
    headers = await make_moderator()
    lat, lon = LONDON

    def at(km_north: float) -> dict[str, float]:
        return {"latitude": lat + km_north / 111.2, "longitude": lon, "accuracy_m": 20}

    here = await queued_report(text=KITCHEN, location=at(0), country="GB")
    texts = [
        "A boy begs at the station all day.",
        "Men sleep in a lorry behind the car wash.",
        "Women are driven to a farm every night before dawn.",
        "Nobody leaves the nail bar after closing time.",
    ]
    far = await queued_report(text=texts[3], location=at(60))
    at_15 = await queued_report(text=texts[0], location=at(15))
    at_1 = await queued_report(text=texts[1], location=at(1), country="GB")
    at_6 = await queued_report(text=texts[2], location=at(6))

    found = await suggestions(client, headers, here)
    assert [item["id"] for item in found] == [at_1, at_6, at_15]
    assert far not in [item["id"] for item in found]
    near = [next(r for r in item["reasons"] if r["kind"] == "near") for item in found]
    assert [round(reason["km"]) for reason in near] == [1, 6, 15]
    assert near[0]["text"] == f"{near[0]['km']:g} km away"
    # the same country within days is a reason on the nearest, never a suggestion alone
    assert kinds(found[0]) == {"near", "same_country"}
    assert kinds(found[1]) == {"near"}


def scene(kind: str) -> Image.Image:
    """A photo-like picture: a white van by a road, or a doorway under a yellow sign."""
    image = Image.fromarray(pixels(640, 480, seed=1 if kind == "van" else 2))
    draw = ImageDraw.Draw(image)
    if kind == "van":
        draw.rectangle((120, 200, 520, 380), fill=(240, 240, 235))
        draw.rectangle((380, 220, 500, 300), fill=(40, 60, 80))
        draw.ellipse((160, 350, 240, 430), fill=(20, 20, 20))
        draw.ellipse((400, 350, 480, 430), fill=(20, 20, 20))
    else:
        draw.rectangle((250, 60, 390, 470), fill=(90, 50, 30))
        draw.rectangle((270, 80, 370, 250), fill=(30, 30, 30))
        draw.ellipse((20, 20, 200, 200), fill=(200, 180, 40))
    return image


def jpeg(folder: Path, name: str, image: Image.Image, quality: int) -> Path:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    path = folder / name
    path.write_bytes(buffer.getvalue())
    return path


def multipart(report: dict[str, Any], files: list[Path]) -> list[tuple[str, tuple[Any, ...]]]:
    parts: list[tuple[str, tuple[Any, ...]]] = [
        ("report", (None, json.dumps(report), "application/json"))
    ]
    parts += [("media", (path.name, path.read_bytes(), "image/jpeg")) for path in files]
    return parts


async def test_two_photos_of_the_same_scene_match_and_another_photo_does_not(
    client, make_moderator, process_pending, sessionmaker, tmp_path
):
    headers = await make_moderator()
    van = scene("van")
    photos = {
        "original": jpeg(tmp_path, "van.jpg", van, 92),
        # another phone's copy: smaller, a little cropped, re-compressed
        "copy": jpeg(tmp_path, "van2.jpg", van.resize((512, 384)).crop((10, 8, 502, 376)), 70),
        "doorway": jpeg(tmp_path, "door.jpg", scene("doorway"), 92),
    }
    texts = {
        "original": "Look at this vehicle.",
        "copy": "They drive it at night.",
        "doorway": "This is where they stay.",
    }
    ids = {}
    for name, path in photos.items():
        answer = await client.post(
            "/v1/reports", files=multipart(new_report(text=texts[name]), [path])
        )
        assert answer.status_code == 201, answer.text
        ids[name] = answer.json()["report_id"]
    await process_pending()
    async with sessionmaker() as session:
        hashes = list(await session.scalars(select(col(Media.phash))))
    assert len(hashes) == 3 and all(value and len(value) == 16 for value in hashes)

    found = await suggestions(client, headers, ids["original"])
    assert [item["id"] for item in found] == [ids["copy"]]
    (reason,) = found[0]["reasons"]
    assert reason["kind"] == "same_photo"
    assert reason["distance"] <= 10
    assert await suggestions(client, headers, ids["doorway"]) == []


def flipped(fingerprint: str, bits_per_piece: list[int]) -> str:
    """The fingerprint with that many bits changed in each of its four 16-bit pieces."""
    value = int(fingerprint, 16)
    for piece, count in enumerate(bits_per_piece):
        for bit in range(count):
            value ^= 1 << (piece * 16 + bit * 5)
    return f"{value:016x}"


async def test_a_photo_10_bits_away_is_the_same_photo_and_11_bits_away_is_not(
    client, make_moderator, queued_report, sessionmaker
):
    headers = await make_moderator()
    texts = ["A van by the road.", "Girls in the back of a lorry.", "Nobody leaves the bar."]
    mine, near, far = [await queued_report(text=text) for text in texts]
    fingerprint = "d1c4a9b2e3f00f17"
    await attach_media(sessionmaker, mine, fingerprint)
    # spread over the four pieces, so that no piece is equal: found through the nearby pieces
    await attach_media(sessionmaker, near, flipped(fingerprint, [3, 3, 2, 2]))
    await attach_media(sessionmaker, far, flipped(fingerprint, [3, 3, 3, 2]))

    found = await suggestions(client, headers, mine)
    assert [item["id"] for item in found] == [near]
    assert found[0]["reasons"][0]["distance"] == 10


async def test_places_across_the_antimeridian_are_near(client, make_moderator, queued_report):
    headers = await make_moderator()
    west = await queued_report(
        text=KITCHEN, location={"latitude": -16.7, "longitude": 179.98, "accuracy_m": 20}
    )
    east = await queued_report(
        text="Men sleep in a lorry behind the car wash.",
        location={"latitude": -16.7, "longitude": -179.98, "accuracy_m": 20},
    )
    (found,) = await suggestions(client, headers, west)
    assert found["id"] == east
    assert round(found["reasons"][0]["km"]) == 4


async def test_reports_queued_without_keys_get_them_from_the_command(
    client, make_moderator, queued_report, sessionmaker, run_cli
):
    headers = await make_moderator()
    first = await queued_report(text=VAN_EN)
    copy = await queued_report(text=VAN_EN_AGAIN)
    async with transaction(sessionmaker) as session:  # as a worker of an earlier release
        await similarity_keys.erase(session, uuid.UUID(copy))
    assert await suggestions(client, headers, first) == []

    done = await run_cli("duplicate-keys")
    assert done.exit_code == 0, done.output
    assert done.output.strip() == "stored the keys of 1 reports"
    assert [item["id"] for item in await suggestions(client, headers, first)] == [copy]
    again = await run_cli("duplicate-keys")
    assert again.output.strip() == "stored the keys of 0 reports"


async def test_suggestions_of_an_unknown_report_are_404(client, make_moderator):
    headers = await make_moderator()
    answer = await client.get(f"/v1/moderation/reports/{uuid.uuid4()}/duplicates", headers=headers)
    assert answer.status_code == 404
    assert answer.json()["type"] == PROBLEM + "report-not-found"


async def claim(client, headers, report_id: str) -> None:
    answer = await client.post(f"/v1/moderation/reports/{report_id}/claim", headers=headers)
    assert answer.status_code == 200, answer.text


async def merge(client, headers, report_id: str, into: str) -> Any:
    return await client.post(
        f"/v1/moderation/reports/{report_id}/merge", json={"into": into}, headers=headers
    )


async def detail(client, headers, report_id: str) -> dict[str, Any]:
    answer = await client.get(f"/v1/moderation/reports/{report_id}", headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def queue_ids(client, headers) -> list[str]:
    answer = await client.get("/v1/moderation/queue", headers=headers)
    return [item["id"] for item in answer.json()["items"]]


async def test_merging_closes_the_duplicate_into_the_primary_which_lists_it(
    client, make_moderator, queued_report
):
    headers = await make_moderator()
    primary = await queued_report(text=VAN_EN)
    duplicate = await queued_report(text=VAN_EN_AGAIN)
    assert "merge" not in (await detail(client, headers, duplicate))["actions"]
    unclaimed = await merge(client, headers, duplicate, primary)
    assert unclaimed.status_code == 409
    assert unclaimed.json()["type"] == PROBLEM + "invalid-transition"  # only from in_review

    await claim(client, headers, duplicate)
    assert "merge" in (await detail(client, headers, duplicate))["actions"]
    answer = await merge(client, headers, duplicate, primary)
    assert answer.status_code == 204, answer.text

    merged = await detail(client, headers, duplicate)
    assert merged["status"] == "rejected"
    assert merged["merged_into"] == primary
    assert merged["text"] == VAN_EN_AGAIN  # every source is kept, readable
    (event,) = [e for e in merged["history"] if e["action"] == "merged"]
    assert event["detail"] == {"into": primary}
    assert event["changes"]["status"] == ["in_review", "rejected"]
    assert event["changes"]["merged_into"] == [None, primary]
    assert event["changes"]["rejection_reason"] == [None, "duplicate"]

    read = await detail(client, headers, primary)
    assert [item["id"] for item in read["merged"]] == [duplicate]
    assert read["merged"][0]["excerpt"] == VAN_EN_AGAIN
    assert any(e["action"] == "merge_received" for e in read["history"])
    assert await queue_ids(client, headers) == [primary]
    # a merged report is never suggested again; its primary is
    assert await suggestions(client, headers, primary) == []


async def test_merging_refuses_a_primary_that_cannot_take_it(client, make_moderator, queued_report):
    headers = await make_moderator()
    report = await queued_report(text=VAN_EN)
    closed = await queued_report(text=KITCHEN)
    await claim(client, headers, closed)
    rejected = await client.post(
        f"/v1/moderation/reports/{closed}/reject", json={"reason": "Spam."}, headers=headers
    )
    assert rejected.status_code == 204
    await claim(client, headers, report)
    for into in (report, closed, str(uuid.uuid4())):
        answer = await merge(client, headers, report, into)
        assert answer.status_code == 422, into
        assert answer.json()["type"] == PROBLEM + "invalid-merge-target"
    bad = await client.post(
        f"/v1/moderation/reports/{report}/merge", json={"into": "nope"}, headers=headers
    )
    assert bad.status_code == 422
    assert (await detail(client, headers, report))["status"] == "in_review"


async def test_another_moderators_claim_stops_a_merge(client, make_moderator, queued_report):
    ana = await make_moderator("ana")
    bo = await make_moderator("bo")
    primary = await queued_report(text=VAN_EN)
    duplicate = await queued_report(text=VAN_EN_AGAIN)
    await claim(client, ana, duplicate)
    answer = await merge(client, bo, duplicate, primary)
    assert answer.status_code == 409
    assert answer.json()["type"] == PROBLEM + "claimed-by-another-moderator"


async def test_a_merged_primary_hands_its_sources_on_and_undo_unmerges(
    client, make_moderator, queued_report
):
    headers = await make_moderator()
    first, second, third = [await queued_report(text=f"{VAN_EN} {n}") for n in range(3)]
    await claim(client, headers, first)
    assert (await merge(client, headers, first, second)).status_code == 204
    await claim(client, headers, second)
    assert (await merge(client, headers, second, third)).status_code == 204
    listed = [item["id"] for item in (await detail(client, headers, third))["merged"]]
    assert sorted(listed) == sorted([first, second])
    assert (await detail(client, headers, first))["merged_into"] == third

    undo = await client.post(f"/v1/moderation/reports/{second}/undo", headers=headers)
    assert undo.status_code == 200, undo.text
    again = await detail(client, headers, second)
    assert again["status"] == "in_review" and again["merged_into"] is None
    assert [item["id"] for item in (await detail(client, headers, third))["merged"]] == [first]
