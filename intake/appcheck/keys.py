"""Is an App Check token genuine? firebase-admin's check, fed from a configurable key URL.

`firebase_admin.app_check.verify_token` does the signature, `alg`, `typ`, audience and expiry
checks, but it reads its public keys from a hard-coded Google URL and leaves gaps this module
closes:

- the key URL comes from `settings.app_check_jwks_url` (tests serve their own keys): each
  verifier gets its own named Firebase app whose key client is ours;
- a key endpoint that is down, slow or returns junk raises errors outside the SDK's
  `ValueError` (PyJWT's `PyJWKClientError`, `JSONDecodeError`); here every failure becomes a
  `TokenRejected` with a reason, never an unexpected exception;
- the SDK only checks that the issuer *starts with* Firebase's URL, and crashes
  (`AttributeError`) on a token without one; we require this project's exact issuer;
- a token without `exp` would never expire under the SDK; we require one;
- when the key endpoint fails after the keys were fetched once, the last good keys are used
  for a day, so an outage at Google does not turn away every reporter at once.

Verification blocks (it may fetch keys over HTTP); callers run it in a thread.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Collection
from enum import StrEnum
from typing import Any

import firebase_admin
import jwt
from firebase_admin import app_check, credentials
from google.auth.credentials import AnonymousCredentials
from jwt import PyJWK, PyJWKClient, PyJWKClientError

ISSUER_PREFIX = "https://firebaseappcheck.googleapis.com/"
#: Google asks that its App Check keys be cached for up to six hours (the SDK's own choice).
KEY_LIFESPAN_SECONDS = 6 * 3600
#: How long after the cached keys expired they are still used while the endpoint fails.
STALE_KEYS_SECONDS = 24 * 3600
#: Real tokens are about a kilobyte; anything far larger is refused before it is parsed.
MAX_TOKEN_CHARS = 8192


class AppCheckFailure(StrEnum):
    """Why a token was not accepted: stable labels for logs, counters and stored reports."""

    MISSING = "missing"
    INVALID = "invalid"
    EXPIRED = "expired"
    KEYS_UNAVAILABLE = "keys-unavailable"
    OVERUSED = "overused"


class TokenRejected(Exception):
    """The token is not good; `reason` says why (never the token itself)."""

    def __init__(self, reason: AppCheckFailure) -> None:
        super().__init__(reason.value)
        self.reason = reason


class KeySetUnavailable(PyJWKClientError):
    """The key endpoint could not be reached or did not return a usable key set."""


class AppCheckKeyClient(PyJWKClient):
    """PyJWT's key client with a short timeout, stale keys on outage, one error for outages.

    PyJWT already re-fetches on an unknown `kid` at most every 30 s, so forged tokens with
    random key ids cannot make us hammer the key endpoint.
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float,
        lifespan: float = KEY_LIFESPAN_SECONDS,
        stale_for: float = STALE_KEYS_SECONDS,
    ) -> None:
        super().__init__(url, lifespan=lifespan, timeout=timeout)
        self._stale_for = stale_for
        self._last_good: tuple[float, list[PyJWK]] | None = None

    def get_signing_keys(self, refresh: bool = False) -> list[PyJWK]:
        try:
            keys = super().get_signing_keys(refresh)
        except Exception as exc:  # down, timed out, not JSON, not a key set, no signing keys
            if self._last_good and time.monotonic() - self._last_good[0] < self._stale_for:
                return self._last_good[1]
            raise KeySetUnavailable("App Check key set unavailable") from exc
        self._last_good = (time.monotonic(), keys)
        return keys


# firebase_admin ships no type information, so its base class is Any to mypy (from
# firebase-admin 6.6 `initialize_app` takes `AnonymousCredentials()` itself).
class _NoCredential(credentials.Base):  # type: ignore[misc]
    """Verifying tokens needs no Google account; this keeps the SDK from looking for one."""

    def get_credential(self) -> AnonymousCredentials:
        # google-auth is typed, but Credentials.__init__ has no annotations.
        return AnonymousCredentials()  # type: ignore[no-untyped-call]


class FirebaseTokenVerifier:
    """Blocking verification of App Check tokens for one Firebase project."""

    def __init__(
        self, project_number: str, keys: AppCheckKeyClient, *, app_ids: Collection[str] = ()
    ) -> None:
        if not project_number:
            raise ValueError("App Check needs app_check_project_number")
        self._issuer = ISSUER_PREFIX + project_number
        self._app_ids = frozenset(app_ids)
        self._app = firebase_admin.initialize_app(
            _NoCredential(),
            {"projectId": project_number},
            name=f"stop-app-check-{uuid.uuid4().hex}",
        )
        # The SDK offers no way to choose the key URL; its service keeps the key client in
        # `_jwks_client`. Fail at start-up, not per request, if a new SDK version moves it.
        service = app_check._get_app_check_service(self._app)
        if not isinstance(getattr(service, "_jwks_client", None), PyJWKClient):
            firebase_admin.delete_app(self._app)
            raise RuntimeError("firebase-admin changed: cannot point App Check at our key URL")
        service._jwks_client = keys

    def verify(self, token: str) -> dict[str, Any]:
        """Claims of a genuine, unexpired token of this project and app; else `TokenRejected`."""
        _check_shape(token)
        try:
            claims = app_check.verify_token(token, app=self._app)
        except KeySetUnavailable:
            raise TokenRejected(AppCheckFailure.KEYS_UNAVAILABLE) from None
        except Exception:  # the SDK's ValueError, PyJWT errors, its AttributeError on no `iss`
            raise TokenRejected(AppCheckFailure.INVALID) from None
        if not isinstance(claims, dict) or claims.get("iss") != self._issuer:
            raise TokenRejected(AppCheckFailure.INVALID)
        if self._app_ids and claims.get("sub") not in self._app_ids:
            raise TokenRejected(AppCheckFailure.INVALID)
        return claims

    def close(self) -> None:
        firebase_admin.delete_app(self._app)


def _check_shape(token: str) -> None:
    """Refuse oversized, malformed, never-expiring and expired tokens before any key fetch.

    These claims are not yet verified, but they only ever cause a refusal, and an expired
    token is told apart from a forged one in the counters (stale tokens on phones are common).
    """
    if len(token) > MAX_TOKEN_CHARS:
        raise TokenRejected(AppCheckFailure.INVALID)
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise TokenRejected(AppCheckFailure.INVALID) from None
    expiry = claims.get("exp")
    if not isinstance(expiry, int | float) or isinstance(expiry, bool):
        raise TokenRejected(AppCheckFailure.INVALID)
    if expiry <= time.time():
        raise TokenRejected(AppCheckFailure.EXPIRED)
