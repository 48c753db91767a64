"""Which address a request came from, for rate limiting only, believing proxies only if trusted.

The answer exists so the rate limiter can turn it into a keyed hash at once. It must never be
logged, stored, put in an error message or passed anywhere else: reporters may be watched, and
an address is the first thing that identifies them.

`X-Forwarded-For` / `Forwarded` are written by whoever sent the request, so they mean nothing
unless the direct peer is one of our own proxies (`settings.trusted_proxies`). Even then only
the entries our proxies appended are believed: the chain is walked right to left, skipping
trusted hops, and the first hop not in the trusted set is the client. Anything further left
was written by the client and is ignored.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from core.settings import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
ForwardingHeader = Literal["x-forwarded-for", "forwarded"]

#: What a peer on a Unix socket (no address in the ASGI scope) is called, here and in
#: `trusted_proxies`.
UNIX_PEER = "unix"
#: Hops read from a forwarding header; a longer chain is cut (from the left, the client's side).
MAX_HOPS = 32
#: An unparseable hop written by a trusted proxy is used as the client's name, this long at most.
MAX_OPAQUE_LENGTH = 64


@dataclass(frozen=True)
class TrustedProxies:
    """Our own proxies (addresses and networks) and the one header they maintain."""

    networks: tuple[IPNetwork, ...] = ()
    unix_socket: bool = False
    header: ForwardingHeader = "x-forwarded-for"

    @classmethod
    def parse(
        cls, entries: Iterable[str], header: ForwardingHeader = "x-forwarded-for"
    ) -> TrustedProxies:
        """Read `trusted_proxies`; a bad entry is a configuration error, raised at start-up."""
        networks: list[IPNetwork] = []
        unix_socket = False
        for raw in entries:
            entry = raw.strip()
            if entry.lower() == UNIX_PEER:
                unix_socket = True
            elif entry:
                try:
                    networks.append(ipaddress.ip_network(entry, strict=False))
                except ValueError as exc:
                    raise ValueError(f"trusted_proxies: not an address or CIDR: {entry!r}") from exc
        return cls(tuple(networks), unix_socket, header)

    @classmethod
    def from_settings(cls, settings: Settings) -> TrustedProxies:
        return cls.parse(settings.trusted_proxies, settings.trusted_proxy_header)

    @property
    def any(self) -> bool:
        """Whether any proxy is trusted at all (none is the default)."""
        return bool(self.networks) or self.unix_socket

    def trusts(self, hop: IPAddress | str) -> bool:
        """Whether `hop` (a parsed address, or the Unix-socket peer) is one of our proxies."""
        if isinstance(hop, str):
            return hop == UNIX_PEER and self.unix_socket
        hop = _unmap(hop)
        return any(hop in network for network in self.networks)


def client_address(scope: Mapping[str, Any], proxies: TrustedProxies) -> str:
    """The client's address as text (an IP in canonical form, `unix`, or an opaque name).

    `scope` is the ASGI connection scope (`request.scope` in FastAPI). Run the server with
    proxy-header rewriting off (uvicorn `--no-proxy-headers`), so this is the only place
    forwarding headers are interpreted.
    """
    peer = _peer(scope)
    if not proxies.trusts(peer):
        return str(peer)
    hops = _forwarded_hops(scope, proxies.header)
    for raw in reversed(hops):
        hop = parse_hop(raw)
        if hop is None:
            # Written by a trusted proxy that could not name its own peer ("unknown",
            # an obfuscated RFC 7239 identifier): that name is all we have.
            return raw.strip().strip('"').lower()[:MAX_OPAQUE_LENGTH] or "unknown"
        hop = _unmap(hop)
        if not proxies.trusts(hop):
            return str(hop)
        peer = hop
    # Every hop is one of ours (an internal caller): the leftmost one is the client.
    return str(peer)


def forwarded_scheme(scope: Mapping[str, Any], proxies: TrustedProxies) -> str | None:
    """The scheme the client used (`https`/`http`) as our nearest proxy tells it, if trusted.

    Read from `X-Forwarded-Proto`, or from `proto=` of `Forwarded` when that is the
    configured header; only the last value counts, the one our own proxy wrote."""
    if not proxies.any or not proxies.trusts(_peer(scope)):  # every request asks: be quick
        return None
    if proxies.header == "x-forwarded-for":
        values = _header_values(scope, b"x-forwarded-proto")
        last = values.split(",")[-1].strip().lower()
    else:
        element = _header_values(scope, b"forwarded").split(",")[-1]
        last = (_forwarded_param(element, "proto") or "").lower()
    return last if last in ("http", "https") else None


def _header_values(scope: Mapping[str, Any], name: bytes) -> str:
    return ",".join(
        value.decode("latin-1") for key, value in scope.get("headers", ()) if key.lower() == name
    )


def _peer(scope: Mapping[str, Any]) -> IPAddress | str:
    client = scope.get("client")
    host = client[0] if client else None
    if not host:
        return UNIX_PEER
    parsed = parse_hop(str(host))
    # Not an address (a test client's "testclient"): an opaque, untrusted name.
    return _unmap(parsed) if parsed is not None else str(host)[:MAX_OPAQUE_LENGTH]


def _forwarded_hops(scope: Mapping[str, Any], header: ForwardingHeader) -> list[str]:
    """Hops from every line of the chosen header, in order, left (client) to right (us)."""
    name = header.encode()
    joined = _header_values(scope, name)
    if not joined.strip():
        return []
    elements = joined.split(",")[-MAX_HOPS:]
    if header == "x-forwarded-for":
        return elements
    return [_forwarded_for(element) for element in elements]


def _forwarded_for(element: str) -> str:
    """The `for=` value of one RFC 7239 element; an element without one is an unknown hop."""
    return _forwarded_param(element, "for") or "unknown"


def _forwarded_param(element: str, name: str) -> str | None:
    """One parameter's value in one RFC 7239 element (`for=…;proto=https`), unquoted."""
    for pair in element.split(";"):
        key, _, value = pair.partition("=")
        if key.strip().lower() == name:
            return value.strip().strip('"')
    return None


def parse_hop(raw: str) -> IPAddress | None:
    """An address from `1.2.3.4`, `1.2.3.4:567`, `::1`, `[::1]` or `[::1]:567`; else None."""
    text = raw.strip().strip('"')
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _unmap(address: IPAddress) -> IPAddress:
    """`::ffff:1.2.3.4` is the IPv4 client 1.2.3.4 (dual-stack sockets report it that way)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address
