"""The local media folder: exact bytes back, private permissions, whole files or none."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import Settings
from core.storage import (
    KEY_PATTERN,
    AsyncMediaStorage,
    LocalMediaStorage,
    MediaNotFound,
    S3MediaStorage,
    build_storage,
)

CONTENT = b"\xff\xd8\xff\xe0 sanitised jpeg bytes " * 1000


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """Even a careless umask must not make media readable by others."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.fixture
def clean_file(tmp_path: Path) -> Path:
    path = tmp_path / "upload" / "IMG_20240501_maria_at_the_farm.jpg"
    path.parent.mkdir()
    path.write_bytes(CONTENT)
    return path


@pytest.fixture
def store(tmp_path: Path, permissive_umask: None) -> LocalMediaStorage:
    return LocalMediaStorage(tmp_path / "var" / "media")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_stored_bytes_come_back_exactly(store: LocalMediaStorage, clean_file: Path) -> None:
    key = store.put(clean_file, extension="jpg", mime="image/jpeg")
    assert store.get(key) == CONTENT
    with store.open(key) as stream:
        assert stream.read() == CONTENT
    assert store.exists(key)
    assert clean_file.exists()  # the caller's temporary file is the caller's to delete


def test_keys_are_random_and_reveal_nothing_about_the_file(
    store: LocalMediaStorage, clean_file: Path
) -> None:
    keys = {store.put(clean_file, extension=".JPG", mime="image/jpeg") for _ in range(20)}
    assert len(keys) == 20
    for key in keys:
        assert KEY_PATTERN.match(key)
        assert key.endswith(".jpg")
        # (hints a random hex key cannot hold by chance: "2024" alone would, once in ~50 runs)
        for hint in ("IMG", "maria", "farm", "2024-05-01", "20240501"):
            assert hint.lower() not in key.lower()


def test_files_and_folders_are_private(store: LocalMediaStorage, clean_file: Path) -> None:
    key = store.put(clean_file, extension="jpg", mime="image/jpeg")
    path = store.root / key
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
    assert mode(store.root) == 0o700
    assert mode(store.root.parent) == 0o700  # created by us, so ours to lock down


def test_a_stored_file_is_dated_to_the_minute_only(
    store: LocalMediaStorage, clean_file: Path
) -> None:
    key = store.put(clean_file, extension="jpg", mime="image/jpeg")
    modified = (store.root / key).stat().st_mtime
    assert modified % 60 == 0


def test_a_failed_write_leaves_no_file_behind(store: LocalMediaStorage, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        store.put(tmp_path / "vanished.jpg", extension="jpg", mime="image/jpeg")
    assert [path for path in store.root.rglob("*") if path.is_file()] == []


def test_delete_removes_the_file_and_may_be_repeated(
    store: LocalMediaStorage, clean_file: Path
) -> None:
    key = store.put(clean_file, extension="jpg", mime="image/jpeg")
    store.delete(key)
    store.delete(key)
    assert not store.exists(key)
    assert not (store.root / key).exists()
    with pytest.raises(MediaNotFound):
        store.get(key)


@pytest.mark.parametrize(
    "key", ["../secret.key", "ab/../../x.jpg", "/etc/passwd", "ab/" + "0" * 32 + ".jpg/.."]
)
def test_keys_not_made_here_never_reach_the_file_system(store: LocalMediaStorage, key: str) -> None:
    with pytest.raises(MediaNotFound):
        store.get(key)
    with pytest.raises(MediaNotFound):
        store.delete(key)
    assert not store.exists(key)


@pytest.mark.parametrize(("extension", "mime"), [("j/pg", "image/jpeg"), ("jpg", "x\nEvil: 1")])
def test_odd_extension_or_type_is_refused(
    store: LocalMediaStorage, clean_file: Path, extension: str, mime: str
) -> None:
    with pytest.raises(ValueError):
        store.put(clean_file, extension=extension, mime=mime)


async def test_async_wrapper_runs_the_same_operations(
    store: LocalMediaStorage, clean_file: Path
) -> None:
    media = AsyncMediaStorage(store)
    key = await media.put(clean_file, extension="webp", mime="image/webp")
    assert await media.get(key) == CONTENT
    assert await media.exists(key)
    await media.delete(key)
    assert not await media.exists(key)


def test_build_storage_follows_settings(tmp_path: Path) -> None:
    local = build_storage(Settings(_env_file=None, data_dir=tmp_path))
    assert isinstance(local, LocalMediaStorage)
    assert local.root == tmp_path / "media"
    with pytest.raises(ValueError, match="s3_bucket"):
        build_storage(Settings(_env_file=None, data_dir=tmp_path, media_backend="s3"))
    s3 = build_storage(
        Settings(_env_file=None, media_backend="s3", s3_bucket="b", s3_region="eu-central-1")
    )
    assert isinstance(s3, S3MediaStorage)
