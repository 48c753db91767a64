"""App Check fixtures: a signing key made here, its JWKS served on loopback, token factories.

Every test gets its own key server and its own guard (own key cache, own Firebase app), so
no cached keys or use counts leak from one test to another.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from jwt.algorithms import RSAAlgorithm

from core.settings import Settings
from intake.appcheck.guard import AppCheckGuard
from intake.appcheck.keys import ISSUER_PREFIX

PROJECT_NUMBER = "123456789012"
APP_ID = "1:123456789012:android:0a1b2c3d4e5f"
KID = "test-key-1"
FETCH_TIMEOUT = 0.5


@pytest.fixture(scope="session")
def signing_key() -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def stranger_key() -> RSAPrivateKey:
    """A key nobody published: tokens signed with it are forgeries."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class KeyServer:
    """A JWKS endpoint on 127.0.0.1 whose answer a test can change between requests."""

    body: bytes
    status: int = 200
    delay: float = 0.0
    requests: int = 0
    answered: int = 0
    release: threading.Event = field(default_factory=threading.Event)
    url: str = ""

    def serve_json(self, value: Any) -> None:
        self.body, self.status = json.dumps(value).encode(), 200


def _handler(server: KeyServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server.requests += 1
            if server.delay:
                server.release.wait(server.delay)
            self.send_response(server.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(server.body)))
            self.end_headers()
            self.wfile.write(server.body)
            server.answered += 1

        def log_message(self, *_: Any) -> None:
            pass

    return Handler


@pytest.fixture
def published_keys(signing_key: RSAPrivateKey) -> dict[str, Any]:
    return jwks(signing_key)


def jwks(signing_key: RSAPrivateKey) -> dict[str, Any]:
    """The JSON Web Key Set publishing `signing_key`'s public half, as Firebase does."""
    public = RSAAlgorithm.to_jwk(signing_key.public_key(), as_dict=True)
    return {"keys": [{**public, "kid": KID, "use": "sig", "alg": "RS256"}]}


@pytest.fixture
def key_server(published_keys: dict[str, Any]) -> Iterator[KeyServer]:
    with serving_keys(published_keys) as state:
        yield state


@contextmanager
def serving_keys(published_keys: dict[str, Any]) -> Iterator[KeyServer]:
    """A key endpoint serving `published_keys` until the block ends."""
    state = KeyServer(body=json.dumps(published_keys).encode())
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/v1/jwks"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def closed_port_url() -> str:
    """A loopback URL where nothing listens (the key endpoint is down)."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = httpd.server_address[1]
    httpd.server_close()
    return f"http://127.0.0.1:{port}/v1/jwks"


def guard_settings(tmp_path: Path, mode: str, jwks_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path,
        "secret_key": "test-secret-key-not-for-production",
        "app_check_mode": mode,
        "app_check_project_number": PROJECT_NUMBER,
        "app_check_app_ids": [APP_ID],
        "app_check_jwks_url": jwks_url,
        "app_check_jwks_timeout_seconds": FETCH_TIMEOUT,
        "app_check_max_reports_per_token": 3,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture
def make_guard(tmp_path: Path, key_server: KeyServer) -> Iterator[Callable[..., AppCheckGuard]]:
    """`make_guard(mode, jwks_url=..., **settings_or_from_settings_kwargs)`; closed afterwards."""
    guards: list[AppCheckGuard] = []

    def make(mode: str, *, jwks_url: str | None = None, **kwargs: Any) -> AppCheckGuard:
        extra = {name: kwargs.pop(name) for name in ("uses", "keys") if name in kwargs}
        settings = guard_settings(tmp_path, mode, jwks_url or key_server.url, **kwargs)
        guard = AppCheckGuard.from_settings(settings, **extra)
        guards.append(guard)
        return guard

    yield make
    for guard in guards:
        guard.close()


def valid_claims(**overrides: Any) -> dict[str, Any]:
    """Claims like Firebase's; an override of None removes the claim."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": ISSUER_PREFIX + PROJECT_NUMBER,
        "sub": APP_ID,
        "aud": [f"projects/{PROJECT_NUMBER}", "projects/stop-app"],
        "provider": "play_integrity",
        "iat": now,
        "exp": now + 3600,
        "jti": uuid.uuid4().hex,
    }
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


def sign(key: RSAPrivateKey, claims: dict[str, Any], *, kid: str | None = KID) -> str:
    headers = {"kid": kid} if kid else {}
    return jwt.encode(claims, key, algorithm="RS256", headers=headers)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(claims: dict[str, Any]) -> str:
    """`alg: none`: no signature at all, the oldest JWT forgery."""
    header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": KID}).encode())
    return f"{header}.{_b64(json.dumps(claims).encode())}."


def hmac_with_public_key(claims: dict[str, Any], published_keys: dict[str, Any]) -> str:
    """`alg: HS256` keyed with the public key: the algorithm-confusion forgery."""
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": KID}).encode())
    body = f"{header}.{_b64(json.dumps(claims).encode())}"
    secret = json.dumps(published_keys["keys"][0]).encode()
    signature = hmac.new(secret, body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(signature)}"
