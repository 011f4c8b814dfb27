"""Delivery statuses only move forward; provider words map onto ours; GCRA pacing with bursts."""

from __future__ import annotations

from core.messaging.errors import backoff
from core.messaging.pacing import MemoryPacer, Pace
from core.messaging.status import TWILIO_STATUS, WHATSAPP_STATUS, DeliveryStatus, moves_forward, ranks_below


def test_forward_only() -> None:
    assert moves_forward("queued", DeliveryStatus.SENT) and moves_forward("sent", DeliveryStatus.DELIVERED)
    assert not moves_forward("delivered", DeliveryStatus.SENT)
    assert not moves_forward("read", DeliveryStatus.FAILED) and moves_forward("sent", DeliveryStatus.FAILED)
    assert moves_forward("failed", DeliveryStatus.DELIVERED)  # the handset did get it after all
    assert set(ranks_below(DeliveryStatus.DELIVERED)) == {"queued", "sent", "failed"}


def test_provider_words() -> None:
    assert (
        WHATSAPP_STATUS["read"] is DeliveryStatus.READ
        and TWILIO_STATUS["undelivered"] is DeliveryStatus.FAILED
    )


def test_backoff_doubles_up_to_a_ceiling() -> None:
    assert [backoff(n) for n in (1, 2, 3)] == [2.0, 4.0, 8.0] and backoff(30) == 600.0


async def test_gcra_allows_a_burst_then_paces() -> None:
    now = [1000.0]
    pacer = MemoryPacer(clock=lambda: now[0])
    pace = Pace(6.0, burst=3)
    assert [await pacer.reserve("u", pace) for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = await pacer.reserve("u", pace)
    assert 5.9 < wait <= 6.0
    now[0] += wait
    assert await pacer.reserve("u", pace) == 0.0
    assert await pacer.reserve("other", pace) == 0.0
