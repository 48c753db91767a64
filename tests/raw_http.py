"""HTTP/1.1 over a bare socket, for requests no well-behaved client library would send:
lying lengths, broken framing, huge headers, bytes dripped one at a time.

`exchange` writes the request (from a thread, so a server that answers early and closes
never leaves the test blocked on a full send buffer) and reads until the server closes.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

PATIENCE = 30  # seconds a read waits for the server


def connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port))
    sock.settimeout(PATIENCE)
    return sock


def read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (or resets it)."""
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        pass
    return data


def read_one_response(sock: socket.socket) -> bytes:
    """One whole response on a kept-alive connection: its head, then Content-Length bytes
    (a loaded machine may send the body in a segment of its own)."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


def request(
    method: str,
    path: str,
    headers: Mapping[str, str] | Iterable[tuple[str, str]] = (),
    body: bytes = b"",
    *,
    content_length: bool = True,
) -> bytes:
    """The bytes of one request, `Host` and `Connection: close` added; `Content-Length` is
    computed unless given or `content_length=False`."""
    pairs = list(headers.items() if isinstance(headers, Mapping) else headers)
    names = {name.lower() for name, _ in pairs}
    if content_length and "content-length" not in names and (body or method in ("POST", "PUT")):
        pairs.append(("Content-Length", str(len(body))))
    pairs = [("Host", "127.0.0.1"), ("Connection", "close"), *pairs]
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in pairs)
    return head.encode("latin-1") + b"\r\n" + body


@dataclass
class Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    raw: bytes = b""

    def json(self) -> Any:
        return json.loads(self.body)

    def __str__(self) -> str:
        return self.raw[:600].decode("latin-1")


def _dechunk(body: bytes) -> bytes:
    out, rest = b"", body
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out, rest = out + rest[:size], rest[size + 2 :]
    return out


def parse(raw: bytes) -> Answer:
    """The first response in `raw`; status 0 when the server closed without answering."""
    head, separator, body = raw.partition(b"\r\n\r\n")
    if not separator:
        return Answer(0, raw=raw)
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = _dechunk(body)
    elif "content-length" in headers:
        body = body[: int(headers["content-length"])]
    return Answer(int(status_line.split(" ")[1]), headers, body, raw)


def _send(sock: socket.socket, parts: Iterable[bytes], pause: float) -> None:
    try:
        for number, part in enumerate(parts):
            if number and pause:
                time.sleep(pause)
            sock.sendall(part)
    except OSError:  # the server answered early and closed: what it said is read anyway
        pass


def exchange(port: int, *parts: bytes, pause: float = 0.0) -> Answer:
    """Send `parts` (with `pause` seconds between them) and read the whole answer."""
    with connect(port) as sock:
        sender = threading.Thread(target=_send, args=(sock, parts, pause), daemon=True)
        sender.start()
        raw = read_all(sock)
        sender.join(PATIENCE)
    return parse(raw)
