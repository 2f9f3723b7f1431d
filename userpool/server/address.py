"""The caller's address: the connection's peer, or, behind proxies the operator trusts
(``--trusted-proxy CIDR``), the first address in ``X-Forwarded-For`` that is not one of
them, read from the right. Nothing else a request says can change it: without a trusted
proxy the header is ignored, and hops that are not addresses end the walk."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from functools import cache

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def networks(spec: str) -> tuple[Network, ...]:
    """The networks of a comma-separated list of CIDRs (``ValueError`` if one is not)."""
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False) for part in spec.split(",") if part.strip()
    )


def _trusted(address: str, trusted: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in trusted)


def caller(peer: str | None, headers: Callable[[str], str | None], trusted_spec: str) -> str | None:
    """The address a request comes from (see the module's docstring)."""
    if not trusted_spec or peer is None:
        return peer
    trusted = networks(trusted_spec)
    forwarded = headers("x-forwarded-for")
    if not forwarded or not _trusted(peer, trusted):
        return peer
    address = peer
    for hop in reversed(forwarded.split(",")[-32:]):
        hop = hop.strip()
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            break
        address = hop
        if not _trusted(hop, trusted):
            break
    return address
