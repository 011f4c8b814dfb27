"""Outbound delivery jobs: send an outbox batch through the channel clients, and sweep what nobody sent.

Both are idempotent (a batch already sent is skipped; rows are locked while sending), so Celery's
acks_late redelivery is harmless. Clients and the pacer are built once per process (in Runtime.extras).
"""

from __future__ import annotations

import logging
from typing import Any

from bot.runtime import Runtime
from channels.base import ProviderClient
from channels.delivery import Deliverer
from channels.registry import build_clients
from core.db.database import Database
from core.messaging.dedup import purge_processed
from core.messaging.errors import RetryLater
from core.messaging.inbox import purge_done
from core.messaging.outbox import claim_undispatched
from core.messaging.pacing import MemoryPacer, Pacer, RedisPacer
from core.ops.console_jobs import purge_console_jobs
from dialogs.vocabulary import Channel
from ussd.session import purge_ussd_sessions

log = logging.getLogger(__name__)
CLIENTS, PACER = "channel_clients", "channel_pacer"


def channel_clients(rt: Runtime) -> dict[Channel, ProviderClient]:
    """This process's provider clients (real when credentials are set, sandbox otherwise)."""
    clients: dict[Channel, ProviderClient] | None = rt.extras.get(CLIENTS)
    if clients is None:
        clients = rt.extras[CLIENTS] = build_clients(rt.settings)
    return clients


async def close_channel_clients(rt: Runtime) -> None:
    for client in (rt.extras.pop(CLIENTS, None) or {}).values():
        try:
            await client.close()
        except Exception:
            log.exception("closing %s client failed", client.name)


def pacer(rt: Runtime) -> Pacer:
    """Shared across processes with Redis; in-process without it (the embedded default)."""
    found: Pacer | None = rt.extras.get(PACER)
    if found is None:
        found = rt.extras[PACER] = RedisPacer(rt.redis) if rt.redis is not None else MemoryPacer()
    return found


async def deliver_outbox(rt: Runtime, *, ids: list[int]) -> str:
    """Send one batch; raises RetryLater for the runner (Celery retry or an in-process delayed rerun)."""
    return (await Deliverer(rt.db, channel_clients(rt), pacer(rt)).deliver(ids)).value


async def sweep_outbox(rt: Runtime, *, limit: int = 200) -> dict[str, Any]:
    """Deliver queued rows nobody dispatched (enqueued without a relay running, or lost with a process)
    and forget what is past any use (forget_expired). Beat runs it every minute."""
    async with rt.db.system() as session:
        claimed = await claim_undispatched(session, limit=limit)
    outcomes: dict[str, int] = {}
    for batch in claimed:
        try:
            outcome = await deliver_outbox(rt, ids=list(batch.ids))
        except RetryLater as exc:  # stays queued; the next sweep takes it once the dispatch is stale
            outcome = "retry"
            log.info("sweep: batch %s deferred: %s", batch.batch, exc.reason)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    purged = await forget_expired(rt.db)
    return {"batches": len(claimed), "outcomes": outcomes, "purged_webhook_keys": purged}


async def forget_expired(db: Database) -> int:
    """Old webhook keys, worked inbox rows, USSD sessions and ended console jobs past any use (beat's sweep, or
    the relay without a broker). Returns how many webhook keys went."""
    purged = await purge_processed(db)
    await purge_done(db)
    await purge_console_jobs(db)
    async with db.system() as session:
        await purge_ussd_sessions(session)
    return purged
