"""A loopback stand-in for Google's OAuth token endpoint and FCM's v1 send endpoint.

One loopback server (`tests/loopback.py`) serves both:

- `POST /token`: the OAuth 2.0 JWT-bearer grant a service account makes. The assertion is
  verified with the public half of the service account's key (RS256, audience Google's
  token endpoint, issuer the account), and a fresh access token is issued and remembered;
- `POST /v1/projects/{project}/messages:send`: FCM's send. Every request is recorded with
  its path, `Authorization` header and raw body; it answers 200 with a message name, or
  500 while `failing` is set.

It can be down (socket closed: connections refused) and started again on the same port.
`service_account` writes a service-account JSON whose `token_uri` is this server, with an
RSA key made by `cryptography`.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.loopback import Answer, LoopbackServer

PROJECT = "stop-alerts-test"
CLIENT_EMAIL = f"alerts@{PROJECT}.iam.gserviceaccount.com"
#: google-auth signs its assertion for Google's token endpoint whatever `token_uri` says.
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"


@dataclass
class Send:
    path: str
    authorization: str
    body: bytes
    answered: int

    @property
    def message(self) -> dict[str, Any]:
        return json.loads(self.body)["message"]


@dataclass
class FcmServer(LoopbackServer):
    port: int = 0
    failing: bool = False
    issued: list[str] = field(default_factory=list)  # access tokens handed out
    bad_assertions: int = 0
    sends: list[Send] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def send_url(self) -> str:
        """For `alerts_fcm_url`: `{project}` is filled in by the sender."""
        return self.origin + "/v1/projects/{project}/messages:send"

    @property
    def delivered(self) -> list[Send]:
        return [send for send in self.sends if send.answered == 200]

    def service_account(self, folder: Path) -> Path:
        pem = self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        path = folder / "firebase-service-account.json"
        path.write_text(
            json.dumps(
                {
                    "type": "service_account",
                    "project_id": PROJECT,
                    "private_key_id": "test-key-1",
                    "private_key": pem,
                    "client_email": CLIENT_EMAIL,
                    "client_id": "1",
                    "token_uri": self.origin + "/token",
                }
            )
        )
        return path

    def _token(self, body: bytes) -> tuple[int, dict[str, Any]]:
        form = parse_qs(body.decode())
        try:
            jwt.decode(
                form["assertion"][0],
                self.key.public_key(),
                algorithms=["RS256"],
                audience=GOOGLE_TOKEN_AUDIENCE,
                issuer=CLIENT_EMAIL,
            )
        except (KeyError, jwt.PyJWTError):
            self.bad_assertions += 1
            return 400, {"error": "invalid_grant"}
        token = f"issued-{uuid.uuid4().hex}"
        self.issued.append(token)
        return 200, {"access_token": token, "expires_in": 3600, "token_type": "Bearer"}

    def _send(self, path: str, authorization: str, body: bytes) -> tuple[int, dict[str, Any]]:
        status = 500 if self.failing else 200
        self.sends.append(Send(path, authorization, body, status))
        if status == 500:
            return 500, {"error": {"code": 500, "message": "backend", "status": "INTERNAL"}}
        return 200, {"name": f"projects/{PROJECT}/messages/{len(self.sends)}"}

    def answer(self, path: str, headers: Message, body: bytes) -> Answer:
        if path == "/token":
            status, answer = self._token(body)
        else:
            status, answer = self._send(path, headers.get("authorization", ""), body)
        return Answer(status, json.dumps(answer).encode(), "application/json")
