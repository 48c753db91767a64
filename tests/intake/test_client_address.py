"""Which address the rate limiter sees: forwarding headers count only from our own proxies."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.protection.client_address import TrustedProxies, client_address

PROXIES = TrustedProxies.parse(["10.0.0.0/8", "192.0.2.7", "2001:db8:ffff::/48"])


def scope(peer: str | None, *headers: tuple[str, str]) -> dict[str, Any]:
    return {
        "type": "http",
        "client": (peer, 50000) if peer is not None else None,
        "headers": [(name.encode(), value.encode("latin-1")) for name, value in headers],
    }


def test_direct_client_is_its_own_address() -> None:
    assert client_address(scope("203.0.113.9"), PROXIES) == "203.0.113.9"


def test_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored() -> None:
    request = scope(
        "203.0.113.9",
        ("x-forwarded-for", "198.51.100.1"),
        ("forwarded", "for=198.51.100.2"),
    )
    assert client_address(request, PROXIES) == "203.0.113.9"


def test_trusted_proxy_forwarded_for_names_the_client() -> None:
    request = scope("10.1.2.3", ("x-forwarded-for", "203.0.113.9"))
    assert client_address(request, PROXIES) == "203.0.113.9"


def test_chain_is_walked_right_to_left_and_client_written_entries_are_ignored() -> None:
    # The client claims to be 198.51.100.1; our edge proxy saw 203.0.113.9, our inner
    # proxy saw the edge proxy 10.9.9.9, and the inner proxy (192.0.2.7) talks to us.
    request = scope(
        "192.0.2.7",
        ("x-forwarded-for", "198.51.100.1, 203.0.113.9"),
        ("x-forwarded-for", "10.9.9.9"),
    )
    assert client_address(request, PROXIES) == "203.0.113.9"


def test_forwarded_header_is_used_only_when_configured() -> None:
    request = scope(
        "10.0.0.1",
        ("forwarded", 'for=198.51.100.1, for="[2001:db8:1::17]:4711";proto=https'),
        ("x-forwarded-for", "203.0.113.50"),
    )
    forwarded = TrustedProxies.parse(["10.0.0.0/8"], header="forwarded")
    assert client_address(request, forwarded) == "2001:db8:1::17"
    assert client_address(request, PROXIES) == "203.0.113.50"


def test_ports_brackets_and_mapped_ipv4_are_normalised() -> None:
    assert client_address(scope("::ffff:203.0.113.9"), PROXIES) == "203.0.113.9"
    request = scope("10.0.0.1", ("x-forwarded-for", "203.0.113.9:5555"))
    assert client_address(request, PROXIES) == "203.0.113.9"
    request = scope("10.0.0.1", ("x-forwarded-for", "[2001:DB8::1]:443"))
    assert client_address(request, PROXIES) == "2001:db8::1"


def test_when_every_hop_is_ours_the_leftmost_is_the_client() -> None:
    request = scope("10.0.0.1", ("x-forwarded-for", "10.0.0.3, 10.0.0.2"))
    assert client_address(request, PROXIES) == "10.0.0.3"


def test_trusted_proxy_that_could_not_name_its_peer_gives_an_opaque_name() -> None:
    request = scope("10.0.0.1", ("x-forwarded-for", "198.51.100.1, unknown"))
    assert client_address(request, PROXIES) == "unknown"


def test_unix_socket_peer_is_trusted_only_when_configured() -> None:
    request = scope(None, ("x-forwarded-for", "203.0.113.9"))
    assert client_address(request, PROXIES) == "unix"
    assert client_address(request, TrustedProxies.parse(["unix"])) == "203.0.113.9"


def test_a_typo_in_trusted_proxies_fails_at_start_up() -> None:
    with pytest.raises(ValueError, match=r"10\.0\.0\.0/33"):
        TrustedProxies.parse(["10.0.0.0/33"])


addresses = st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6)).map(str)
header_junk = st.text(
    alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=40
).filter(lambda text: "," not in text)


@given(peer=addresses, hops=st.lists(st.one_of(addresses, header_junk), max_size=8))
def test_untrusted_peer_is_always_the_answer_whatever_it_sends(peer: str, hops: list[str]) -> None:
    if PROXIES.trusts(ipaddress.ip_address(peer)):
        return
    request = scope(peer, ("x-forwarded-for", ", ".join(hops)), ("forwarded", "for=1.2.3.4"))
    expected = ipaddress.ip_address(peer)
    if isinstance(expected, ipaddress.IPv6Address) and expected.ipv4_mapped:
        expected = expected.ipv4_mapped
    assert client_address(request, PROXIES) == str(expected)


@given(
    spoofed=st.lists(addresses, max_size=5),
    client=st.ip_addresses(v=4).filter(lambda ip: not PROXIES.trusts(ip)),
    our_hops=st.lists(st.sampled_from(["10.0.0.2", "10.200.1.1", "192.0.2.7"]), max_size=3),
)
def test_whatever_the_client_prepends_our_proxies_report_is_believed(
    spoofed: list[str], client: ipaddress.IPv4Address, our_hops: list[str]
) -> None:
    chain = [*spoofed, str(client), *our_hops]
    request = scope("10.0.0.1", ("x-forwarded-for", ", ".join(chain)))
    assert client_address(request, PROXIES) == str(client)
