"""Which address a request came from: the peer, or X-Forwarded-For walked from the right through trusted
proxies only; settings parsed once, a bad entry named."""

from __future__ import annotations

from ipaddress import ip_address

import pytest

from channels.source_address import client_address, parse_networks

PROXIES = parse_networks("10.0.0.0/8, 127.0.0.1", setting="TRUSTED_PROXIES")


def test_networks_are_parsed_once_and_blanks_skipped() -> None:
    assert [str(n) for n in parse_networks(" 196.201.214.0/24,,2001:db8::1 ", setting="X")] == [
        "196.201.214.0/24",
        "2001:db8::1/128",
    ]
    assert parse_networks("", setting="X") == ()


def test_a_bad_entry_names_the_setting() -> None:
    with pytest.raises(ValueError, match=r"AFRICASTALKING_ALLOWED_IPS: 'africastalking\.com' is not an IP"):
        parse_networks("196.201.214.0/24,africastalking.com", setting="AFRICASTALKING_ALLOWED_IPS")


def test_an_untrusted_peer_is_the_client_whatever_it_forwards() -> None:
    assert client_address("203.0.113.5", ["196.201.214.10"], PROXIES) == ip_address("203.0.113.5")
    assert client_address("203.0.113.5", ["196.201.214.10"], ()) == ip_address("203.0.113.5")


def test_a_trusted_proxy_hands_over_to_the_nearest_untrusted_hop() -> None:
    assert client_address("127.0.0.1", ["196.201.214.10"], PROXIES) == ip_address("196.201.214.10")
    # A client cannot push its own claim past our proxies: the rightmost untrusted entry wins.
    spoofed = ["196.201.214.10, 203.0.113.9, 10.1.2.3"]
    assert client_address("127.0.0.1", spoofed, PROXIES) == ip_address("203.0.113.9")
    # Several headers are one chain, in order.
    assert client_address("10.0.0.2", ["203.0.113.9", "196.201.214.10"], PROXIES) == ip_address(
        "196.201.214.10"
    )


def test_a_trusted_proxy_without_a_header_is_itself_the_client() -> None:
    assert client_address("127.0.0.1", [], PROXIES) == ip_address("127.0.0.1")
    assert client_address("127.0.0.1", ["10.0.0.7"], PROXIES) == ip_address("10.0.0.7")


def test_unreadable_addresses_are_none() -> None:
    assert client_address(None, [], PROXIES) is None
    assert client_address("127.0.0.1", ["not-an-ip"], PROXIES) is None


def test_ipv4_through_an_ipv6_socket_is_ipv4() -> None:
    assert client_address("::ffff:196.201.214.10", [], ()) == ip_address("196.201.214.10")
