"""Delivery of queued outbox rows: pace per provider and per recipient, send through the channel's client,
record the outcome; transient failures come back as RetryLater with exponential backoff per provider."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from channels.base import ProviderClient, ProviderError, SendOptions, reply_from_row
from core.db.database import Database
from core.messaging.errors import RetryLater, backoff
from core.messaging.identities import is_opted_out, window_open
from core.messaging.outbox import lock_for_delivery, record_attempt, record_failed, record_sent
from core.messaging.pacing import Pace, Pacer
from dialogs.vocabulary import Channel

log = logging.getLogger("channels.delivery")


@dataclass(frozen=True, slots=True)
class Policy:
    """Per provider: overall pace, pace per recipient, attempts and backoff base."""

    overall: Pace
    per_recipient: Pace
    max_attempts: int
    backoff_base: float


# WhatsApp Cloud API: ~80 msg/s per number, ~1 msg per 6 s per user (bursts tolerated, error 131056).
# Twilio queues per sender itself; we keep a modest pace. Telegram: ~30 msg/s overall, ~1 msg/s per chat.
POLICIES: dict[str, Policy] = {
    "whatsapp": Policy(Pace(1 / 80, burst=80), Pace(6.0, burst=4), max_attempts=8, backoff_base=4.0),
    "twilio": Policy(Pace(1 / 10, burst=10), Pace(1.0, burst=3), max_attempts=6, backoff_base=2.0),
    "telegram": Policy(Pace(1 / 30, burst=30), Pace(1.0, burst=3), max_attempts=8, backoff_base=2.0),
}
DEFAULT_POLICY = Policy(Pace(0.1, burst=10), Pace(1.0, burst=3), max_attempts=5, backoff_base=2.0)


class Outcome(StrEnum):
    SENT = "sent"
    FAILED = "failed"
    NOTHING = "nothing"  # already delivered or being delivered by another worker


class Deliverer:
    def __init__(self, db: Database, clients: Mapping[Channel, ProviderClient], pacer: Pacer) -> None:
        self.db = db
        self.clients = clients
        self.pacer = pacer

    async def deliver(self, ids: Sequence[int]) -> Outcome:
        """Send the queued rows among `ids` (one batch: one channel, one recipient). Idempotent: rows already
        sent, or locked by a concurrent delivery, are skipped. Raises RetryLater after recording a
        transient failure, or when pacing says wait."""
        retry: RetryLater | None = None
        async with self.db.system() as session:
            rows = await lock_for_delivery(session, ids)
            if not rows:
                return Outcome.NOTHING
            channel, recipient = Channel(rows[0].channel), rows[0].recipient
            client = self.clients.get(channel)
            if client is None:
                await record_failed(session, rows, provider="none", error=f"no client for channel {channel}")
                return Outcome.FAILED
            opt_out_applies = channel is Channel.SMS and all(r.source != "optout" for r in rows)
            if opt_out_applies and await is_opted_out(session, "sms", recipient):
                await record_failed(session, rows, provider=client.name, error="recipient opted out (STOP)")
                return Outcome.FAILED
            policy = POLICIES.get(client.name, DEFAULT_POLICY)
            if client.name != "sandbox":
                wait = max(
                    await self.pacer.reserve(f"{client.name}", policy.overall),
                    await self.pacer.reserve(f"{client.name}:{recipient}", policy.per_recipient),
                )
                if wait > 0:
                    raise RetryLater(f"paced for {recipient}", wait, max_retries=100)
            options = SendOptions(
                window_open=await window_open(session, "whatsapp", recipient.lstrip("+"))
                if channel is Channel.WHATSAPP
                else True
            )
            replies = [reply_from_row(r.text, r.choices, r.payload) for r in rows]
            try:
                message_ids = await client.send(recipient, replies, options)
            except ProviderError as exc:
                attempts = rows[0].attempts + 1
                if exc.retryable and attempts < policy.max_attempts:
                    await record_attempt(session, rows, error=str(exc))
                    delay = exc.retry_after or backoff(attempts, base=policy.backoff_base)
                    retry = RetryLater(f"{client.name}: {exc}", delay, max_retries=policy.max_attempts)
                    log.warning(
                        "delivery of %s to %s failed (attempt %d), retry in %.0fs",
                        ids,
                        client.name,
                        attempts,
                        delay,
                    )
                else:
                    await record_failed(
                        session, rows, provider=client.name, error=f"{exc.code} {exc}".strip()
                    )
                    log.error("delivery of %s to %s failed for good: %s", ids, client.name, exc)
                    return Outcome.FAILED
            else:
                await record_sent(session, rows, provider=client.name, provider_message_ids=message_ids)
                return Outcome.SENT
        assert retry is not None
        raise retry
