"""App attestation for report submission: is this request from our genuine app?

The `X-Firebase-AppCheck` header carries a token Firebase issues to genuine installs of the
STOP APP. `settings.app_check_mode` decides what a bad or missing token means:

- `off`: nothing is checked (embedded set-ups, development);
- `monitor`: tokens are checked and failures counted (`AppCheckGuard.failures`) and logged
  by reason, but the report is accepted: the way to learn whether enforcing would hurt
  real reporters before switching it on;
- `enforce`: a failure is a 401 problem (`urn:stop-intake:problem:app-check-failed`).

Forged, expired, wrong-audience, wrong-issuer and unsigned tokens, junk, and a key endpoint
that is down or returns junk are all a failure with a reason, never a server error. A token
may carry at most `app_check_max_reports_per_token` reports, counted in a `TokenUseStore`
(shared by every API process when backed by the database). The token is never stored or
logged; the use counter sees only a keyed hash of it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from core.errors import Unauthorized
from core.hashing import KeyedHasher, keyed_hasher
from core.settings import Settings
from intake.appcheck.keys import (
    AppCheckFailure,
    AppCheckKeyClient,
    FirebaseTokenVerifier,
    TokenRejected,
)
from intake.appcheck.uses import InMemoryTokenUseStore, TokenUseStore

__all__ = [
    "AppCheckFailed",
    "AppCheckFailure",
    "AppCheckGuard",
    "AppCheckVerdict",
    "InMemoryTokenUseStore",
    "TokenUseStore",
]

logger = logging.getLogger(__name__)

AppCheckMode = Literal["off", "monitor", "enforce"]
HEADER = "X-Firebase-AppCheck"
_HASH_PURPOSE = "app-check-token"
#: Verifications running at once; more wait, so a slow key endpoint cannot take every thread.
_VERIFY_THREADS = 4


class AppCheckFailed(Unauthorized):
    """401: the request does not come from a genuine install of the app (enforce mode)."""

    slug = "app-check-failed"
    title = "App attestation failed"


@dataclass(frozen=True)
class AppCheckVerdict:
    """The outcome for an accepted request; store `label` with the report for moderators."""

    mode: AppCheckMode
    verified: bool
    failure: AppCheckFailure | None = None

    @property
    def label(self) -> str:
        """`verified`, `not-checked` (mode off) or the failure's reason (monitor mode)."""
        if self.verified:
            return "verified"
        return self.failure.value if self.failure else "not-checked"


class AppCheckGuard:
    """Checks tokens per the configured mode and caps reports per token.

    Create one per process (in the app's lifespan) and `close()` it on shutdown.
    """

    def __init__(
        self,
        mode: AppCheckMode,
        *,
        verifier: FirebaseTokenVerifier | None = None,
        uses: TokenUseStore | None = None,
        hasher: KeyedHasher | None = None,
        max_uses: int = 5,
        timeout: float = 11.0,
    ) -> None:
        if mode != "off" and (verifier is None or hasher is None):
            raise ValueError(f"App Check mode {mode!r} needs a verifier and a hasher")
        self.mode: AppCheckMode = mode
        self._verifier = verifier
        self._uses = uses if uses is not None else InMemoryTokenUseStore()
        self._hasher = hasher
        self._max_uses = max_uses
        self._timeout = timeout
        self._failures: Counter[AppCheckFailure] = Counter()
        self._executor = ThreadPoolExecutor(_VERIFY_THREADS, thread_name_prefix="app-check")

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        uses: TokenUseStore | None = None,
        keys: AppCheckKeyClient | None = None,
    ) -> AppCheckGuard:
        """The guard for `settings`; pass `uses` backed by the database when there is one.

        `keys` replaces the key client built from `app_check_jwks_url` (e.g. with a shorter
        cache lifespan).
        """
        mode = settings.app_check_mode
        if mode == "off":
            return cls("off")
        fetch_timeout = settings.app_check_jwks_timeout_seconds
        keys = keys or AppCheckKeyClient(settings.app_check_jwks_url, timeout=fetch_timeout)
        verifier = FirebaseTokenVerifier(
            settings.app_check_project_number or "", keys, app_ids=settings.app_check_app_ids
        )
        return cls(
            mode,
            verifier=verifier,
            uses=uses,
            hasher=keyed_hasher(settings),
            max_uses=settings.app_check_max_reports_per_token,
            # A fetch may be retried once for an unknown key id; past this we answer anyway.
            timeout=2 * fetch_timeout + 1,
        )

    @property
    def failures(self) -> dict[str, int]:
        """Failures by reason since start (monitor and enforce), for a metrics endpoint."""
        return {reason.value: count for reason, count in self._failures.items()}

    async def check(self, token: str | None) -> AppCheckVerdict:
        """Check the header's token and count one report against it.

        Returns the verdict when the request may go on; raises `AppCheckFailed` in enforce
        mode when it may not. Call it once per report submission (a retry counts too).
        """
        if self.mode == "off":
            return AppCheckVerdict("off", verified=False)
        failure = await self._failure(token)
        if failure is None:
            return AppCheckVerdict(self.mode, verified=True)
        self._failures[failure] += 1
        logger.warning("App Check failed: %s (mode %s)", failure.value, self.mode)
        if self.mode == "enforce":
            raise AppCheckFailed(
                "This request could not be attested as coming from the STOP APP; "
                "get a fresh App Check token and try again."
            )
        return AppCheckVerdict(self.mode, verified=False, failure=failure)

    async def _failure(self, token: str | None) -> AppCheckFailure | None:
        """Why the token fails, or None when it is good and under its use cap."""
        assert self._verifier is not None and self._hasher is not None
        if not token or not token.strip():
            return AppCheckFailure.MISSING
        loop = asyncio.get_running_loop()
        try:
            claims = await asyncio.wait_for(
                loop.run_in_executor(self._executor, self._verifier.verify, token.strip()),
                self._timeout,
            )
        except TokenRejected as rejected:
            return rejected.reason
        except TimeoutError:
            return AppCheckFailure.KEYS_UNAVAILABLE
        token_hash = self._hasher.digest(_HASH_PURPOSE, token.strip())
        expires_at = datetime.fromtimestamp(claims["exp"], UTC)
        if await self._uses.add_use(token_hash, expires_at) > self._max_uses:
            return AppCheckFailure.OVERUSED
        return None

    def close(self) -> None:
        """Release the verification threads and the Firebase app."""
        self._executor.shutdown(wait=False, cancel_futures=True)
        if self._verifier is not None:
            self._verifier.close()
