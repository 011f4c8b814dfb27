"""Which address a request came from. Behind a reverse proxy the peer is the proxy, so X-Forwarded-For is read,
but only from a proxy in TRUSTED_PROXIES: anyone else could write any address into that header."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

from aiohttp import web

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network


def parse_networks(value: str, *, setting: str) -> tuple[IPNetwork, ...]:
    """Comma-separated IPs/CIDRs, parsed once at start-up; a bad entry stops start-up naming the setting."""
    networks: list[IPNetwork] = []
    for entry in (part.strip() for part in value.split(",")):
        if not entry:
            continue
        try:
            networks.append(ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"{setting}: {entry!r} is not an IP address or network") from None
    return tuple(networks)


def parse_address(text: str | None) -> IPAddress | None:
    """An address as a peer or a forwarded-for entry spells it; IPv4 seen through an IPv6 socket as IPv4."""
    if not text:
        return None
    try:
        address = ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def within(address: IPAddress, networks: Iterable[IPNetwork]) -> bool:
    return any(address in network for network in networks)


def client_address(
    peer: str | None, forwarded_for: Sequence[str], trusted_proxies: Sequence[IPNetwork]
) -> IPAddress | None:
    """The nearest address not vouched for by a trusted proxy: the X-Forwarded-For chain is walked from the right
    (the entry our own proxy appended) while the hop is trusted. None when an address cannot be read."""
    address = parse_address(peer)
    if address is None or not within(address, trusted_proxies):
        return address
    chain = [entry for header in forwarded_for for entry in header.split(",") if entry.strip()]
    for entry in reversed(chain):
        address = parse_address(entry)
        if address is None or not within(address, trusted_proxies):
            return address
    return address


def request_client_address(request: web.Request, trusted_proxies: Sequence[IPNetwork]) -> IPAddress | None:
    return client_address(request.remote, request.headers.getall("X-Forwarded-For", ()), trusted_proxies)
