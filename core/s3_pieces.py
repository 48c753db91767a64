"""Raw objects and multipart uploads under one prefix of the media bucket, for data that is
not media: the sealed pieces of unfinished resumable uploads (`intake.uploads.shared`).

Nothing here knows what the bytes are; callers seal them before they come here. Names are
relative to the prefix, which never overlaps the media prefix, so the media orphan sweep
(`intake.orphans`) and media keys never meet these objects. Every object is written with
the bucket's server-side encryption settings too, and an outage is `StorageUnavailable`
(503 with Retry-After), as for media.
"""

from __future__ import annotations

from datetime import datetime
from typing import IO, Any

from botocore.exceptions import ClientError

from core.settings import Settings
from core.storage import encryption_args, is_missing, outage_is_unavailable, s3_client


class PieceMissing(Exception):
    """The object or multipart upload is not (or no longer) in the bucket."""


class S3Pieces:
    """Synchronous (boto3) calls: run them in a worker thread from async code."""

    def __init__(self, client: Any, bucket: str, prefix: str, extra: dict[str, str]) -> None:
        self._client = client
        self.bucket = bucket
        self.prefix = prefix
        self._extra = extra

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Pieces:
        if not settings.s3_bucket:
            raise ValueError("partial uploads in S3 need s3_bucket")
        media, pieces = settings.s3_prefix, settings.s3_upload_prefix
        if not pieces or (media and (media.startswith(pieces) or pieces.startswith(media))):
            raise ValueError("s3_upload_prefix must be set and apart from s3_prefix")
        return cls(
            s3_client(settings.s3_endpoint_url, settings.s3_region),
            settings.s3_bucket,
            pieces,
            encryption_args(settings.s3_sse, settings.s3_sse_kms_key_id),
        )

    def put(self, name: str, data: bytes) -> None:
        with outage_is_unavailable():
            self._client.put_object(
                Bucket=self.bucket,
                Key=self.prefix + name,
                Body=data,
                ContentType="application/octet-stream",
                **self._extra,
            )

    def get(self, name: str) -> bytes:
        with self.open(name) as body:
            return read_exactly(body, None)

    def open(self, name: str) -> IO[bytes]:
        try:
            with outage_is_unavailable():
                answer = self._client.get_object(Bucket=self.bucket, Key=self.prefix + name)
        except ClientError as error:
            if _gone(error):
                raise PieceMissing(name) from None
            raise
        body: IO[bytes] = answer["Body"]
        return body

    def delete(self, name: str) -> None:
        """Deleting a missing object is not an error (retries and sweeps are safe)."""
        with outage_is_unavailable():
            self._client.delete_object(Bucket=self.bucket, Key=self.prefix + name)

    def start_multipart(self, name: str) -> str:
        with outage_is_unavailable():
            answer = self._client.create_multipart_upload(
                Bucket=self.bucket,
                Key=self.prefix + name,
                ContentType="application/octet-stream",
                **self._extra,
            )
        return str(answer["UploadId"])

    def upload_part(self, name: str, multipart_id: str, number: int, data: bytes) -> str:
        """Store part `number` (1-based; every part but the last at least 5 MiB); its ETag."""
        try:
            with outage_is_unavailable():
                answer = self._client.upload_part(
                    Bucket=self.bucket,
                    Key=self.prefix + name,
                    UploadId=multipart_id,
                    PartNumber=number,
                    Body=data,
                )
        except ClientError as error:
            if _gone(error):
                raise PieceMissing(name) from None
            raise
        return str(answer["ETag"])

    def complete_multipart(self, name: str, multipart_id: str, etags: list[str]) -> None:
        """Join the parts, in order, into the object `name`."""
        parts = [{"PartNumber": n, "ETag": etag} for n, etag in enumerate(etags, start=1)]
        try:
            with outage_is_unavailable():
                self._client.complete_multipart_upload(
                    Bucket=self.bucket,
                    Key=self.prefix + name,
                    UploadId=multipart_id,
                    MultipartUpload={"Parts": parts},
                )
        except ClientError as error:
            if _gone(error):
                raise PieceMissing(name) from None
            raise

    def abort_multipart(self, name: str, multipart_id: str) -> None:
        """Drop an incomplete multipart upload and its parts; a gone one is not an error."""
        try:
            with outage_is_unavailable():
                self._client.abort_multipart_upload(
                    Bucket=self.bucket, Key=self.prefix + name, UploadId=multipart_id
                )
        except ClientError as error:
            if not _gone(error):
                raise

    def names_older_than(self, moment: datetime) -> list[str]:
        """Every object under the prefix last written before `moment`."""
        return [
            entry["Key"][len(self.prefix) :]
            for entry in self._listed("list_objects_v2", "Contents")
            if entry["LastModified"] < moment
        ]

    def multiparts_older_than(self, moment: datetime) -> list[tuple[str, str]]:
        """`(name, multipart id)` of every incomplete multipart upload begun before `moment`."""
        return [
            (entry["Key"][len(self.prefix) :], entry["UploadId"])
            for entry in self._listed("list_multipart_uploads", "Uploads")
            if entry["Initiated"] < moment
        ]

    def _listed(self, operation: str, field: str) -> list[Any]:
        paginator = self._client.get_paginator(operation)
        with outage_is_unavailable():
            pages = paginator.paginate(Bucket=self.bucket, Prefix=self.prefix)
            return [entry for page in pages for entry in page.get(field, [])]


def _gone(error: ClientError) -> bool:
    """The multipart upload, a part of it, or the object is not in the bucket (any more)."""
    code = str(error.response.get("Error", {}).get("Code", ""))
    return code in {"NoSuchUpload", "InvalidPart", "InvalidPartOrder"} or is_missing(error)


def read_exactly(stream: IO[bytes], size: int | None) -> bytes:
    """`size` bytes (or all, for None) from a network stream, which may return fewer per
    read; fewer at the end of the stream is `PieceMissing` (a truncated object)."""
    if size is None:
        return stream.read()
    chunks, wanted = [], size
    while wanted:
        chunk = stream.read(wanted)
        if not chunk:
            raise PieceMissing("truncated")
        chunks.append(chunk)
        wanted -= len(chunk)
    return b"".join(chunks)
