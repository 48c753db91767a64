"""Reports with media, as the app sends them: only sanitised bytes are ever stored.

The files are dirty phone media built by the media tests' builders (GPS, serials, names,
thumbnails, trailers); after submission the stored objects are read back from media
storage and checked with exiftool and a raw byte search, not just the API's answer.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models.media import Media
from models.report import Report
from tests.factories import new_report
from tests.media import builders, builders_av
from tests.media.oracle import leaks

TUS = {"Tus-Resumable": "1.0.0"}


@pytest.fixture(scope="module")
def phone_media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("phone")
    return {
        "photo1": builders.jpeg(folder, "IMG_1.jpg"),
        "photo2": builders.jpeg(folder, "IMG_2.jpg", orientation=3),
        "photo3": builders.jpeg(folder, "IMG_3.jpg", progressive=True),
        "voice": builders_av.audio(
            folder, "voice.m4a", codec=["-c:a", "aac"], muxer="ipod", cover=True
        ),
        "video": builders_av.video(folder, "clip.mp4"),
    }


def multipart(report: dict, files: list[Path]) -> list[tuple[str, tuple]]:
    parts: list[tuple[str, tuple]] = [("report", (None, json.dumps(report), "application/json"))]
    parts += [
        ("media", (path.name, path.read_bytes(), "application/octet-stream")) for path in files
    ]
    return parts


async def stored_files(app, sessionmaker, tmp_path: Path) -> list[Path]:
    """Every stored media object, copied out of storage for inspection."""
    async with sessionmaker() as session:
        rows = (await session.execute(select(Media))).scalars().all()
    copies = []
    for row in rows:
        copy = tmp_path / f"{row.id}{row.extension}"
        copy.write_bytes(await app.state.storage.get(row.storage_key))
        copies.append(copy)
    return copies


def media_folder_files(settings) -> list[Path]:
    return [p for p in settings.effective_media_dir.rglob("*") if p.is_file()]


async def test_three_photos_and_a_voice_note_are_stored_only_sanitised(
    app, client, sessionmaker, phone_media, tmp_path
):
    files = [phone_media[k] for k in ("photo1", "photo2", "photo3", "voice")]
    answer = await client.post("/v1/reports", files=multipart(new_report(), files))
    assert answer.status_code == 201, answer.text
    stored = await stored_files(app, sessionmaker, tmp_path)
    assert sorted(path.suffix for path in stored) == [".jpg", ".jpg", ".jpg", ".m4a"]
    for path in stored:
        assert leaks(path) == [], path.name
    names = b"".join(path.read_bytes() for path in stored)
    assert b"IMG_1" not in names and b"voice" not in names
    assert len(media_folder_files(app.state.settings)) == 4


async def test_a_file_the_sanitiser_cannot_clean_refuses_the_report_and_keeps_nothing(
    app, client, sessionmaker, phone_media, tmp_path
):
    text_file = tmp_path / "notes.jpg"
    text_file.write_text("not a photo at all, just text pretending")
    answer = await client.post(
        "/v1/reports", files=multipart(new_report(), [phone_media["photo1"], text_file])
    )
    assert answer.status_code == 415
    assert answer.json()["detail"].startswith("Media file 2 of 2")
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Report)) == 0
    assert media_folder_files(app.state.settings) == []


@pytest.fixture
def settings_overrides() -> dict:
    return {"media_max_file_bytes": 400_000, "media_max_files": 4}


async def test_limits_answer_413_while_reading_and_keep_nothing(app, client, phone_media, tmp_path):
    big = tmp_path / "big.jpg"
    big.write_bytes(phone_media["photo1"].read_bytes() + bytes(500_000))
    too_big = await client.post("/v1/reports", files=multipart(new_report(), [big]))
    assert too_big.status_code == 413
    assert "resumable upload" in too_big.json()["detail"]
    five = [phone_media["photo1"]] * 5
    too_many = await client.post("/v1/reports", files=multipart(new_report(), five))
    assert too_many.status_code == 413
    assert media_folder_files(app.state.settings) == []


async def test_malformed_multipart_bodies_are_400_problems(client):
    for body, content_type in (
        (
            b'--x\r\nContent-Disposition: form-data; name="report"\r\n\r\n{}',
            "multipart/form-data; boundary=x",
        ),
        (b"whatever", "multipart/form-data"),
        (
            b'--x\r\nContent-Disposition: form-data; name="evil"\r\n\r\n1\r\n--x--\r\n',
            "multipart/form-data; boundary=x",
        ),
    ):
        answer = await client.post(
            "/v1/reports", content=body, headers={"content-type": content_type}
        )
        assert answer.status_code == 400, answer.text
        assert answer.json()["type"] == "urn:stop-intake:problem:malformed-multipart"
    wrong_type = await client.post(
        "/v1/reports", content=b"text=1", headers={"content-type": "text/plain"}
    )
    assert wrong_type.status_code == 415


async def test_a_retry_storm_with_media_yields_one_report_and_one_set_of_files(
    app, client, sessionmaker, phone_media
):
    parts = multipart(new_report(), [phone_media["photo1"], phone_media["voice"]])
    answers = await asyncio.gather(*(client.post("/v1/reports", files=parts) for _ in range(8)))
    codes = [answer.status_code for answer in answers]
    assert codes.count(201) == 1 and set(codes) <= {200, 201, 409}
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Report)) == 1
        assert await session.scalar(select(func.count()).select_from(Media)) == 2
    assert len(media_folder_files(app.state.settings)) == 2  # the losers' copies were removed


async def test_a_video_sent_by_resumable_upload_is_attached_only_sanitised(
    app, client, sessionmaker, phone_media, tmp_path
):
    video = phone_media["video"].read_bytes()
    created = await client.post("/v1/uploads", headers=TUS | {"Upload-Length": str(len(video))})
    location = created.headers["location"]
    half = len(video) // 2
    for offset, chunk in ((0, video[:half]), (half, video[half:])):
        patched = await client.patch(
            location,
            content=chunk,
            headers=TUS
            | {"Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"},
        )
        assert patched.status_code == 204, patched.text
    upload_id = location.rstrip("/").rsplit("/", 1)[-1]
    report = new_report(uploads=[upload_id])
    first = await client.post("/v1/reports", json=report)
    retry = await client.post("/v1/reports", json=report)
    assert (first.status_code, retry.status_code) == (201, 200)
    [stored] = await stored_files(app, sessionmaker, tmp_path)
    assert stored.suffix == ".mp4" and leaks(stored) == []
    other = await client.post("/v1/reports", json=new_report(uploads=[upload_id]))
    assert other.status_code == 422
    assert other.json()["type"] == "urn:stop-intake:problem:upload-not-attachable"
