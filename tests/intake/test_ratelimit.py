"""Rate limits: what a client is allowed, what it is told, and what the database keeps.

Every test runs the real statement on PostgreSQL and on the embedded SQLite database; two
limiters on one database stand for two API processes (or hosts)."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st
from sqlalchemy import delete, select, text

from core.db import create_engine
from core.driver_sql import open_driver_pool
from core.errors import TooManyRequests
from core.hashing import KeyedHasher
from core.settings import Settings
from intake.protection.buckets import DatabaseBuckets
from intake.protection.direct import DirectStatements
from intake.protection.memory import MemoryStatements
from intake.protection.ratelimit import Rate, RateLimiter, limits_from_settings
from intake.protection.statements import StatementRunner
from models.rate_limit import RateLimitBucket, RateLimitKey

CLIENT = "203.0.113.9"
SECRET = b"test-secret-key-not-for-production"
BOTH = pytest.mark.parametrize("backend", ["postgresql", "sqlite"], indirect=True)
# Each example of a property test is a new client, so examples share the database safely.
PROPERTY = examples(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0  # seconds since 1970, as time.time() counts

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def runner(settings: Settings) -> AsyncIterator[StatementRunner]:
    """Where the app keeps the buckets: PostgreSQL, or on SQLite an in-memory database of
    the process. Every limiter of a test uses this one, as processes share the database."""
    if settings.is_sqlite:
        memory = MemoryStatements([RateLimitKey.__table__, RateLimitBucket.__table__])
        yield memory
        await memory.close()
        return
    engine = create_engine(settings)
    pool = await open_driver_pool(engine, 8)
    direct = DirectStatements(pool, engine.dialect)
    yield direct
    for model in (RateLimitBucket, RateLimitKey):
        await direct.rowcount(delete(model), {})
    await pool.close()
    await engine.dispose()


MakeLimiter = Callable[..., RateLimiter]


@pytest.fixture
def limiter(runner: StatementRunner) -> MakeLimiter:
    def make(clock: FakeClock, spec: str = "10/minute, 60/hour", **kwargs: Any) -> RateLimiter:
        limits = kwargs.pop("limits", None) or {"submit": Rate.parse_many(spec)}
        secret = kwargs.pop("secret", SECRET)
        return RateLimiter(DatabaseBuckets(runner, limits), KeyedHasher(secret), clock=clock)

    return make


async def refused_after(limits: RateLimiter, name: str, address: str) -> int:
    with pytest.raises(TooManyRequests) as refused:
        await limits.hit(name, address)
    assert refused.value.status == 429
    return int(refused.value.headers["Retry-After"])


async def column(runner: StatementRunner, attribute: Any) -> list[Any]:
    """One column of every row of a table, in order."""
    return [row[0] for row in await runner.rows(select(attribute).order_by(attribute), {})]


def test_rates_are_read_from_settings_text() -> None:
    assert Rate.parse_many("10/minute, 60/hour") == (Rate(10, 60), Rate(60, 3600))
    assert Rate.parse_many("5 / 10 minutes,1/day") == (Rate(5, 600), Rate(1, 86400))
    for typo in ("10 per minute", "0/minute", "10/fortnight", ""):
        with pytest.raises(ValueError):
            Rate.parse_many(typo)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_limit_of_more_rates_than_the_table_holds_stops_start_up(
    runner: StatementRunner,
) -> None:
    four = Rate.parse_many("1/second, 10/minute, 60/hour, 100/day")
    with pytest.raises(ValueError, match="at most 3"):
        DatabaseBuckets(runner, {"submit": four})


@BOTH
async def test_default_settings_make_a_limiter_with_the_named_limits(
    runner: StatementRunner,
) -> None:
    limits = RateLimiter(
        DatabaseBuckets(runner, limits_from_settings(Settings(_env_file=None))),
        KeyedHasher(SECRET),
    )
    for name in ("submit", "receipt_lookup", "upload", "upload_create", "login", "hub"):
        await limits.hit(name, CLIENT)
    with pytest.raises(KeyError):
        await limits.hit("no-such-limit", CLIENT)


@BOTH
async def test_burst_then_429_with_the_seconds_until_the_next_request_fits(
    limiter: MakeLimiter,
) -> None:
    clock = FakeClock()
    limits = limiter(clock)
    for _ in range(10):
        await limits.hit("submit", CLIENT)
    assert await refused_after(limits, "submit", CLIENT) == 6  # one request is earned every 6 s
    clock.now += 5.5
    assert await refused_after(limits, "submit", CLIENT) == 1  # rounded up, never 0
    clock.now += 0.5
    await limits.hit("submit", CLIENT)


@BOTH
async def test_hourly_limit_applies_even_when_requests_are_spread_out(
    limiter: MakeLimiter,
) -> None:
    clock = FakeClock()
    limits = limiter(clock)
    accepted = 0
    with pytest.raises(TooManyRequests) as refused:
        while True:  # one every 6 s always fits the minute limit
            await limits.hit("submit", CLIENT)
            accepted += 1
            clock.now += 6
    # The hour's burst of 60, plus one earned back per minute of the 6.6 minutes spent.
    assert accepted == 66
    assert int(refused.value.headers["Retry-After"]) == 24


@BOTH
async def test_three_rates_are_all_applied(limiter: MakeLimiter) -> None:
    clock = FakeClock()
    limits = limiter(clock, "2/second, 5/minute, 6/hour")
    for _ in range(2):
        await limits.hit("submit", CLIENT)
    assert await refused_after(limits, "submit", CLIENT) == 1
    for _ in range(3):
        clock.now += 1
        await limits.hit("submit", CLIENT)
    assert await refused_after(limits, "submit", CLIENT) == 9  # the minute's
    clock.now += 60
    await limits.hit("submit", CLIENT)
    clock.now += 60
    assert await refused_after(limits, "submit", CLIENT) == 477  # the hour's


@BOTH
async def test_refused_requests_are_not_counted(limiter: MakeLimiter) -> None:
    clock = FakeClock()
    limits = limiter(clock, "2/minute")
    await limits.hit("submit", CLIENT)
    await limits.hit("submit", CLIENT)
    for _ in range(50):
        await refused_after(limits, "submit", CLIENT)
    clock.now += 30
    await limits.hit("submit", CLIENT)


@BOTH
async def test_clients_and_limits_are_counted_separately(limiter: MakeLimiter) -> None:
    clock = FakeClock()
    one = Rate.parse_many("1/minute")
    limits = limiter(clock, limits={"submit": one, "receipt_lookup": one})
    await limits.hit("submit", CLIENT)
    await limits.hit("receipt_lookup", CLIENT)
    await limits.hit("submit", "198.51.100.1")
    await refused_after(limits, "submit", CLIENT)


@BOTH
async def test_an_ipv6_subscriber_is_one_client_across_its_64(limiter: MakeLimiter) -> None:
    clock = FakeClock()
    limits = limiter(clock, "1/minute")
    await limits.hit("submit", "2001:db8:1:2::1")
    await refused_after(limits, "submit", "2001:db8:1:2:ffff:ffff:ffff:ffff")
    await limits.hit("submit", "2001:db8:1:3::1")  # the neighbouring /64 is someone else
    await limits.hit("submit", "::ffff:203.0.113.9")
    await refused_after(limits, "submit", "203.0.113.9")


@BOTH
async def test_a_client_limited_by_one_process_is_limited_by_every_other(
    limiter: MakeLimiter,
) -> None:
    clock = FakeClock()
    first, second = limiter(clock, "4/minute"), limiter(clock, "4/minute")
    for process in (first, second, first, second):
        await process.hit("submit", CLIENT)
    assert await refused_after(second, "submit", CLIENT) == 15
    assert await refused_after(first, "submit", CLIENT) == 15
    await second.hit("submit", "198.51.100.1")  # others are served


@BOTH
async def test_simultaneous_requests_on_two_processes_never_exceed_the_burst(
    limiter: MakeLimiter,
) -> None:
    clock = FakeClock()
    processes = [limiter(clock, "10/minute") for _ in range(2)]

    async def served(number: int) -> bool:
        try:
            await processes[number % 2].hit("submit", CLIENT)
        except TooManyRequests:
            return False
        return True

    answers = await asyncio.gather(*(served(number) for number in range(40)))
    assert answers.count(True) == 10


@BOTH
async def test_processes_with_different_secret_keys_count_apart(limiter: MakeLimiter) -> None:
    """Why every process needs the same STOP_SECRET_KEY (the receipts need it too)."""
    clock = FakeClock()
    ours, stranger = limiter(clock, "1/minute"), limiter(clock, "1/minute", secret=b"another")
    await ours.hit("submit", CLIENT)
    await stranger.hit("submit", CLIENT)
    await refused_after(ours, "submit", CLIENT)


@BOTH
async def test_the_database_holds_keyed_hashes_and_a_salt_never_an_address(
    limiter: MakeLimiter, runner: StatementRunner
) -> None:
    clock = FakeClock()
    limits = limiter(clock, "1/minute")
    await limits.hit("submit", CLIENT)
    await limits.hit("submit", "hub-client:1b5bdd4e")
    [bucket, other] = await column(runner, RateLimitBucket.subject)
    [salt] = await column(runner, RateLimitKey.salt)
    stored = b"".join([bucket, other, salt])
    for secret in (CLIENT.encode(), b"203.0.113", b"1b5bdd4e", SECRET):
        assert secret not in stored
    assert len(bucket) == len(other) == 16 and bucket != other


@BOTH
async def test_after_the_day_its_buckets_and_salt_are_deleted(
    limiter: MakeLimiter, runner: StatementRunner
) -> None:
    clock = FakeClock()
    limits = limiter(clock, "1/day")
    await limits.hit("submit", CLIENT)
    assert await refused_after(limits, "submit", CLIENT) == 86400 - 1000  # until the new day
    clock.now = 86400 + 10  # the next UTC day: a new key, yesterday's bucket cannot be found
    await limits.hit("submit", CLIENT)
    assert await column(runner, RateLimitKey.day) == [0, 1]

    await limits.forget_spent(datetime.fromtimestamp(clock.now, UTC))
    assert await column(runner, RateLimitKey.day) == [1]
    assert await column(runner, RateLimitBucket.day) == [1]
    await refused_after(limits, "submit", CLIENT)  # today's count is kept


@BOTH
async def test_buckets_full_again_are_swept_and_the_client_starts_afresh(
    limiter: MakeLimiter, runner: StatementRunner
) -> None:
    clock = FakeClock()
    limits = limiter(clock, "2/minute")
    for number in range(5):
        await limits.hit("submit", f"198.51.100.{number}")
    await limits.hit("submit", CLIENT)
    await limits.hit("submit", CLIENT)
    clock.now += 30  # the one-request clients are full again; CLIENT has one of two back
    assert await limits.forget_spent(datetime.fromtimestamp(clock.now, UTC)) == 5
    await limits.hit("submit", CLIENT)
    await refused_after(limits, "submit", CLIENT)
    clock.now += 60
    assert await limits.forget_spent(datetime.fromtimestamp(clock.now, UTC)) == 1
    assert await column(runner, RateLimitBucket.subject) == []


@BOTH
async def test_address_appears_in_no_message_and_no_log(
    limiter: MakeLimiter, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock()
    limits = limiter(clock, "1/minute")
    with caplog.at_level(logging.DEBUG):
        await limits.hit("submit", CLIENT)
        with pytest.raises(TooManyRequests) as refused:
            await limits.hit("submit", CLIENT)
    assert CLIENT not in f"{refused.value} {refused.value.detail} {refused.value.extra}"
    assert [record for record in caplog.records if CLIENT in record.getMessage()] == []


@BOTH
@PROPERTY
@given(
    count=st.integers(1, 20),
    period=st.sampled_from([1.0, 60.0, 3600.0]),
    gaps=st.lists(st.floats(0, 120, allow_nan=False), min_size=1, max_size=60),
)
async def test_never_more_than_the_burst_plus_what_was_earned(
    limiter: MakeLimiter, count: int, period: float, gaps: list[float]
) -> None:
    clock = FakeClock()
    limits = limiter(clock, f"{count}/{int(period)}seconds")
    client = f"hub-client:{uuid.uuid4()}"
    accepted: list[float] = []
    for gap in gaps:
        clock.now += gap
        try:
            await limits.hit("submit", client)
            accepted.append(clock.now)
        except TooManyRequests:
            pass
    for first, start in enumerate(accepted):
        for last in range(first, len(accepted)):
            elapsed = accepted[last] - start
            assert last - first + 1 <= count + elapsed * count / period + 1e-6


@BOTH
@PROPERTY
@given(
    spec=st.sampled_from(["3/minute", "10/minute, 60/hour", "2/second, 5/minute, 20/hour"]),
    gaps=st.lists(st.floats(0, 30, allow_nan=False), max_size=40),
)
async def test_a_client_that_waits_retry_after_is_served(
    limiter: MakeLimiter, spec: str, gaps: list[float]
) -> None:
    clock = FakeClock()
    limits = limiter(clock, spec)
    client = f"hub-client:{uuid.uuid4()}"
    for gap in gaps:
        clock.now += gap
        try:
            await limits.hit("submit", client)
        except TooManyRequests as refused:
            clock.now += int(refused.headers["Retry-After"])
            await limits.hit("submit", client)


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_on_postgresql_the_buckets_never_reach_the_wal(runner: StatementRunner) -> None:
    """UNLOGGED: not in the WAL, so in no replica, archived log or base backup."""
    persistence = await runner.rows(
        text(
            "SELECT relname, relpersistence::text FROM pg_class "
            "WHERE relname IN ('rate_limit_buckets', 'rate_limit_keys') ORDER BY relname"
        ),
        {},
    )
    assert persistence == [("rate_limit_buckets", "u"), ("rate_limit_keys", "u")]
