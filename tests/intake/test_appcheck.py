"""App Check against a real key endpoint on loopback, in all three modes."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from intake.appcheck.guard import AppCheckFailed, AppCheckGuard, InMemoryTokenUseStore
from intake.appcheck.keys import ISSUER_PREFIX, MAX_TOKEN_CHARS, AppCheckKeyClient
from tests.intake.conftest import (
    FETCH_TIMEOUT,
    KeyServer,
    hmac_with_public_key,
    sign,
    unsigned,
    valid_claims,
)

Keys = tuple[RSAPrivateKey, RSAPrivateKey, dict[str, Any]]
MakeGuard = Callable[..., AppCheckGuard]

# name -> (how to make the token from (our key, a stranger's key, the JWKS), expected reason)
BAD_TOKENS: dict[str, tuple[Callable[[Keys], str], str]] = {
    "forged-signature": (lambda k: sign(k[1], valid_claims()), "invalid"),
    "expired": (lambda k: sign(k[0], valid_claims(exp=int(time.time()) - 5)), "expired"),
    "never-expires": (lambda k: sign(k[0], valid_claims(exp=None)), "invalid"),
    "wrong-audience": (
        lambda k: sign(k[0], valid_claims(aud=["projects/999", "projects/other-app"])),
        "invalid",
    ),
    "other-projects-issuer": (
        lambda k: sign(k[0], valid_claims(iss=ISSUER_PREFIX + "999")),
        "invalid",
    ),
    "foreign-issuer": (
        lambda k: sign(k[0], valid_claims(iss="https://evil.example/123456789012")),
        "invalid",
    ),
    "no-issuer": (lambda k: sign(k[0], valid_claims(iss=None)), "invalid"),
    "other-app": (lambda k: sign(k[0], valid_claims(sub="1:999:ios:ffff")), "invalid"),
    "alg-none": (lambda k: unsigned(valid_claims()), "invalid"),
    "hs256-with-public-key": (lambda k: hmac_with_public_key(valid_claims(), k[2]), "invalid"),
    "unknown-key-id": (lambda k: sign(k[0], valid_claims(), kid="rotated-away"), "invalid"),
    "no-key-id": (lambda k: sign(k[0], valid_claims(), kid=None), "invalid"),
    "garbage": (lambda k: "this is not a token", "invalid"),
    "three-garbage-segments": (lambda k: "abc.def.ghi", "invalid"),
    "oversized": (
        lambda k: sign(k[0], valid_claims(pad="x" * MAX_TOKEN_CHARS)),
        "invalid",
    ),
    "missing": (lambda k: "", "missing"),
}


@pytest.fixture
def keys(
    signing_key: RSAPrivateKey, stranger_key: RSAPrivateKey, published_keys: dict[str, Any]
) -> Keys:
    return signing_key, stranger_key, published_keys


@pytest.fixture
def good_token(signing_key: RSAPrivateKey) -> Callable[[], str]:
    return lambda: sign(signing_key, valid_claims())


async def test_genuine_token_is_verified_in_enforce_and_monitor(
    make_guard: MakeGuard, good_token: Callable[[], str]
) -> None:
    for mode in ("enforce", "monitor"):
        verdict = await make_guard(mode).check(good_token())
        assert verdict.verified
        assert verdict.label == "verified"


@pytest.mark.parametrize("case", BAD_TOKENS)
async def test_bad_token_is_a_401_problem_in_enforce_mode(
    case: str, make_guard: MakeGuard, keys: Keys
) -> None:
    make_token, _ = BAD_TOKENS[case]
    guard = make_guard("enforce")
    with pytest.raises(AppCheckFailed) as raised:
        await guard.check(make_token(keys))
    assert raised.value.status == 401
    assert raised.value.type == "urn:stop-intake:problem:app-check-failed"


@pytest.mark.parametrize("case", BAD_TOKENS)
async def test_bad_token_is_accepted_and_counted_in_monitor_mode(
    case: str, make_guard: MakeGuard, keys: Keys
) -> None:
    make_token, reason = BAD_TOKENS[case]
    guard = make_guard("monitor")
    verdict = await guard.check(make_token(keys))
    assert not verdict.verified
    assert verdict.label == reason
    assert guard.failures == {reason: 1}


@pytest.mark.parametrize("case", BAD_TOKENS)
async def test_off_mode_checks_nothing_and_fetches_no_keys(
    case: str, make_guard: MakeGuard, keys: Keys, key_server: KeyServer
) -> None:
    make_token, _ = BAD_TOKENS[case]
    guard = make_guard("off")
    verdict = await guard.check(make_token(keys))
    assert (verdict.verified, verdict.label) == (False, "not-checked")
    assert guard.failures == {}
    assert key_server.requests == 0


async def test_absent_header_is_missing(make_guard: MakeGuard) -> None:
    with pytest.raises(AppCheckFailed):
        await make_guard("enforce").check(None)
    assert (await make_guard("monitor").check(None)).label == "missing"


# How the key endpoint misbehaves -> what the test server does.
KEY_ENDPOINT_FAILURES: dict[str, Callable[[KeyServer], None]] = {
    "not-json": lambda s: setattr(s, "body", b"<html>upstream error</html>"),
    "json-array": lambda s: s.serve_json(["keys"]),
    "no-keys": lambda s: s.serve_json({"keys": []}),
    "keys-not-a-list": lambda s: s.serve_json({"keys": "nope"}),
    "key-without-type": lambda s: s.serve_json({"keys": [{"kid": "test-key-1", "n": "x"}]}),
    "server-error": lambda s: setattr(s, "status", 500),
    "too-slow": lambda s: setattr(s, "delay", FETCH_TIMEOUT * 6),
}


@pytest.mark.parametrize("failure", KEY_ENDPOINT_FAILURES)
@pytest.mark.parametrize("mode", ["enforce", "monitor"])
async def test_broken_key_endpoint_rejects_in_enforce_and_accepts_in_monitor(
    failure: str,
    mode: str,
    make_guard: MakeGuard,
    key_server: KeyServer,
    good_token: Callable[[], str],
) -> None:
    KEY_ENDPOINT_FAILURES[failure](key_server)
    guard = make_guard(mode)
    if mode == "enforce":
        with pytest.raises(AppCheckFailed):
            await guard.check(good_token())
    else:
        verdict = await guard.check(good_token())
        assert verdict.label == "keys-unavailable"
        assert guard.failures == {"keys-unavailable": 1}
    # Bounded work, counted rather than timed: no retry storm against a failing endpoint,
    # and a slow one is given up on by the guard's own timeout, before it answers.
    assert 1 <= key_server.requests <= 2
    if failure == "too-slow":
        assert key_server.answered == 0


@pytest.mark.parametrize("mode", ["enforce", "monitor"])
async def test_key_endpoint_down_rejects_in_enforce_and_accepts_in_monitor(
    mode: str, make_guard: MakeGuard, closed_port_url: str, good_token: Callable[[], str]
) -> None:
    guard = make_guard(mode, jwks_url=closed_port_url)
    if mode == "enforce":
        with pytest.raises(AppCheckFailed):
            await guard.check(good_token())
    else:
        assert (await guard.check(good_token())).label == "keys-unavailable"


async def test_keys_are_fetched_once_and_forged_key_ids_do_not_hammer_the_endpoint(
    make_guard: MakeGuard, key_server: KeyServer, signing_key: RSAPrivateKey
) -> None:
    guard = make_guard("monitor", app_check_max_reports_per_token=100)
    for _ in range(5):
        assert (await guard.check(sign(signing_key, valid_claims()))).verified
    for attempt in range(5):
        forged = sign(signing_key, valid_claims(), kid=f"made-up-{attempt}")
        assert (await guard.check(forged)).label == "invalid"
    assert key_server.requests == 1


async def test_last_good_keys_are_used_while_the_endpoint_is_down(
    make_guard: MakeGuard, key_server: KeyServer, good_token: Callable[[], str]
) -> None:
    keys = AppCheckKeyClient(key_server.url, timeout=FETCH_TIMEOUT, lifespan=0.05)
    guard = make_guard("enforce", keys=keys)
    assert (await guard.check(good_token())).verified
    key_server.status = 503
    await asyncio.sleep(0.1)  # the cached key set has expired; refetching now fails
    assert (await guard.check(good_token())).verified
    assert key_server.requests == 2


async def test_one_token_carries_at_most_the_configured_number_of_reports(
    make_guard: MakeGuard, good_token: Callable[[], str]
) -> None:
    guard = make_guard("enforce", app_check_max_reports_per_token=3)
    token = good_token()
    for _ in range(3):
        assert (await guard.check(token)).verified
    with pytest.raises(AppCheckFailed):
        await guard.check(token)
    assert (await guard.check(good_token())).verified  # a fresh token is fine
    assert guard.failures == {"overused": 1}


async def test_overused_token_is_accepted_but_counted_in_monitor_mode(
    make_guard: MakeGuard, good_token: Callable[[], str]
) -> None:
    guard = make_guard("monitor", app_check_max_reports_per_token=1)
    token = good_token()
    assert (await guard.check(token)).verified
    verdict = await guard.check(token)
    assert (verdict.verified, verdict.label) == (False, "overused")


async def test_use_cap_holds_across_processes_sharing_a_store(
    make_guard: MakeGuard, good_token: Callable[[], str]
) -> None:
    shared = InMemoryTokenUseStore()  # stands in for the database table
    first = make_guard("enforce", app_check_max_reports_per_token=2, uses=shared)
    second = make_guard("enforce", app_check_max_reports_per_token=2, uses=shared)
    token = good_token()
    assert (await first.check(token)).verified
    assert (await second.check(token)).verified
    with pytest.raises(AppCheckFailed):
        await first.check(token)


class RecordingStore(InMemoryTokenUseStore):
    """Remembers what a store is given, as a database would."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, datetime]] = []

    async def add_use(self, token_hash: str, expires_at: datetime) -> int:
        self.seen.append((token_hash, expires_at))
        return await super().add_use(token_hash, expires_at)


async def test_token_is_never_stored_or_logged(
    make_guard: MakeGuard,
    good_token: Callable[[], str],
    keys: Keys,
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = RecordingStore()
    guard = make_guard("monitor", app_check_max_reports_per_token=1, uses=store)
    token = good_token()
    tokens = [token, token, *(make(keys) for make, _ in BAD_TOKENS.values())]
    with caplog.at_level(logging.DEBUG):
        for each in tokens:
            await guard.check(each)
    (stored_hash, expires_at), _ = store.seen
    claims_exp = valid_claims()["exp"]
    assert abs(expires_at.timestamp() - claims_exp) <= 5
    signatures = [each.rsplit(".", 1)[-1] for each in tokens if each.count(".") == 2]
    logged = caplog.text + "".join(str(record.args) for record in caplog.records)
    for secret in [t for t in tokens if t] + [s for s in signatures if len(s) > 10]:
        assert secret not in stored_hash
        assert secret not in logged
    assert stored_hash not in logged


async def test_concurrent_checks_of_one_token_respect_the_cap(
    make_guard: MakeGuard, good_token: Callable[[], str]
) -> None:
    guard = make_guard("monitor", app_check_max_reports_per_token=3)
    token = good_token()
    verdicts = await asyncio.gather(*(guard.check(token) for _ in range(10)))
    assert sum(verdict.verified for verdict in verdicts) == 3


def test_enforce_without_a_project_number_fails_at_start_up(
    make_guard: MakeGuard,
) -> None:
    with pytest.raises(ValueError, match="project_number"):
        make_guard("enforce", app_check_project_number=None)
