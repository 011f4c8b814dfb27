"""Delivery statuses, their forward-only order, and each provider's status words mapped onto them."""

from __future__ import annotations

from enum import StrEnum


class DeliveryStatus(StrEnum):
    QUEUED = "queued"  # in the outbox, not yet accepted by a provider
    SENT = "sent"  # accepted by the provider (or recorded by the sandbox: provider 'sandbox')
    DELIVERED = "delivered"  # reached the handset
    READ = "read"  # opened (WhatsApp read receipts)
    FAILED = "failed"  # the provider gave up, or we did (permanent error, retries exhausted, opted out)


# Forward-only order. A late 'sent' never undoes 'delivered'; 'failed' can follow queued/sent only, and a
# 'delivered' that arrives after a 'failed' (out of order) wins, since the handset did get it.
RANK: dict[DeliveryStatus, int] = {
    DeliveryStatus.QUEUED: 0,
    DeliveryStatus.SENT: 1,
    DeliveryStatus.FAILED: 2,
    DeliveryStatus.DELIVERED: 3,
    DeliveryStatus.READ: 4,
}

WHATSAPP_STATUS: dict[str, DeliveryStatus] = {
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.READ,
    "played": DeliveryStatus.READ,
    "failed": DeliveryStatus.FAILED,
}

TWILIO_STATUS: dict[str, DeliveryStatus] = {
    "accepted": DeliveryStatus.QUEUED,
    "scheduled": DeliveryStatus.QUEUED,
    "queued": DeliveryStatus.QUEUED,
    "sending": DeliveryStatus.QUEUED,
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.READ,
    "undelivered": DeliveryStatus.FAILED,
    "failed": DeliveryStatus.FAILED,
    "canceled": DeliveryStatus.FAILED,
}


def moves_forward(current: str, new: DeliveryStatus) -> bool:
    """Whether `new` may replace `current` (unknown current values never block a valid status)."""
    try:
        return RANK[new] > RANK[DeliveryStatus(current)]
    except ValueError:
        return True


def ranks_below(new: DeliveryStatus) -> list[str]:
    """The statuses `new` may replace, for a single conditional UPDATE."""
    return [s.value for s, r in RANK.items() if r < RANK[new]]
