"""Rate limits: what a client is allowed, what it is told, and what the limiter keeps."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import TooManyRequests
from core.settings import Settings
from intake.protection.ratelimit import Rate, RateLimiter

CLIENT = "203.0.113.9"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limiter(clock: FakeClock, spec: str = "10/minute, 60/hour", **kwargs: int) -> RateLimiter:
    return RateLimiter({"submit": Rate.parse_many(spec)}, clock=clock, **kwargs)


def refused_after(limits: RateLimiter, name: str, address: str) -> int:
    with pytest.raises(TooManyRequests) as refused:
        limits.hit(name, address)
    assert refused.value.status == 429
    return int(refused.value.headers["Retry-After"])


def test_rates_are_read_from_settings_text() -> None:
    assert Rate.parse_many("10/minute, 60/hour") == (Rate(10, 60), Rate(60, 3600))
    assert Rate.parse_many("5 / 10 minutes,1/day") == (Rate(5, 600), Rate(1, 86400))
    for typo in ("10 per minute", "0/minute", "10/fortnight", ""):
        with pytest.raises(ValueError):
            Rate.parse_many(typo)


def test_default_settings_make_a_limiter_with_the_named_limits() -> None:
    limits = RateLimiter.from_settings(Settings(_env_file=None))
    for name in ("submit", "receipt_lookup", "upload"):
        limits.hit(name, CLIENT)
    with pytest.raises(KeyError):
        limits.hit("no-such-limit", CLIENT)


def test_burst_then_429_with_the_seconds_until_the_next_request_fits() -> None:
    clock = FakeClock()
    limits = limiter(clock)
    for _ in range(10):
        limits.hit("submit", CLIENT)
    assert refused_after(limits, "submit", CLIENT) == 6  # one request is earned every 6 s
    clock.now += 5.5
    assert refused_after(limits, "submit", CLIENT) == 1  # rounded up, never 0
    clock.now += 0.5
    limits.hit("submit", CLIENT)


def test_hourly_limit_applies_even_when_requests_are_spread_out() -> None:
    clock = FakeClock()
    limits = limiter(clock)
    accepted = 0
    with pytest.raises(TooManyRequests) as refused:
        while True:  # one every 6 s always fits the minute limit
            limits.hit("submit", CLIENT)
            accepted += 1
            clock.now += 6
    # The hour's burst of 60, plus one earned back per minute of the 6.6 minutes spent.
    assert accepted == 66
    assert int(refused.value.headers["Retry-After"]) == 24


def test_refused_requests_are_not_counted() -> None:
    clock = FakeClock()
    limits = limiter(clock, "2/minute")
    limits.hit("submit", CLIENT)
    limits.hit("submit", CLIENT)
    for _ in range(50):
        refused_after(limits, "submit", CLIENT)
    clock.now += 30
    limits.hit("submit", CLIENT)


def test_clients_and_limits_are_counted_separately() -> None:
    clock = FakeClock()
    limits = RateLimiter(
        {"submit": Rate.parse_many("1/minute"), "receipt_lookup": Rate.parse_many("1/minute")},
        clock=clock,
    )
    limits.hit("submit", CLIENT)
    limits.hit("receipt_lookup", CLIENT)
    limits.hit("submit", "198.51.100.1")
    refused_after(limits, "submit", CLIENT)


def test_an_ipv6_subscriber_is_one_client_across_its_64() -> None:
    clock = FakeClock()
    limits = limiter(clock, "1/minute")
    limits.hit("submit", "2001:db8:1:2::1")
    refused_after(limits, "submit", "2001:db8:1:2:ffff:ffff:ffff:ffff")
    limits.hit("submit", "2001:db8:1:3::1")  # the neighbouring /64 is someone else
    limits.hit("submit", "::ffff:203.0.113.9")
    refused_after(limits, "submit", "203.0.113.9")


def test_daily_rotation_drops_every_bucket() -> None:
    clock = FakeClock()
    limits = limiter(clock, "1/day")
    limits.hit("submit", CLIENT)
    assert refused_after(limits, "submit", CLIENT) == 86400
    assert limits.tracked_clients == 1
    clock.now += 24 * 3600
    limits.hit("submit", CLIENT)  # a new key: yesterday's bucket cannot be found
    assert limits.tracked_clients == 1


def test_memory_is_bounded_and_the_least_recent_client_is_forgotten() -> None:
    clock = FakeClock()
    limits = limiter(clock, "1/minute", max_clients=3)
    for number in range(4):
        limits.hit("submit", f"198.51.100.{number}")
    assert limits.tracked_clients == 3
    limits.hit("submit", "198.51.100.0")  # forgotten, so it starts afresh
    refused_after(limits, "submit", "198.51.100.3")


def test_address_appears_in_no_message_and_no_log(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    limits = limiter(clock, "1/minute")
    with caplog.at_level(logging.DEBUG):
        limits.hit("submit", CLIENT)
        with pytest.raises(TooManyRequests) as refused:
            limits.hit("submit", CLIENT)
    assert CLIENT not in f"{refused.value} {refused.value.detail} {refused.value.extra}"
    assert caplog.records == []


@given(
    count=st.integers(1, 20),
    period=st.sampled_from([1.0, 60.0, 3600.0]),
    gaps=st.lists(st.floats(0, 120, allow_nan=False), min_size=1, max_size=80),
)
def test_never_more_than_the_burst_plus_what_was_earned(
    count: int, period: float, gaps: list[float]
) -> None:
    clock = FakeClock()
    limits = limiter(clock, f"{count}/{int(period)}seconds")
    accepted: list[float] = []
    for gap in gaps:
        clock.now += gap
        try:
            limits.hit("submit", CLIENT)
            accepted.append(clock.now)
        except TooManyRequests:
            pass
    for first, start in enumerate(accepted):
        for last in range(first, len(accepted)):
            elapsed = accepted[last] - start
            assert last - first + 1 <= count + elapsed * count / period + 1e-6


@given(
    spec=st.sampled_from(["3/minute", "10/minute, 60/hour", "2/second, 5/minute"]),
    gaps=st.lists(st.floats(0, 30, allow_nan=False), max_size=60),
)
def test_a_client_that_waits_retry_after_is_served(spec: str, gaps: list[float]) -> None:
    clock = FakeClock()
    limits = limiter(clock, spec)
    for gap in gaps:
        clock.now += gap
        try:
            limits.hit("submit", CLIENT)
        except TooManyRequests as refused:
            clock.now += int(refused.headers["Retry-After"])
            limits.hit("submit", CLIENT)
