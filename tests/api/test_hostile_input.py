"""Hostile input, one table: every request here is refused with a clear 4xx and leaves no
trace in storage.

The server runs as `serve` runs it (uvicorn with the project's protocol, timeouts and
limits) on a real socket, and each request is written byte by byte with `tests.raw_http`,
so lying lengths, broken framing, huge headers and slow drips reach the server as a
hostile client sends them. It enforces App Check, as production does: requests that must
get past it to test the body carry a genuine token, signed by a key the server trusts.

Each case asserts:
- a 4xx answer of the status the case names, as problem+json with a `type`, a `title`, a
  `detail` and the `status` repeated (the console's routes answer HTML pages instead, or
  send the browser to log in);
- nothing left behind: the same number of rows in every table, and the same files (names
  and sizes) in the media folder, the partial uploads' folder and the temporary folder
  where multipart bodies are streamed.

Rate limits are per client address; the server trusts loopback as its proxy, so each case
comes from its own `X-Forwarded-For` address and none eats another's budget.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import tempfile
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from api.app import create_app
from console.auth import SESSION_COOKIE, session_csrf_token
from core.db import create_engine, create_sessionmaker, transaction
from core.hashing import keyed_hasher
from core.settings import Settings
from hub.clients import create_hub_client, revoke
from models import metadata
from tests.conftest import fresh_pg_database, make_settings
from tests.factories import new_report
from tests.intake.conftest import (
    APP_ID,
    PROJECT_NUMBER,
    jwks,
    serving_keys,
    sign,
    unsigned,
    valid_claims,
)
from tests.live_server import make_accounts, serving
from tests.raw_http import Answer, exchange, request

pytestmark = pytest.mark.slow

#: Seconds the server waits for headers, and for the next piece of a body: drips outlast it.
PATIENCE_SECONDS = 2
RECEIPT_LOOKUPS_PER_MINUTE = 20
MAX_APP_CHECK_USES = 2
BOUNDARY = "hostile-boundary"
JSON = {"Content-Type": "application/json"}
TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = {**TUS, "Content-Type": "application/offset+octet-stream"}


@dataclass
class Target:
    """The running server, the credentials and the things a hostile client aims at."""

    port: int
    settings: Settings
    signing_key: RSAPrivateKey
    stranger_key: RSAPrivateKey
    moderator: str = ""
    logged_out: str = ""
    hub_key: str = ""
    revoked_hub_key: str = ""
    receipt: str = ""
    report_id: str = ""
    upload: str = ""
    spent_app_check: str = ""
    temp_dir: Path = Path()
    _addresses: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def address(self) -> str:
        """A client address no other request has used (for the rate limits)."""
        number = next(self._addresses)
        return f"10.66.{number // 250}.{number % 250 + 1}"

    def app_check(self) -> str:
        return sign(self.signing_key, valid_claims())

    def send(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str] | list[tuple[str, str]] = (),
        body: bytes = b"",
        *,
        app_check: bool = True,
        content_length: bool = True,
        then: tuple[bytes, ...] = (),
        pause: float = 0.0,
    ) -> Answer:
        """One request from a fresh address; a report submission carries a genuine App
        Check token unless `app_check=False`. `then` is sent after the request, `pause`
        seconds apart."""
        extra = {"X-Forwarded-For": self.address()}
        if app_check and method == "POST" and path == "/v1/reports":
            extra["X-Firebase-AppCheck"] = self.app_check()
        pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
        message = request(
            method, path, [*extra.items(), *pairs], body, content_length=content_length
        )
        return exchange(self.port, message, *then, pause=pause)

    def report(
        self, body: bytes, content_type: str | None = "application/json", **kw: Any
    ) -> Answer:
        headers = {"Content-Type": content_type} if content_type else {}
        return self.send("POST", "/v1/reports", {**headers, **kw.pop("headers", {})}, body, **kw)

    def multipart(self, body: bytes, **kw: Any) -> Answer:
        return self.report(body, f"multipart/form-data; boundary={BOUNDARY}", **kw)

    def mine(
        self, method: str, path: str, body: bytes = b"", receipt: str | None = None, **kw: Any
    ) -> Answer:
        """A reporter's follow-up route (`/v1/reports/mine` + `path`), with the receipt."""
        headers = {**self.receipt_headers(receipt), **kw.pop("headers", {})}
        return self.send(method, "/v1/reports/mine" + path, headers, body, **kw)

    def tus(
        self, method: str, path: str | None = None, body: bytes = b"", **headers: str
    ) -> Answer:
        """A tus request to `path` (the open upload by default); `Upload_Offset=` and the
        like name headers with underscores."""
        named = {name.replace("_", "-"): value for name, value in headers.items()}
        base = {**OCTETS} if method == "PATCH" else {**TUS}
        return self.send(method, path or self.upload, {**base, **named}, body)

    def mod(self, method: str, path: str, body: bytes = b"", **kw: Any) -> Answer:
        """A moderator's request; `{report}` in `path` is the queued report's id."""
        headers = {"Authorization": f"Bearer {self.moderator}", **JSON, **kw.pop("headers", {})}
        return self.send(method, path.format(report=self.report_id), headers, body, **kw)

    def hub(self, path: str, key: str | None = None) -> Answer:
        return self.send("GET", path, {"Authorization": f"Bearer {key or self.hub_key}"})

    def receipt_headers(self, receipt: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Receipt {receipt or self.receipt}", **JSON}

    def console(self, form: str, cookie: str | None = None) -> Answer:
        """A console form asking the reporter of the queued report a question."""
        token = cookie if cookie is not None else self.moderator
        headers = {
            "Cookie": f"{SESSION_COOKIE}={token}",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        return self.send(
            "POST", f"/console/reports/{self.report_id}/messages", headers, form.encode()
        )

    def csrf(self, token: str | None = None) -> str:
        return session_csrf_token(keyed_hasher(self.settings), token or self.moderator)


# --- building hostile bodies --------------------------------------------------------------


def report_json(**fields: Any) -> bytes:
    return json.dumps(new_report(**fields)).encode()


def text(value: str, field: str = "text") -> bytes:
    return json.dumps({field: value}).encode()


def part(headers: str, content: bytes = b"") -> bytes:
    return f"--{BOUNDARY}\r\n{headers}\r\n\r\n".encode() + content + b"\r\n"


def report_part(content: bytes | None = None) -> bytes:
    return part(
        'Content-Disposition: form-data; name="report"\r\nContent-Type: application/json',
        report_json() if content is None else content,
    )


def media_part(content: bytes = b"\xff\xd8 not a photo", filename: str = "p.jpg") -> bytes:
    return part(f'Content-Disposition: form-data; name="media"; filename="{filename}"', content)


END = f"--{BOUNDARY}--\r\n".encode()


def form(*parts: bytes) -> bytes:
    """A multipart body: a report part, then `parts`, then the closing boundary."""
    return report_part() + b"".join(parts) + END


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def with_member(body: bytes, member: bytes) -> bytes:
    """`body` (a JSON object) with one more member, written as raw JSON."""
    return body[:-1] + b", " + member + b"}"


def deep(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def wide_json(members: int) -> bytes:
    return b"{" + b",".join(b'"k%d": 1' % n for n in range(members)) + b"}"


def chunked(body: bytes, size: int = 100_000) -> bytes:
    chunks = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"


def app_check_token(target: Target, kind: str) -> str:
    claims = valid_claims()
    return {
        "forged": lambda: sign(target.stranger_key, claims),
        "unsigned": lambda: unsigned(claims),
        "expired": lambda: sign(target.signing_key, valid_claims(exp=1_600_000_000)),
        "other-app": lambda: sign(target.signing_key, valid_claims(sub="1:9:ios:beef")),
        "garbage": lambda: "a.b.c",
        "replayed": lambda: target.spent_app_check,
    }[kind]()


def with_app_check(target: Target, kind: str) -> Answer:
    token = app_check_token(target, kind)
    headers = {"X-Firebase-AppCheck": token}
    return target.report(report_json(), headers=headers, app_check=False)


def receipt_guessing(target: Target) -> Answer:
    """Random receipts from one address: unknown ones are told apart from nothing (every
    answer is the same 401), and the lookups run into the rate limit (429)."""
    address = target.address()
    answers = []
    for _ in range(RECEIPT_LOOKUPS_PER_MINUTE + 5):
        guess = "-".join(uuid.uuid4().hex[:6] for _ in range(6))
        headers = {"Authorization": f"Receipt {guess}", "X-Forwarded-For": address}
        answers.append(exchange(target.port, request("GET", "/v1/reports/mine", headers)))
    refused = [a for a in answers if a.status == 401]
    assert len(refused) == RECEIPT_LOOKUPS_PER_MINUTE
    assert len({a.body for a in refused}) == 1, "two unknown receipts were answered apart"
    malformed = target.mine("GET", "", receipt="x")
    assert malformed.body == refused[0].body
    return answers[-1]


def stall(send: Callable[..., Answer], *args: Any, **kw: Any) -> Answer:
    """Headers announcing a body, the first bytes of it, then silence past the timeout."""
    headers = {**kw.pop("headers", {}), "Content-Length": "100000"}
    return send(*args, headers=headers, **kw)


def head_drip(target: Target) -> Answer:
    """A request line, then a header every so often: the headers never complete in time."""
    line = b"POST /v1/reports HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    return exchange(target.port, line, *[b"X-A: b\r\n"] * 4, pause=PATIENCE_SECONDS * 0.75)


@dataclass(frozen=True)
class Hostile:
    name: str
    send: Callable[[Target], Answer]
    status: int
    slug: str | None = None  # the problem's type, `urn:stop-intake:problem:<slug>`
    html: bool = False  # a console route: an HTML page or the way to the login page


MB = 1_000_000
TB = 10**12
QUESTION = "/v1/moderation/reports/{report}/messages"
GUESSED = "able-baker-charlie-delta-echo-fox"
BAD = "malformed-request"
INVALID = "validation-error"
LARGE = "payload-too-large"
MEDIA = "unsupported-media-type"
MULTIPART_BAD = "malformed-multipart"
TIMEOUT = "request-timeout"

# fmt: off
CASES: list[Hostile] = [
    # --- wrong content types
    Hostile("report as text/plain", lambda t: t.report(report_json(), "text/plain"), 415, MEDIA),
    Hostile("report without a content type", lambda t: t.report(report_json(), None), 415, MEDIA),
    Hostile("report as XML", lambda t: t.report(b"<report/>", "application/xml"), 415, MEDIA),
    Hostile("report as a form", lambda t: t.report(b"text=hi", "application/x-www-form-urlencoded"), 415, MEDIA),
    Hostile("report in UTF-16", lambda t: t.report(report_json().decode().encode("utf-16"), "application/json; charset=utf-16"), 422, INVALID),
    Hostile("tus chunk as JSON", lambda t: t.tus("PATCH", body=b"{}", Upload_Offset="0", Content_Type="application/json"), 415),
    Hostile("follow-up message as text/plain", lambda t: t.mine("POST", "/messages", b"hi", headers={"Content-Type": "text/plain"}), 422, INVALID),
    Hostile("moderator question as a form", lambda t: t.mod("POST", QUESTION, b"text=hi", headers={"Content-Type": "application/x-www-form-urlencoded"}), 422, INVALID),
    # --- broken multipart
    Hostile("multipart without a boundary", lambda t: t.report(form(), "multipart/form-data"), 400, MULTIPART_BAD),
    Hostile("multipart with an empty boundary", lambda t: t.report(form(), "multipart/form-data; boundary="), 400, MULTIPART_BAD),
    Hostile("multipart with a 300-byte boundary", lambda t: t.report(form(), "multipart/form-data; boundary=" + "b" * 300), 400, MULTIPART_BAD),
    Hostile("multipart truncated mid-part", lambda t: t.multipart(report_part() + media_part()[:40]), 400, MULTIPART_BAD),
    Hostile("multipart without its closing boundary", lambda t: t.multipart(report_part() + media_part()), 400, MULTIPART_BAD),
    Hostile("multipart of garbage", lambda t: t.multipart(b"\x00\xff" * 5000), 400, MULTIPART_BAD),
    Hostile("multipart without a report part", lambda t: t.multipart(media_part() + END), 400, MULTIPART_BAD),
    Hostile("a part without a name", lambda t: t.multipart(form(part("Content-Disposition: form-data", b"x"))), 400, MULTIPART_BAD),
    Hostile("a part without headers", lambda t: t.multipart(form(part("", b"x"))), 400, MULTIPART_BAD),
    Hostile("two report parts", lambda t: t.multipart(form(report_part())), 400, MULTIPART_BAD),
    Hostile("thousands of media parts", lambda t: t.multipart(form(media_part() * 5000)), 413, LARGE),
    Hostile("thousands of nameless parts", lambda t: t.multipart(part("X-A: b", b"x") * 5000 + END), 400, MULTIPART_BAD),
    Hostile("a part header of a megabyte", lambda t: t.multipart(form(media_part(filename="x" * MB))), 400, MULTIPART_BAD),
    Hostile("a part with ten thousand headers", lambda t: t.multipart(form(part('Content-Disposition: form-data; name="media"\r\n' + "X-A: b\r\n" * 10_000, b"x"))), 400, MULTIPART_BAD),
    Hostile("media that is not media", lambda t: t.multipart(form(media_part())), 415, MEDIA),
    Hostile("media with a path for a file name", lambda t: t.multipart(form(media_part(b"* * * * * root x", "../../../etc/cron.d/x"))), 415, MEDIA),
    Hostile("a report part that is not JSON", lambda t: t.multipart(report_part(b"text=hello") + END), 422, INVALID),
    Hostile("a report part over 256 KiB", lambda t: t.multipart(report_part(report_json(text="x" * 300_000)) + END), 413, LARGE),
    Hostile("a report listing an unknown upload", lambda t: t.report(report_json(uploads=[str(uuid.uuid4())])), 422, "upload-not-attachable"),
    # --- broken HTTP
    Hostile("an unknown method", lambda t: t.send("BREW", "/v1/reports", JSON, report_json()), 400, BAD),
    Hostile("a method the route has not", lambda t: t.mine("DELETE", ""), 405, "method-not-allowed"),
    Hostile("an HTTP/2 preface", lambda t: exchange(t.port, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), 400, BAD),
    Hostile("a header name with a space", lambda t: t.send("GET", "/v1/reports/mine", {"Author ization": "Receipt x"}), 400, BAD),
    # --- huge headers
    Hostile("a header of a megabyte", lambda t: t.report(report_json(), headers={"X-Big": "x" * MB}), 431, "request-header-fields-too-large"),
    Hostile("ten thousand headers", lambda t: t.mine("GET", "", headers={f"X-H{n}": "y" for n in range(10_000)}), 431, "request-header-fields-too-large"),
    Hostile("a URL of 100 kB", lambda t: t.mod("GET", "/v1/moderation/queue?q=" + "a" * 100_000), 414, "uri-too-long"),
    Hostile("a receipt of 30 kB", lambda t: t.mine("GET", "", receipt="w" * 30_000), 401, "receipt-not-recognised"),
    # --- deep and enormous JSON
    Hostile("report nested 100,000 deep", lambda t: t.report(nested(100_000)), 422, INVALID),
    Hostile("report with a member nested 10,000 deep", lambda t: t.report(with_member(report_json(), b'"extra": ' + deep(10_000))), 422, INVALID),
    Hostile("report of 10 MB", lambda t: t.report(report_json(text="x" * 10 * MB)), 413, LARGE),
    Hostile("report with 20,000 members", lambda t: t.report(wide_json(20_000)), 422, INVALID),
    Hostile("report with a number of 5,000 digits", lambda t: t.report(with_member(report_json(), b'"urgent": 1' + b"0" * 5000)), 422, INVALID),
    Hostile("follow-up message nested 100,000 deep", lambda t: t.mine("POST", "/messages", b'{"text": ' + nested(100_000) + b"}"), 422, INVALID),
    Hostile("follow-up message of 50 MB", lambda t: t.mine("POST", "/messages", text("x" * 50 * MB)), 413, LARGE),
    Hostile("login of 50 MB", lambda t: t.send("POST", "/v1/auth/login", JSON, text("x" * 50 * MB, "username")), 413, LARGE),
    Hostile("bulk action nested 100,000 deep", lambda t: t.mod("POST", "/v1/moderation/bulk", nested(100_000)), 422, INVALID),
    Hostile("bulk action over 20,000 ids", lambda t: t.mod("POST", "/v1/moderation/bulk", json.dumps({"action": "tag", "tag": "x", "ids": [str(uuid.uuid4()) for _ in range(20_000)]}).encode()), 422, INVALID),
    Hostile("bulk action with a number of 5,000 digits", lambda t: t.mod("POST", "/v1/moderation/bulk", b'{"action": "tag", "limit": 1' + b"0" * 5000 + b"}"), 422, INVALID),
    Hostile("approval of 50 MB", lambda t: t.mod("POST", "/v1/moderation/reports/{report}/approve", text("x" * 50 * MB, "summary")), 413, LARGE),
    # --- invalid UTF-8
    Hostile("report with invalid UTF-8", lambda t: t.report(report_json(text="AB").replace(b"AB", b"\xff\xfe")), 422, INVALID),
    Hostile("report part with invalid UTF-8", lambda t: t.multipart(report_part(report_json(text="AB").replace(b"AB", b"\xc3\x28")) + END), 422, INVALID),
    Hostile("follow-up message with invalid UTF-8", lambda t: t.mine("POST", "/messages", b'{"text": "\xff\xfe"}'), 422, INVALID),
    Hostile("moderator question with a lone surrogate", lambda t: t.mod("POST", QUESTION, b'{"text": "\xed\xa0\x80"}'), 422, INVALID),
    Hostile("an upload id of invalid UTF-8", lambda t: t.tus("PATCH", "/v1/uploads/%ff%fe", b"abc", Upload_Offset="0"), 404),
    Hostile("a report id of invalid UTF-8", lambda t: t.mod("GET", "/v1/moderation/reports/%c3%28"), 422, INVALID),
    Hostile("a receipt of invalid UTF-8", lambda t: t.mine("GET", "", receipt="\xff\xfe-\xc3\x28"), 401, "receipt-not-recognised"),
    # --- NUL bytes
    Hostile("report text with a NUL", lambda t: t.report(report_json(text="five\x00people")), 422, INVALID),
    Hostile("report client id with a NUL", lambda t: t.report(report_json(client_id="6f1c2a0e\x00")), 422, INVALID),
    Hostile("report locale with a NUL", lambda t: t.report(report_json(locale="es\x00MX")), 422, INVALID),
    Hostile("follow-up message with a NUL", lambda t: t.mine("POST", "/messages", text("a\x00b")), 422, INVALID),
    Hostile("moderator question with a NUL", lambda t: t.mod("POST", QUESTION, text("which\x00street")), 422, INVALID),
    Hostile("rejection note with a NUL", lambda t: t.mod("POST", "/v1/moderation/reports/{report}/reject", json.dumps({"reason": "spam", "note": "a\x00b"}).encode()), 422, INVALID),
    Hostile("queue search with a NUL", lambda t: t.mod("GET", "/v1/moderation/queue?q=a%00b"), 422, INVALID),
    Hostile("queue tag with a NUL", lambda t: t.mod("GET", "/v1/moderation/queue?tag=a%00b"), 422, INVALID),
    Hostile("audit filter with a NUL", lambda t: t.mod("GET", "/v1/moderation/audit?action=a%00b"), 422, INVALID),
    Hostile("hub cursor with a NUL", lambda t: t.hub("/v1/hub/incidents?after=a%00b"), 422, "invalid-cursor"),
    Hostile("receipt with a NUL", lambda t: t.mine("GET", "", receipt="a\x00b"), 400, BAD),
    Hostile("tus metadata with a NUL", lambda t: t.tus("POST", "/v1/uploads", Upload_Length="10", Upload_Metadata="filename a\x00b"), 400, BAD),
    Hostile("hub key with a NUL", lambda t: t.hub("/v1/hub/incidents", key="stophub_\x00"), 400, BAD),
    # --- overlong fields
    Hostile("report text over 20,000 characters", lambda t: t.report(report_json(text="x" * 20_001)), 422, INVALID),
    Hostile("report place over 500 characters", lambda t: t.report(report_json(place="x" * 501)), 422, INVALID),
    Hostile("report locale of 1,000 characters", lambda t: t.report(report_json(locale="e" * 1000)), 422, INVALID),
    Hostile("a thousand upload ids", lambda t: t.report(report_json(uploads=[str(uuid.uuid4()) for _ in range(1000)])), 422, INVALID),
    Hostile("follow-up message of 100,000 characters", lambda t: t.mine("POST", "/messages", text("x" * 100_000)), 422, INVALID),
    Hostile("moderator question of 100,000 characters", lambda t: t.mod("POST", QUESTION, text("x" * 100_000)), 422, INVALID),
    Hostile("login name of 100,000 characters", lambda t: t.send("POST", "/v1/auth/login", JSON, json.dumps({"username": "x" * 100_000, "password": "x" * 12}).encode()), 422, INVALID),
    Hostile("queue search of 5,000 characters", lambda t: t.mod("GET", "/v1/moderation/queue?q=" + "a" * 5000), 422, INVALID),
    Hostile("tus metadata of 9,000 characters", lambda t: t.tus("POST", "/v1/uploads", Upload_Length="10", Upload_Metadata="name " + "A" * 9000), 400),
    # --- absurd sizes
    Hostile("a Content-Length of minus one", lambda t: t.report(report_json(), headers={"Content-Length": "-1"}), 400, BAD),
    Hostile("a Content-Length of 30 digits", lambda t: t.report(report_json(), headers={"Content-Length": "9" * 30}), 400, BAD),
    Hostile("a Content-Length of 1 TB", lambda t: t.report(report_json(), headers={"Content-Length": str(TB)}), 413, LARGE),
    Hostile("a multipart Content-Length of 1 TB", lambda t: t.multipart(report_part(), headers={"Content-Length": str(TB)}), 413, LARGE),
    Hostile("a message Content-Length of 1 TB", lambda t: t.mine("POST", "/messages", b"{}", headers={"Content-Length": str(TB)}), 413, LARGE),
    Hostile("two Content-Lengths", lambda t: t.send("POST", "/v1/reports", [*JSON.items(), ("Content-Length", "5"), ("Content-Length", "500")], report_json()), 400, BAD),
    Hostile("Content-Length with chunked encoding", lambda t: t.report(chunked(b"hello"), headers={"Content-Length": "3", "Transfer-Encoding": "chunked"}), 400, BAD),
    Hostile("a chunk size of 40 hex digits", lambda t: t.report(b"f" * 40 + b"\r\nhello\r\n0\r\n\r\n", headers={"Transfer-Encoding": "chunked"}, content_length=False), 400, BAD),
    Hostile("a chunked report of 10 MB", lambda t: t.report(chunked(b"x" * 10 * MB), headers={"Transfer-Encoding": "chunked"}, content_length=False), 413, LARGE),
    Hostile("Upload-Length beyond the limit", lambda t: t.tus("POST", "/v1/uploads", Upload_Length=str(10**15)), 413),
    Hostile("Upload-Length of 30 digits", lambda t: t.tus("POST", "/v1/uploads", Upload_Length="9" * 30), 400),
    Hostile("Upload-Length negative", lambda t: t.tus("POST", "/v1/uploads", Upload_Length="-5"), 400),
    Hostile("Upload-Length zero", lambda t: t.tus("POST", "/v1/uploads", Upload_Length="0"), 400),
    Hostile("Upload-Offset negative", lambda t: t.tus("PATCH", body=b"abc", Upload_Offset="-1"), 400),
    Hostile("Upload-Offset of 30 digits", lambda t: t.tus("PATCH", body=b"abc", Upload_Offset="9" * 30), 400),
    Hostile("Upload-Offset past the end", lambda t: t.tus("PATCH", body=b"abc", Upload_Offset=str(2**63 - 1)), 409),
    Hostile("a chunk longer than the upload", lambda t: t.tus("PATCH", body=b"x" * 2000, Upload_Offset="0"), 413),
    Hostile("a tus Content-Length of 1 TB", lambda t: t.tus("PATCH", body=b"abc", Upload_Offset="0", Content_Length=str(TB)), 413),
    Hostile("a hub page of 10^30 items", lambda t: t.hub("/v1/hub/incidents?limit=1" + "0" * 30), 422, INVALID),
    Hostile("a hub page of -1 items", lambda t: t.hub("/v1/hub/incidents?limit=-1"), 422, INVALID),
    Hostile("a queue page of 10^30 items", lambda t: t.mod("GET", "/v1/moderation/queue?limit=1" + "0" * 30), 422, INVALID),
    Hostile("aggregates over the year 99999", lambda t: t.hub("/v1/hub/aggregates?by=country&since=99999-01"), 422),
    # --- tus framing
    Hostile("tus metadata not in base64", lambda t: t.tus("POST", "/v1/uploads", Upload_Length="10", Upload_Metadata="filename ###"), 400),
    Hostile("tus PATCH of an unknown upload", lambda t: t.tus("PATCH", f"/v1/uploads/{uuid.uuid4()}", b"abc", Upload_Offset="0"), 404),
    Hostile("tus PATCH of another version", lambda t: t.tus("PATCH", body=b"abc", Upload_Offset="0", Tus_Resumable="0.2.2"), 412),
    Hostile("tus creation with a body", lambda t: t.tus("POST", "/v1/uploads", b"0123456789", Upload_Length="10"), 400),
    # --- slow drips
    Hostile("report headers dripped", head_drip, 408, TIMEOUT),
    Hostile("report body stalled", lambda t: stall(t.report, b'{"client_id": "'), 408, TIMEOUT),
    Hostile("multipart body stalled", lambda t: stall(t.multipart, report_part() + media_part()[:60]), 408, TIMEOUT),
    Hostile("report body trickled", lambda t: t.report(b"{", headers={"Content-Length": "1000"}, then=(b" ",) * 3, pause=PATIENCE_SECONDS * 1.5), 408, TIMEOUT),
    Hostile("follow-up message stalled", lambda t: stall(t.mine, "POST", "/messages", b'{"text": "'), 408, TIMEOUT),
    Hostile("login stalled", lambda t: t.send("POST", "/v1/auth/login", {**JSON, "Content-Length": "1000"}, b'{"username": "'), 408, TIMEOUT),
    Hostile("moderator question stalled", lambda t: stall(t.mod, "POST", QUESTION, b'{"text": "'), 408, TIMEOUT),
    Hostile("console form stalled", lambda t: t.send("POST", f"/console/reports/{t.report_id}/messages", {"Cookie": f"{SESSION_COOKIE}={t.moderator}", "Content-Type": "application/x-www-form-urlencoded", "Content-Length": "1000"}, b"text=a"), 408, html=True),
    # --- forged and replayed tokens
    *[
        Hostile(f"App Check token {kind}", lambda t, kind=kind: with_app_check(t, kind), 401, "app-check-failed")
        for kind in ("forged", "unsigned", "expired", "other-app", "garbage", "replayed")
    ],
    Hostile("no App Check token", lambda t: t.report(report_json(), app_check=False), 401, "app-check-failed"),
    Hostile("forged moderator token", lambda t: t.send("GET", "/v1/moderation/queue", {"Authorization": "Bearer " + uuid.uuid4().hex}), 401, "invalid-token"),
    Hostile("moderator token replayed after logout", lambda t: t.send("POST", QUESTION.format(report=t.report_id), {"Authorization": f"Bearer {t.logged_out}", **JSON}, text("hi")), 401, "invalid-token"),
    Hostile("hub key as moderator token", lambda t: t.send("GET", "/v1/moderation/queue", {"Authorization": f"Bearer {t.hub_key}"}), 401, "invalid-token"),
    Hostile("forged hub key", lambda t: t.hub("/v1/hub/incidents", key="stophub_" + uuid.uuid4().hex), 401),
    Hostile("revoked hub key", lambda t: t.hub("/v1/hub/incidents", key=t.revoked_hub_key), 401),
    Hostile("moderator token as hub key", lambda t: t.hub("/v1/hub/export?format=csv", key=t.moderator), 401),
    Hostile("forged shared-media signature", lambda t: t.send("GET", f"/v1/hub/media/{uuid.uuid4()}?expires=99999999999&signature=" + "0" * 64), 403, "media-link-refused"),
    Hostile("console form with a forged session", lambda t: t.console("text=hi&csrf_token=x", cookie=uuid.uuid4().hex), 303, html=True),
    Hostile("console form without CSRF", lambda t: t.console("text=hi"), 403, html=True),
    Hostile("console form with another session's CSRF", lambda t: t.console(f"text=hi&csrf_token={t.csrf(t.logged_out)}"), 403, html=True),
    Hostile("console form replayed after logout", lambda t: t.console(f"text=hi&csrf_token={t.csrf(t.logged_out)}", cookie=t.logged_out), 303, html=True),
    # --- receipt guessing
    Hostile("receipt guessing", receipt_guessing, 429, "too-many-requests"),
    Hostile("follow-up message with a guessed receipt", lambda t: t.mine("POST", "/messages", text("hi"), receipt=GUESSED), 401, "receipt-not-recognised"),
    Hostile("withdrawal with a guessed receipt", lambda t: t.mine("POST", "/withdraw", receipt=GUESSED), 401, "receipt-not-recognised"),
]
# fmt: on


# --- the server and what it stores -------------------------------------------------------


async def _prepare(target: Target, base: str) -> None:
    settings = target.settings
    accounts = await make_accounts(settings, base, "hostile")
    target.moderator, target.hub_key = accounts.moderator_token, accounts.hub_key
    engine = create_engine(settings)
    try:
        async with transaction(create_sessionmaker(engine)) as session:
            hasher = keyed_hasher(settings)
            target.revoked_hub_key = await create_hub_client(session, hasher, "revoked-hub")
            await revoke(session, "revoked-hub")
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            second = await http.post("/v1/auth/login", json=accounts.login)
            target.logged_out = second.json()["access_token"]
            logout = await http.post(
                "/v1/auth/logout", headers={"Authorization": f"Bearer {target.logged_out}"}
            )
            assert logout.status_code == 204
            target.spent_app_check = target.app_check()
            for _ in range(MAX_APP_CHECK_USES):
                accepted = await http.post(
                    "/v1/reports",
                    json=new_report(),
                    headers={"X-Firebase-AppCheck": target.spent_app_check},
                )
                assert accepted.status_code == 201, accepted.text
            target.receipt = accepted.json()["receipt"]
            target.report_id = accepted.json()["report_id"]
            created = await http.post("/v1/uploads", headers={**TUS, "Upload-Length": "1000"})
            assert created.status_code == 201, created.text
            target.upload = created.headers["Location"]
        from worker.runner import PipelineWorker

        await PipelineWorker(create_sessionmaker(engine), settings).run_once()
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    stranger_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    temp_dir = tmp_path_factory.mktemp("multipart-temp")
    original_temp = tempfile.tempdir
    tempfile.tempdir = str(temp_dir)  # where multipart bodies are streamed (same process)
    try:
        with fresh_pg_database() as url, serving_keys(jwks(signing_key)) as keys:
            settings = make_settings(
                tmp_path_factory.mktemp("hostile"),
                url,
                header_timeout_seconds=PATIENCE_SECONDS,
                body_idle_timeout_seconds=PATIENCE_SECONDS,
                app_check_mode="enforce",
                app_check_project_number=PROJECT_NUMBER,
                app_check_app_ids=[APP_ID],
                app_check_jwks_url=keys.url,
                app_check_max_reports_per_token=MAX_APP_CHECK_USES,
                trusted_proxies=["127.0.0.1"],
                rate_limit_receipt_lookup=f"{RECEIPT_LOOKUPS_PER_MINUTE}/minute",
            )
            with serving(create_app(settings), settings) as server:
                found = Target(server.config.port, settings, signing_key, stranger_key)
                found.temp_dir = temp_dir
                asyncio.run(_prepare(found, f"http://127.0.0.1:{found.port}"))
                yield found
    finally:
        tempfile.tempdir = original_temp


#: The tables a refused request may write to, counting it and nothing of it. A genuine App
#: Check token's use is counted before the body is read (a refused body spends a use too,
#: or a replayed token could probe for ever): a keyed hash of the token and its expiry. A
#: rate limit counts a request before its body is read, for the same reason: a keyed hash
#: of the client and when its bucket is full again, and the day's salt.
BOOKKEEPING = {"app_check_token_uses", "rate_limit_buckets", "rate_limit_keys"}


async def _row_counts(settings: Settings) -> dict[str, int]:
    url = str(settings.database_url).replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(url)
    try:
        return {
            table.name: await connection.fetchval(f'SELECT count(*) FROM "{table.name}"')
            for table in metadata.sorted_tables
            if table.name not in BOOKKEEPING
        }
    finally:
        await connection.close()


def _files(folder: Path) -> set[tuple[str, int]]:
    return {
        (str(p.relative_to(folder)), p.stat().st_size) for p in folder.rglob("*") if p.is_file()
    }


def trace(target: Target) -> dict[str, Any]:
    """What storage holds: rows per table, and files in every place bytes can land."""
    settings = target.settings
    return {
        "rows": asyncio.run(_row_counts(settings)),
        "media": _files(settings.effective_media_dir),
        "uploads": _files(settings.effective_upload_tmp_dir),
        "temporary": _files(target.temp_dir) | {(str(p), 0) for p in target.temp_dir.iterdir()},
    }


def assert_clear_refusal(answer: Answer, case: Hostile) -> None:
    assert answer.status == case.status, str(answer)
    content_type = answer.headers.get("content-type", "")
    if case.html:
        if answer.status == 303:
            assert answer.headers["location"].endswith("/console/login"), str(answer)
        else:
            assert content_type.startswith("text/html"), str(answer)
        return
    assert content_type == "application/problem+json", str(answer)
    problem = answer.json()
    assert problem["status"] == answer.status
    assert problem["title"] and problem["detail"], problem
    if case.slug:
        assert problem["type"] == f"urn:stop-intake:problem:{case.slug}", problem


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_input_is_refused_and_leaves_no_trace(target: Target, case: Hostile) -> None:
    before = trace(target)
    answer = case.send(target)
    assert_clear_refusal(answer, case)
    assert trace(target) == before


def test_a_stalled_tus_chunk_is_a_408_and_keeps_what_arrived(target: Target) -> None:
    """Outside the table: a resumable upload keeps the bytes that arrived, by design, so
    the phone resumes from there (HEAD) rather than starting again."""
    created = target.tus("POST", "/v1/uploads", Upload_Length="900")
    upload = created.headers["location"]
    answer = target.tus("PATCH", upload, b"abc", Upload_Offset="0", Content_Length="900")
    assert_clear_refusal(answer, Hostile("stall", lambda t: answer, 408, TIMEOUT))
    assert target.tus("HEAD", upload).headers["upload-offset"] == "3"
