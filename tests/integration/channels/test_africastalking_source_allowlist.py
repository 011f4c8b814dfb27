"""Africa's Talking USSD source allow-list over HTTP: unset is open; set, other sources get a logged 403 on the
hop and the events route; X-Forwarded-For counts only when the peer is a trusted proxy. The test client's
peer is 127.0.0.1."""

from __future__ import annotations

import logging

import pytest

from tests.integration.channels.conftest import AppFactory, ScriptedHandler
from tests.support.provider_payloads import unique_phone, unique_session, ussd_hops

PATH = "/channels/ussd/africastalking"
EVENTS_PATH = "/channels/ussd/africastalking/events"
AT_GATEWAY = "196.201.214.0/24"  # a documentation stand-in for the provider's range
EVENT = {"sessionId": "", "status": "Success", "hopsCount": "1", "durationInMillis": "900"}


def first_hop() -> dict[str, str]:
    return ussd_hops(unique_phone())[0]


async def test_unset_is_open_to_every_source(channel_app: AppFactory) -> None:
    handler = ScriptedHandler()
    client = await channel_app(handler=handler)
    r = await client.post(PATH, data=first_hop(), headers={"X-Forwarded-For": "203.0.113.9"})
    assert r.status == 200 and (await r.text()).startswith("CON ")
    assert len(handler.seen) == 1


async def test_an_allowed_source_passes(channel_app: AppFactory) -> None:
    handler = ScriptedHandler()
    client = await channel_app(handler=handler, africastalking_allowed_ips=f"{AT_GATEWAY}, 127.0.0.1")
    r = await client.post(PATH, data=first_hop())
    assert r.status == 200 and (await r.text()).startswith("CON ")
    events = await client.post(EVENTS_PATH, data={**EVENT, "sessionId": unique_session()})
    assert events.status == 200


async def test_another_source_is_refused_with_a_reason_and_logged(
    channel_app: AppFactory, caplog: pytest.LogCaptureFixture
) -> None:
    handler = ScriptedHandler()
    client = await channel_app(handler=handler, africastalking_allowed_ips=AT_GATEWAY)
    with caplog.at_level(logging.WARNING, logger="channels"):
        r = await client.post(PATH, data=first_hop())
        events = await client.post(EVENTS_PATH, data={**EVENT, "sessionId": unique_session()})
    assert r.status == 403
    assert await r.json() == {"error": "source address 127.0.0.1 is not in AFRICASTALKING_ALLOWED_IPS"}
    assert events.status == 403
    assert handler.seen == []
    refusals = [rec.getMessage() for rec in caplog.records if "-> 403" in rec.getMessage()]
    assert len(refusals) == 2 and "POST /channels/ussd/africastalking/events" in refusals[1]


@pytest.mark.parametrize(
    ("trusted_proxies", "forwarded_for", "status"),
    [
        ("127.0.0.1", "196.201.214.10", 200),  # our proxy vouches for the gateway
        ("", "196.201.214.10", 403),  # the same claim from an untrusted peer is ignored
        ("127.0.0.1", "196.201.214.10, 203.0.113.9", 403),  # a spoofed entry left of the real client
    ],
    ids=["trusted-proxy", "untrusted-peer", "spoofed-chain"],
)
async def test_forwarded_for_counts_only_from_a_trusted_proxy(
    channel_app: AppFactory, trusted_proxies: str, forwarded_for: str, status: int
) -> None:
    client = await channel_app(africastalking_allowed_ips=AT_GATEWAY, trusted_proxies=trusted_proxies)
    r = await client.post(PATH, data=first_hop(), headers={"X-Forwarded-For": forwarded_for})
    assert r.status == status
