"""The client's IP address, honouring X-Forwarded-For only from configured trusted proxies."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from starlette.requests import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache
def parse_networks(value: str) -> tuple[Network, ...]:
    """ "10.0.0.0/8, 127.0.0.1" → networks (a bare address is a /32 or /128)."""
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False) for part in value.split(",") if part.strip()
    )


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def resolve_client_ip(
    peer: str | None, forwarded_for: str | None, trusted: tuple[Network, ...]
) -> str | None:
    """The peer itself unless it is a trusted proxy; then the right-most X-Forwarded-For hop that is
    not a trusted proxy (hops further left were written by the client and prove nothing)."""
    if peer is None or not forwarded_for or not trusted or not _trusted(peer, trusted):
        return peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",")]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return peer  # a malformed chain: trust nothing in it
        if not _trusted(hop, trusted):
            return hop
    return peer


def client_ip(request: Request) -> str | None:
    """Set once per request by SecurityMiddleware; the socket peer for apps without it."""
    resolved: str | None = request.scope.get("state", {}).get("client_ip")
    if resolved is not None:
        return resolved
    return request.client.host if request.client else None
