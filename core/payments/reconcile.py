"""Reconciliation runs: claim unprocessed SMS in small batches, match them, post to the ledger, queue the rest.

Safe with several workers at once and against a worker killed mid-batch: rows are claimed with
SELECT ... FOR UPDATE SKIP LOCKED, and each batch's ledger entries, allocation and exception rows and SMS
status changes commit in one transaction. A rerun finds exactly the rows whose batch did not commit; the
ledger's idempotency key (the provider's transaction id) is the last wall against counting one twice.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import Actor
from core.db.database import Database
from core.ledger.errors import IdempotencyConflict
from core.payments.allocation import RECONCILER
from core.payments.matching_batch import ClaimedSms, RunContext, process_batch

__all__ = [
    "BATCH_SIZE",
    "PARTITIONS",
    "ReconcileOutcome",
    "reconcile_backlog",
    "reconcile_messages",
]

log = logging.getLogger(__name__)
BATCH_SIZE = 200
MAX_RETRIES = 5
_RETRYABLE_STATES = {"40P01", "40001"}  # deadlock, serialization failure: the batch rolled back, run it again

# Claims are spread over PARTITIONS by a hash of the reference's digits, so one member's payments (the same
# code) fall in one partition. A batch claims from a partition it holds an advisory lock on: concurrent
# workers then rarely touch the same members' balance rows, instead of queueing on each other's row locks.
# Row locks (FOR NO KEY UPDATE SKIP LOCKED) and the status change still carry correctness on their own.
PARTITIONS = 16  # sms_messages.claim_partition, a stored column (migration 0009a): 0..15
_PARTITION_LOCK = 7_210_009
_TAKE_PARTITION = text(
    "SELECT p FROM unnest(CAST(:order AS int[])) AS o(p) "
    "WHERE pg_try_advisory_xact_lock(:lock, CAST(:base + p AS int)) LIMIT 1"
)
_CLAIM = """
    SELECT id, status, provider, amount, currency, transaction_id, reference, counterparty_name,
           counterparty_phone, occurred_at, parse_error, duplicate_of_id
      FROM sms_messages
     WHERE organization_id = :org AND processed_at IS NULL
       AND status IN ('pending', 'unparsed', 'duplicate') AND claim_partition = :part {extra}
     ORDER BY id
     LIMIT :limit
       FOR NO KEY UPDATE SKIP LOCKED
"""
_CLAIM_ANY = text(_CLAIM.format(extra=""))
_PARTITIONS_OF = text(
    "SELECT DISTINCT claim_partition FROM sms_messages WHERE organization_id = :org "
    "AND id = ANY(CAST(:ids AS bigint[])) AND processed_at IS NULL"
)
_CLAIM_IDS = text(_CLAIM.format(extra="AND id = ANY(CAST(:ids AS bigint[]))"))
_CLAIM_OLD = text(_CLAIM.format(extra="AND created_at < :before"))
_BACKLOG = text(
    "SELECT DISTINCT organization_id FROM sms_messages WHERE processed_at IS NULL "
    "AND status IN ('pending', 'unparsed', 'duplicate') AND created_at < :before ORDER BY organization_id"
)


@dataclass(slots=True)
class ReconcileOutcome:
    """What a run did: SMS claimed, payments allocated, exceptions queued (by reason), batches committed."""

    claimed: int = 0
    allocated: int = 0
    exception: int = 0
    batches: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def add(self, other: ReconcileOutcome) -> None:
        self.claimed += other.claimed
        self.allocated += other.allocated
        self.exception += other.exception
        self.batches += other.batches
        for reason, n in other.reasons.items():
            self.reasons[reason] = self.reasons.get(reason, 0) + n

    def as_dict(self) -> dict[str, int]:
        """Flat counts (the importer reads 'allocated' and 'exception'); reasons as 'exception.<reason>'."""
        counts = {
            "claimed": self.claimed,
            "allocated": self.allocated,
            "exception": self.exception,
            "batches": self.batches,
        }
        counts.update({f"exception.{r}": n for r, n in sorted(self.reasons.items())})
        return counts


async def _claim(
    session: AsyncSession,
    organization_id: int,
    limit: int,
    sms_ids: Sequence[int] | None,
    before: datetime | None,
    start: int,
) -> list[ClaimedSms]:
    """Up to `limit` unprocessed rows from the partitions this transaction can lock, trying them from `start`."""
    params: dict[str, object] = {"org": organization_id}
    if sms_ids is not None:
        query, params["ids"] = _CLAIM_IDS, list(sms_ids)
    elif before is not None:
        query, params["before"] = _CLAIM_OLD, before
    else:
        query = _CLAIM_ANY
    order = [(start + i) % PARTITIONS for i in range(PARTITIONS)]
    if sms_ids is not None:  # a few given messages (a forwarder request, an import chunk): only their partitions
        found = await session.execute(_PARTITIONS_OF, {"org": organization_id, "ids": params["ids"]})
        wanted = set(found.scalars())
        order = [p for p in order if p in wanted]
    base = (organization_id * PARTITIONS) % 2**31
    claimed: list[ClaimedSms] = []
    while order and len(claimed) < limit:
        found = await session.execute(
            _TAKE_PARTITION, {"order": order, "lock": _PARTITION_LOCK, "base": base}
        )
        part = found.scalar_one_or_none()
        if part is None:
            break  # every partition left is being reconciled by another worker
        order = order[order.index(part) + 1 :]
        rows = await session.execute(query, {**params, "part": part, "limit": limit - len(claimed)})
        claimed.extend(ClaimedSms(*row) for row in rows)
    return claimed


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, IdempotencyConflict):
        return True  # a concurrent batch posted the same transaction id: the rerun sees it as a duplicate
    state = (
        getattr(exc.orig, "sqlstate", None) if isinstance(exc, DBAPIError) else getattr(exc, "sqlstate", None)
    )
    return state in _RETRYABLE_STATES


async def reconcile_messages(
    db: Database,
    organization_id: int,
    sms_ids: Sequence[int] | None = None,
    *,
    batch_size: int = BATCH_SIZE,
    created_before: datetime | None = None,
    actor: Actor = RECONCILER,
) -> ReconcileOutcome:
    """Reconcile one organization's unprocessed SMS (only `sms_ids` when given), batch after batch.

    Each batch is its own transaction. Rows another worker holds are skipped (it is reconciling them), so
    the outcome counts what this call did. A batch that deadlocks or meets a concurrent duplicate is rolled
    back and run again; other errors propagate after rolling back that batch only.
    """
    if sms_ids is not None and not sms_ids:
        return ReconcileOutcome()
    context = RunContext(organization_id, actor)
    total = ReconcileOutcome()
    start = random.randrange(PARTITIONS)  # workers start on different partitions
    while True:
        for attempt in range(1, MAX_RETRIES + 1):
            try:
                async with db.tenant(organization_id) as session:
                    claimed = await _claim(
                        session, organization_id, batch_size, sms_ids, created_before, start
                    )
                    if not claimed:
                        return total
                    done = await process_batch(session, context, claimed)
                break
            except Exception as exc:
                if attempt == MAX_RETRIES or not _retryable(exc):
                    raise
                log.info(
                    "reconcile batch for organization %s rolled back (%s); retrying", organization_id, exc
                )
                context.forget()
        total.add(ReconcileOutcome(done.claimed, done.allocated, done.exception, 1, dict(done.reasons)))


async def reconcile_backlog(
    db: Database, *, older_than: timedelta = timedelta(minutes=1), batch_size: int = BATCH_SIZE
) -> ReconcileOutcome:
    """The sweep: reconcile every organization's SMS left unprocessed for longer than `older_than`.

    Picks up what a crashed worker or a lost job left behind; younger rows are left to their own job.
    """
    before = datetime.now(UTC) - older_than
    async with db.system() as session:
        orgs = [int(o) for o in (await session.execute(_BACKLOG, {"before": before})).scalars()]
    total = ReconcileOutcome()
    for org in orgs:
        total.add(await reconcile_messages(db, org, batch_size=batch_size, created_before=before))
    return total
