"""Where sanitised media are kept: a local folder (default) or an S3-compatible bucket.

Only sanitised files ever reach a backend: `put` takes the path of a clean temporary file
and stores a copy under a new random key. The key is `<2 hex>/<32 hex>.<extension>`: a
uuid4, sharded so no folder grows huge, plus the extension of the clean format; it says
nothing about the reporter, the time or the original file name. No metadata travels with an
object except its media type.

Both backends are synchronous (file and boto3 calls block); from async code wrap one in
`AsyncMediaStorage`, which runs each call in a worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Protocol

import boto3
from boto3.exceptions import S3UploadFailedError
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from core.anonymity import to_the_minute
from core.clock import utcnow
from core.errors import NotFound, StorageUnavailable
from core.files import make_private_dir
from core.settings import Settings

KEY_PATTERN = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{32}\.[a-z0-9]{1,10}$")
_EXTENSION = re.compile(r"^[a-z0-9]{1,10}$")
_MIME = re.compile(r"^[a-z0-9][a-z0-9.+-]*/[a-z0-9][a-z0-9.+-]*$")
_CHUNK = 1024 * 1024


class MediaNotFound(NotFound):
    """No stored media under this key (or the key is not one of ours)."""

    slug = "media-not-found"
    title = "Media not found"


class MediaStorage(Protocol):
    """What every backend offers; keys come only from `put`."""

    def put(self, data_path: Path, *, extension: str, mime: str) -> str:
        """Store a copy of the (sanitised) file and return its new key."""
        ...

    def get(self, key: str) -> bytes:
        """The whole object (small media; for video prefer `open`)."""
        ...

    def open(self, key: str) -> IO[bytes]:
        """A readable stream of the object; the caller closes it."""
        ...

    def delete(self, key: str) -> None:
        """Remove the object; deleting a missing key is not an error (retries are safe)."""
        ...

    def exists(self, key: str) -> bool: ...

    def presigned_url(self, key: str, *, seconds: int, mime: str) -> str | None:
        """A URL that fetches the object without credentials for `seconds`, or None when
        the backend cannot make one (a local folder: the service signs its own URL)."""
        ...

    def keys_page(self, older_than: datetime, start_after: str, limit: int) -> list[str]:
        """Up to `limit` stored keys after `start_after` (in key order) last written before
        `older_than`: what the orphan sweep (`intake.orphans`) compares with the rows."""
        ...


def new_key(extension: str) -> str:
    """A fresh random key for a file of this (already sanitised) format."""
    ext = extension.lower().lstrip(".")
    if not _EXTENSION.match(ext):
        raise ValueError(f"not a file extension: {extension!r}")
    name = uuid.uuid4().hex
    return f"{name[:2]}/{name}.{ext}"


def _checked(key: str) -> str:
    """Only keys this module made are used, so a key can never point outside the store."""
    if not KEY_PATTERN.match(key):
        raise MediaNotFound()
    return key


def _checked_mime(mime: str) -> str:
    if not _MIME.match(mime):
        raise ValueError(f"not a media type: {mime!r}")
    return mime


class LocalMediaStorage:
    """Files under one folder: folders 0700, files 0600, written whole or not at all."""

    def __init__(self, root: Path) -> None:
        self.root = root
        make_private_dir(root)

    def put(self, data_path: Path, *, extension: str, mime: str) -> str:
        _checked_mime(mime)  # the format is known by the extension; only validated here
        key = new_key(extension)
        target = self.root / key
        make_private_dir(target.parent)
        # A temporary name in the same folder, then an atomic rename: a crash leaves no
        # half-written file under a real key. mkstemp creates the file with mode 0600.
        fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out, data_path.open("rb") as source:
                shutil.copyfileobj(source, out, _CHUNK)
                out.flush()
                # The file's modification time to the minute, like the database's times.
                # (Its inode change time cannot be set: see docs/anonymity.md.)
                minute = to_the_minute(utcnow()).timestamp()
                os.utime(out.fileno(), (minute, minute))
                os.fsync(out.fileno())
            Path(temp_name).replace(target)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
        _fsync_dir(target.parent)  # the rename itself survives a power cut
        return key

    def get(self, key: str) -> bytes:
        with self.open(key) as stream:
            return stream.read()

    def open(self, key: str) -> IO[bytes]:
        try:
            return (self.root / _checked(key)).open("rb")
        except FileNotFoundError:
            raise MediaNotFound() from None

    def delete(self, key: str) -> None:
        (self.root / _checked(key)).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return KEY_PATTERN.match(key) is not None and (self.root / key).is_file()

    def presigned_url(self, key: str, *, seconds: int, mime: str) -> str | None:
        return None

    def keys_page(self, older_than: datetime, start_after: str, limit: int) -> list[str]:
        cutoff = older_than.timestamp()
        keys = sorted(
            key
            for path in self.root.glob("??/*")
            if KEY_PATTERN.match(key := f"{path.parent.name}/{path.name}")
            and key > start_after
            and path.stat().st_mtime < cutoff
        )
        return keys[:limit]


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def s3_client(endpoint_url: str | None, region: str | None) -> Any:
    """A boto3 S3 client with bounded waits; credentials from boto3's usual chain."""
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=region,
        config=Config(connect_timeout=10, read_timeout=60, retries={"mode": "standard"}),
    )


def encryption_args(sse: str | None, sse_kms_key_id: str | None) -> dict[str, str]:
    """The server-side encryption arguments of every object this service writes."""
    args: dict[str, str] = {}
    if sse:
        args["ServerSideEncryption"] = sse
    if sse_kms_key_id:
        args["SSEKMSKeyId"] = sse_kms_key_id
    return args


class S3MediaStorage:
    """Objects in an S3-compatible bucket under `prefix`, encrypted at rest if configured.

    Credentials come from boto3's usual chain (environment, instance role, profile), never
    from our settings. Uploads go through `upload_file`, which switches to multipart for
    large videos.
    """

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
        sse: str | None = "AES256",
        sse_kms_key_id: str | None = None,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix
        self._client = s3_client(endpoint_url, region)
        self._upload_args = encryption_args(sse, sse_kms_key_id)

    def put(self, data_path: Path, *, extension: str, mime: str) -> str:
        key = new_key(extension)
        extra = {**self._upload_args, "ContentType": _checked_mime(mime)}
        with outage_is_unavailable():
            self._client.upload_file(
                str(data_path), self.bucket, self.prefix + key, ExtraArgs=extra
            )
        return key

    def get(self, key: str) -> bytes:
        with self.open(key) as stream:
            return stream.read()

    def open(self, key: str) -> IO[bytes]:
        try:
            with outage_is_unavailable():
                response = self._client.get_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as exc:
            if is_missing(exc):
                raise MediaNotFound() from None
            raise
        # boto3 ships no types; the body is botocore's StreamingBody, an io.IOBase.
        body: IO[bytes] = response["Body"]
        return body

    def delete(self, key: str) -> None:
        with outage_is_unavailable():
            self._client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def exists(self, key: str) -> bool:
        if not KEY_PATTERN.match(key):
            return False
        try:
            with outage_is_unavailable():
                self._client.head_object(Bucket=self.bucket, Key=self.prefix + key)
        except ClientError as exc:
            if is_missing(exc):
                return False
            raise
        return True

    def presigned_url(self, key: str, *, seconds: int, mime: str) -> str | None:
        """A presigned GET, signed locally with the service's credentials (no call to S3),
        that answers with the stored media type, inline, never cached."""
        url: str = self._client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": self._name(key),
                "ResponseContentType": _checked_mime(mime),
                "ResponseContentDisposition": "inline",
                "ResponseCacheControl": "no-store",
            },
            ExpiresIn=seconds,
        )
        return url

    def keys_page(self, older_than: datetime, start_after: str, limit: int) -> list[str]:
        keys: list[str] = []
        after = self.prefix + start_after if start_after else ""
        with outage_is_unavailable():
            while len(keys) < limit:
                listed = self._client.list_objects_v2(
                    Bucket=self.bucket, Prefix=self.prefix, StartAfter=after, MaxKeys=1000
                )
                contents = listed.get("Contents", [])
                for entry in contents:
                    key = entry["Key"][len(self.prefix) :]
                    if KEY_PATTERN.match(key) and entry["LastModified"] < older_than:
                        keys.append(key)
                if not listed.get("IsTruncated") or not contents:
                    break
                after = contents[-1]["Key"]
        return keys[:limit]

    def _name(self, key: str) -> str:
        return self.prefix + _checked(key)


@contextlib.contextmanager
def outage_is_unavailable() -> Iterator[None]:
    """The server cannot be reached, times out, or answers 5xx (after boto3's own retries):
    `StorageUnavailable` (503 with Retry-After), a state the same request recovers from."""
    try:
        yield
    except ClientError as error:
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if int(status or 0) >= 500:
            raise StorageUnavailable(_OUTAGE) from error
        raise
    except (BotoCoreError, S3UploadFailedError) as error:
        raise StorageUnavailable(_OUTAGE) from error


_OUTAGE = "Media storage cannot be reached right now; retry the same request shortly."


def is_missing(error: ClientError) -> bool:
    code = str(error.response.get("Error", {}).get("Code", ""))
    return code in {"404", "NoSuchKey", "NotFound"}


class AsyncMediaStorage:
    """Any backend, awaited: each call runs in a worker thread, off the event loop."""

    def __init__(self, storage: MediaStorage) -> None:
        self.storage = storage

    async def put(self, data_path: Path, *, extension: str, mime: str) -> str:
        return await asyncio.to_thread(self.storage.put, data_path, extension=extension, mime=mime)

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self.storage.get, key)

    async def open(self, key: str) -> IO[bytes]:
        return await asyncio.to_thread(self.storage.open, key)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.storage.delete, key)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self.storage.exists, key)

    async def keys_page(self, older_than: datetime, start_after: str, limit: int) -> list[str]:
        return await asyncio.to_thread(self.storage.keys_page, older_than, start_after, limit)

    async def presigned_url(self, key: str, *, seconds: int, mime: str) -> str | None:
        return await asyncio.to_thread(self.storage.presigned_url, key, seconds=seconds, mime=mime)


def build_storage(settings: Settings) -> MediaStorage:
    """The backend `settings.media_backend` names."""
    if settings.media_backend == "s3":
        if not settings.s3_bucket:
            raise ValueError("media_backend 's3' needs s3_bucket")
        return S3MediaStorage(
            settings.s3_bucket,
            prefix=settings.s3_prefix,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            sse=settings.s3_sse,
            sse_kms_key_id=settings.s3_sse_kms_key_id,
        )
    return LocalMediaStorage(settings.effective_media_dir)
