"""The caller's address: the connection's peer, or, behind proxies the operator trusts
(``--trusted-proxy CIDR``), the first address in ``X-Forwarded-For`` that is not one of
them, read from the right. Nothing else a request says can change it: without a trusted
proxy the header is ignored, and hops that are not addresses end the walk. An IPv4 address
that a dual-stack socket (or a proxy) writes as ``::ffff:a.b.c.d`` is taken as ``a.b.c.d``,
so it falls in IPv4 networks (trusted proxies, limits, risk ranges) as the operator wrote them.

DEVIATION: Cognito sits behind AWS's own front ends; who may set ``X-Forwarded-For`` here
is the operator's choice (``--trusted-proxy``)."""

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


def _plain(address: str) -> str:
    """``a.b.c.d`` for ``::ffff:a.b.c.d``; any other address as it is."""
    return address[7:] if address[:7].lower() == "::ffff:" and "." in address else address


def _trusted(address: str, trusted: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in trusted)


def caller(peer: str | None, headers: Callable[[str], str | None], trusted_spec: str) -> str | None:
    """The address a request comes from (see the module's docstring)."""
    if peer is None:
        return None
    peer = _plain(peer)
    if not trusted_spec:
        return peer
    trusted = networks(trusted_spec)
    forwarded = headers("x-forwarded-for")
    if not forwarded or not _trusted(peer, trusted):
        return peer
    address = peer
    for hop in reversed(forwarded.split(",")[-32:]):
        hop = _plain(hop.strip())
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            break
        address = hop
        if not _trusted(hop, trusted):
            break
    return address
