"""``server.address.caller``, the caller's address, as a pure function: a peer that a
dual-stack socket reports as an IPv4-mapped IPv6 address is the IPv4 address, for the
trusted-proxy check as for the address it returns."""

from __future__ import annotations

from collections.abc import Callable

from userpool.server.address import caller


def _headers(forwarded: str | None) -> Callable[[str], str | None]:
    return lambda name: forwarded if name == "x-forwarded-for" else None


def test_a_mapped_peer_is_its_ipv4_address() -> None:
    assert caller("::ffff:10.0.0.7", _headers(None), "") == "10.0.0.7"


def test_a_mapped_trusted_proxy_passes_the_forwarded_address_on() -> None:
    got = caller("::ffff:10.0.0.1", _headers("203.0.113.9"), "10.0.0.0/8")
    assert got == "203.0.113.9"


def test_a_mapped_hop_inside_the_trusted_networks_is_skipped() -> None:
    got = caller("10.0.0.1", _headers("198.51.100.4, ::ffff:10.0.0.2"), "10.0.0.0/8")
    assert got == "198.51.100.4"


def test_an_untrusted_peer_keeps_its_own_address() -> None:
    assert caller("::ffff:192.0.2.1", _headers("203.0.113.9"), "10.0.0.0/8") == "192.0.2.1"
    assert caller("2001:db8::1", _headers("203.0.113.9"), "10.0.0.0/8") == "2001:db8::1"
