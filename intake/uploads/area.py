"""The folder of partial uploads on this host: where a resumable upload's unsanitised bytes
live with local media (`intake.uploads.local`), and where any finished upload is sanitised.

Each upload is one file `<id hex>.part` in a private folder (0700, files 0600) that is never
inside media storage. The file's size *is* the upload's offset: bytes are only appended,
so after a cut connection or a crash the offset a client reads back is exactly what
survived, and no database column can disagree with the disk.

A request that appends to or sanitises an upload holds an exclusive, non-blocking `flock`
on its file. A second request for the same upload (from any process on this host) is told
the upload is locked instead of interleaving bytes, and a lock dies with its process, so a
crash never leaves an upload stuck. Several hosts must share this folder (a volume with
working `flock`, e.g. NFSv4) or route an upload's requests to one host, unless the uploads
are kept in the bucket (`intake.uploads.shared`): then this folder holds only the scratch
folders of uploads being sanitised.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from core.files import make_private_dir
from core.settings import Settings
from intake.uploads.errors import UploadLocked, UploadNotFound

_SUFFIX = ".part"
_WORK_SUFFIX = ".work"


class PartialFile:
    """An open, exclusively locked partial upload; bytes can only be appended."""

    def __init__(self, fd: int, path: Path) -> None:
        self.fd = fd
        self.path = path

    @property
    def size(self) -> int:
        return os.fstat(self.fd).st_size

    def append(self, data: bytes) -> None:
        """Write all of `data` at the end (blocking: call it from a worker thread)."""
        view = memoryview(data)
        while view:
            written = os.write(self.fd, view)
            view = view[written:]

    def sync(self) -> None:
        """Make the received bytes durable before their offset is announced."""
        os.fsync(self.fd)


class UploadArea:
    """Partial files and the sanitiser's scratch folders of resumable uploads."""

    def __init__(self, root: Path, *, media_root: Path | None = None) -> None:
        root = root.resolve()
        if media_root is not None and root.is_relative_to(media_root.resolve()):
            raise ValueError("upload_tmp_dir must not be inside media storage")
        self.root = root
        make_private_dir(root)

    @classmethod
    def from_settings(cls, settings: Settings) -> UploadArea:
        media_root = settings.effective_media_dir if settings.media_backend == "local" else None
        return cls(settings.effective_upload_tmp_dir, media_root=media_root)

    def path(self, upload_id: uuid.UUID) -> Path:
        return self.root / f"{upload_id.hex}{_SUFFIX}"

    def create(self, upload_id: uuid.UUID) -> None:
        """An empty partial file for a new upload (fails if one exists)."""
        os.close(os.open(self.path(upload_id), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))

    def size(self, upload_id: uuid.UUID) -> int | None:
        """Bytes received so far, or None if the partial file is gone."""
        try:
            return self.path(upload_id).stat().st_size
        except FileNotFoundError:
            return None

    @contextlib.contextmanager
    def locked(self, upload_id: uuid.UUID) -> Iterator[PartialFile]:
        """The partial file, exclusively locked: `UploadNotFound` if it is gone, and
        `UploadLocked` if another request holds it."""
        path = self.path(upload_id)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        except FileNotFoundError:
            raise UploadNotFound() from None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as error:
                if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                    raise UploadLocked() from None
                raise
            if os.fstat(fd).st_nlink == 0:  # deleted (expired) between our open and our lock
                raise UploadNotFound()
            yield PartialFile(fd, path)
        finally:
            os.close(fd)  # also releases the lock

    @contextlib.contextmanager
    def workdir(self, upload_id: uuid.UUID) -> Iterator[Path]:
        """A private scratch folder for sanitising this upload, removed afterwards."""
        folder = self.root / f"{upload_id.hex}{_WORK_SUFFIX}"
        shutil.rmtree(folder, ignore_errors=True)  # left over by a crash
        folder.mkdir(mode=0o700)
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def discard(self, upload_id: uuid.UUID) -> bool:
        """Delete the partial file and scratch folder unless a request holds the upload;
        True if they are gone now. Callers pass only expired or orphaned uploads."""
        try:
            with self.locked(upload_id) as partial:
                partial.path.unlink(missing_ok=True)
        except UploadLocked:
            return False
        except UploadNotFound:
            pass
        shutil.rmtree(self.root / f"{upload_id.hex}{_WORK_SUFFIX}", ignore_errors=True)
        return True

    def untouched_since(self, moment: datetime) -> list[uuid.UUID]:
        """Uploads whose partial file or scratch folder has not changed since `moment`."""
        found = set()
        for entry in self.root.iterdir():
            if entry.suffix not in (_SUFFIX, _WORK_SUFFIX):
                continue
            try:
                upload_id = uuid.UUID(hex=entry.stem)
                changed = datetime.fromtimestamp(entry.stat().st_mtime, UTC)
            except (ValueError, FileNotFoundError):
                continue
            if changed < moment:
                found.add(upload_id)
        return sorted(found)
