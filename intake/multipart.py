"""Reading a multipart submission without ever holding a file whole in memory.

The body is streamed through python-multipart's parser; each `media` part goes straight
into its own temporary file in a private folder (0700, files 0600) that the caller
deletes, and every limit is enforced while bytes arrive, so an oversized upload is cut
off at the limit rather than after it has been received. These temporary files are the
only place unsanitised bytes ever exist; nothing here writes to media storage.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from python_multipart.multipart import MultipartParser, parse_options_header

if TYPE_CHECKING:  # python-multipart declares its callback types for checkers only
    from python_multipart.multipart import MultipartCallbacks

from core.errors import PayloadTooLarge, StopError

REPORT_PART = "report"
MEDIA_PART = "media"


class MalformedMultipart(StopError):
    status = 400
    slug = "malformed-multipart"
    title = "The multipart body could not be read"


@dataclass(frozen=True)
class MultipartLimits:
    max_files: int
    max_file_bytes: int
    max_request_bytes: int
    max_report_bytes: int


@dataclass
class ReceivedFile:
    """One uploaded file, as received: still unsanitised, only in the temporary folder."""

    path: Path
    size: int = 0
    sha256: str = ""


@dataclass
class MultipartSubmission:
    report_json: bytes
    files: list[ReceivedFile] = field(default_factory=list)


class _Collector:
    """python-multipart callbacks: route each part to a buffer or a temporary file."""

    def __init__(self, workdir: Path, limits: MultipartLimits) -> None:
        self.workdir = workdir
        self.limits = limits
        self.report: bytearray | None = None
        self.files: list[ReceivedFile] = []
        self.finished = False
        self._headers: dict[bytes, bytes] = {}
        self._field = b""
        self._value = b""
        self._target: str | None = None
        self._file: IO[bytes] | None = None
        self._hash = hashlib.sha256()

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": lambda data, start, end: self._add("_field", data[start:end]),
            "on_header_value": lambda data, start, end: self._add("_value", data[start:end]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
            "on_end": self._end,
        }

    def _add(self, attribute: str, data: bytes) -> None:
        setattr(self, attribute, getattr(self, attribute) + data)

    def _part_begin(self) -> None:
        self._headers, self._field, self._value = {}, b"", b""

    def _header_end(self) -> None:
        self._headers[self._field.strip().lower()] = self._value.strip()
        self._field, self._value = b"", b""

    def _headers_finished(self) -> None:
        _, params = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = params.get(b"name", b"").decode("latin-1")
        if name == REPORT_PART:
            if self.report is not None:
                raise MalformedMultipart("Send exactly one `report` part.")
            self.report = bytearray()
        elif name == MEDIA_PART:
            if len(self.files) >= self.limits.max_files:
                raise PayloadTooLarge(f"At most {self.limits.max_files} media files per report.")
            path = self.workdir / f"upload-{len(self.files)}"
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            self._file = os.fdopen(descriptor, "wb")
            self._hash = hashlib.sha256()
            self.files.append(ReceivedFile(path))
        else:
            raise MalformedMultipart(f"Unexpected part {name!r}: only `report` and `media`.")
        self._target = name

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self._target == REPORT_PART:
            assert self.report is not None
            self.report += chunk
            if len(self.report) > self.limits.max_report_bytes:
                raise PayloadTooLarge(
                    f"The report part is over {self.limits.max_report_bytes} bytes."
                )
            return
        current = self.files[-1]
        current.size += len(chunk)
        if current.size > self.limits.max_file_bytes:
            raise PayloadTooLarge(
                f"A media file is over {self.limits.max_file_bytes // 1_000_000} MB; "
                "send large videos with the resumable upload (/v1/uploads)."
            )
        assert self._file is not None
        self._file.write(chunk)
        self._hash.update(chunk)

    def _part_end(self) -> None:
        if self._target == MEDIA_PART and self._file is not None:
            self._file.close()
            self._file = None
            self.files[-1].sha256 = self._hash.hexdigest()
        self._target = None

    def _end(self) -> None:
        self.finished = True

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


def _boundary(content_type: str) -> bytes:
    _, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if not boundary or len(boundary) > 200:
        raise MalformedMultipart("The multipart content type has no usable boundary.")
    return boundary


async def read_multipart(
    stream: AsyncIterator[bytes], content_type: str, workdir: Path, limits: MultipartLimits
) -> MultipartSubmission:
    """Parse the body into the report JSON and temporary files, enforcing every limit."""
    collector = _Collector(workdir, limits)
    parser = MultipartParser(_boundary(content_type), collector.callbacks())
    received = 0
    try:
        async for chunk in stream:
            received += len(chunk)
            if received > limits.max_request_bytes:
                raise PayloadTooLarge(
                    f"The request is over {limits.max_request_bytes // 1_000_000} MB."
                )
            try:
                parser.write(chunk)
            except StopError:
                raise
            except Exception as error:  # the parser's own errors: a malformed body
                raise MalformedMultipart(
                    f"Malformed multipart body ({type(error).__name__})."
                ) from None
        parser.finalize()
    finally:
        collector.close()
    if not collector.finished:
        raise MalformedMultipart("The multipart body ended early (interrupted upload?).")
    if collector.report is None:
        raise MalformedMultipart("The multipart body has no `report` part.")
    return MultipartSubmission(bytes(collector.report), collector.files)
