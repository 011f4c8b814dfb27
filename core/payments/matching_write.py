"""Writing one reconciliation batch: SMS statuses, the ledger call, allocation and exception rows.

Three statements whatever the batch size (an UPDATE ... FROM unnest, the ledger's batched posting, one
INSERT ... SELECT FROM unnest per table in a single statement): few round trips, no per-row statements.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from core.ledger.posting import post_entries
from core.ledger.types import NewEntry, PostedEntry
from core.payments.allocation import settle_allocated
from core.payments.matching_amounts import AmountVerdict
from core.payments.matching_types import ExceptionReason, MatchMethod, PaymentFacts, Suggestion, Target
from core.payments.models import SmsStatus
from core.payments.suggest import is_confident

__all__ = ["BatchOutcome", "PlannedAllocation", "QueuedException", "write_batch"]

# Reasons a person must look at even when the top suggestion is clear (the rule or the purpose says so).
_NEVER_BULK = frozenset(
    {ExceptionReason.AMOUNT_MISMATCH, ExceptionReason.LOAN_UNSUPPORTED, ExceptionReason.TARGET_REFUSED}
)
_MARK = text(
    "UPDATE sms_messages s SET status = u.status, processed_at = now(), "
    "duplicate_of_id = coalesce(u.dup, s.duplicate_of_id) "
    "FROM unnest(CAST(:ids AS bigint[]), CAST(:statuses AS text[]), CAST(:dups AS bigint[])) AS u(id, status, dup) "
    "WHERE s.id = u.id AND s.id = ANY(CAST(:ids AS bigint[])) AND s.organization_id = :org"
)
_ALLOCATION_COLUMNS = (
    ("organization_id", "bigint"),
    ("sms_message_id", "bigint"),
    ("member_id", "bigint"),
    ("group_id", "bigint"),
    ("loan_id", "bigint"),
    ("amount", "bigint"),
    ("currency", "text"),
    ("method", "text"),
    ("amount_fit", "text"),
    ("entry_id", "bigint"),
)
_EXCEPTION_COLUMNS = (
    ("organization_id", "bigint"),
    ("sms_message_id", "bigint"),
    ("reason", "text"),
    ("detail", "text"),
    ("status", "text"),
    ("amount", "bigint"),
    ("currency", "text"),
    ("group_id", "bigint"),
    ("suggestions", "jsonb"),
    ("confident", "boolean"),
    ("suspense_entry_id", "bigint"),
)


def _insert_sql(table: str, columns: Sequence[tuple[str, str]], prefix: str, suffix: str = "") -> str:
    """INSERT ... SELECT FROM unnest(one array per column); jsonb travels as text. Parameters are prefixed."""
    names = ", ".join(name for name, _ in columns)
    arrays = ", ".join(f"CAST(:{prefix}{n} AS {'text' if t == 'jsonb' else t}[])" for n, t in columns)
    values = ", ".join(f"CAST(r.{n} AS jsonb)" if t == "jsonb" else f"r.{n}" for n, t in columns)
    return f"INSERT INTO {table} ({names}) SELECT {values} FROM unnest({arrays}) AS r({names}) {suffix}"


# Both tables in one statement (one round trip); each insert is a no-op for empty arrays.
_INSERT_BOTH = text(
    "WITH a AS ("
    + _insert_sql("payment_allocations", _ALLOCATION_COLUMNS, "a_")
    + "), e AS ("
    + _insert_sql("payment_exceptions", _EXCEPTION_COLUMNS, "e_", "ON CONFLICT (sms_message_id) DO NOTHING")
    + ") SELECT 1"
)


async def _insert_both(
    session: AsyncSession, allocations: Sequence[dict[str, Any]], exceptions: Sequence[dict[str, Any]]
) -> None:
    if not allocations and not exceptions:
        return
    params = {f"a_{n}": [row[n] for row in allocations] for n, _ in _ALLOCATION_COLUMNS}
    params.update({f"e_{n}": [row[n] for row in exceptions] for n, _ in _EXCEPTION_COLUMNS})
    await session.execute(_INSERT_BOTH, params)


@dataclass(slots=True)
class BatchOutcome:
    """What one batch did."""

    claimed: int = 0
    allocated: int = 0
    exception: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class QueuedException:
    """An exception to write: its reason, and the entry that parked its money in suspense (if any)."""

    sms_id: int
    reason: ExceptionReason
    detail: str
    sms_status: SmsStatus
    amount: int | None = None
    currency: str | None = None
    facts: PaymentFacts | None = None
    suggestions: tuple[Suggestion, ...] = ()
    duplicate_of: int | None = None
    entry: NewEntry | None = None


@dataclass(slots=True)
class PlannedAllocation:
    """A matched payment the rules accept, with the entry that credits its target."""

    facts: PaymentFacts
    target: Target
    method: MatchMethod
    verdict: AmountVerdict
    entry: NewEntry


async def write_batch(
    session: AsyncSession,
    organization_id: int,
    claimed: int,
    allocations: list[PlannedAllocation],
    queued: list[QueuedException],
) -> BatchOutcome:
    """Record the batch: SMS statuses, then the ledger call, then allocation and exception rows.

    The ledger call comes last but one so the member balance rows it locks are held only until the commit
    that follows (concurrent workers touching the same members wait less). A payment whose key turns out to
    be posted already (a concurrent batch won the race) is turned into a duplicate that moved no money.
    No audit event: the entries (actor system:reconciler), the allocation and exception rows and the SMS
    statuses are the record, and a per-batch event on the organization's chain would serialise the workers.
    """
    org = organization_id
    statuses: dict[int, tuple[SmsStatus, int | None]] = {
        a.facts.sms_id: (SmsStatus.ALLOCATED, None) for a in allocations
    }
    statuses.update({q.sms_id: (q.sms_status, q.duplicate_of) for q in queued})
    await _mark(session, org, statuses)
    entries = [a.entry for a in allocations] + [q.entry for q in queued if q.entry is not None]
    stored = {e.idempotency_key: e for e in await post_entries(session, org, entries, audit=False)}
    live: list[PlannedAllocation] = []
    raced: dict[int, tuple[SmsStatus, int | None]] = {}
    for a in allocations:
        if stored[a.entry.idempotency_key].replayed:
            queued.append(
                QueuedException(
                    a.facts.sms_id,
                    ExceptionReason.DUPLICATE,
                    "transaction posted concurrently",
                    SmsStatus.DUPLICATE,
                    a.facts.amount,
                    a.facts.currency,
                )
            )
            raced[a.facts.sms_id] = (SmsStatus.DUPLICATE, None)
        else:
            live.append(a)
    outcome = BatchOutcome(claimed=claimed, allocated=len(live))
    exceptions = [_exception_row(org, q, stored, raced, outcome) for q in queued]
    if raced:
        await _mark(session, org, raced)
    await _insert_both(
        session,
        [
            {
                "organization_id": org,
                "sms_message_id": a.facts.sms_id,
                "member_id": a.target.member_id,
                "group_id": a.target.group_id,
                "loan_id": a.target.loan_id,
                "amount": a.facts.amount,
                "currency": a.facts.currency,
                "method": str(a.method),
                "amount_fit": str(a.verdict.fit),
                "entry_id": stored[a.entry.idempotency_key].id,
            }
            for a in live
        ],
        exceptions,
    )
    if live:  # e.g. loan receipts become repayments in the same transaction (allocation.settle_allocated)
        await settle_allocated(session, org, [a.target for a in live])
    return outcome


def _exception_row(
    org: int,
    q: QueuedException,
    stored: dict[str, PostedEntry],
    raced: dict[int, tuple[SmsStatus, int | None]],
    outcome: BatchOutcome,
) -> dict[str, Any]:
    entry_id = None
    if q.entry is not None:
        posted = stored[q.entry.idempotency_key]
        if posted.replayed:  # a concurrent batch posted this transaction first: no money of ours moved
            q.reason, q.detail, q.sms_status, q.suggestions = (
                ExceptionReason.DUPLICATE,
                "transaction posted concurrently",
                SmsStatus.DUPLICATE,
                (),
            )
            raced[q.sms_id] = (SmsStatus.DUPLICATE, None)
        else:
            entry_id = posted.id
    outcome.exception += 1
    outcome.reasons[str(q.reason)] = outcome.reasons.get(str(q.reason), 0) + 1
    top = q.suggestions[0].target if q.suggestions else None
    return {
        "organization_id": org,
        "sms_message_id": q.sms_id,
        "reason": str(q.reason),
        "detail": q.detail,
        "status": "open",
        "amount": q.amount,
        "currency": q.currency,
        "group_id": top.group_id if top else None,
        "suggestions": json.dumps([s.as_json() for s in q.suggestions]),
        "confident": q.reason not in _NEVER_BULK and is_confident(q.suggestions),
        "suspense_entry_id": entry_id,
    }


async def _mark(session: AsyncSession, org: int, statuses: dict[int, tuple[SmsStatus, int | None]]) -> None:
    ids = sorted(statuses)
    await session.execute(
        _MARK,
        {
            "org": org,
            "ids": ids,
            "statuses": [statuses[i][0].value for i in ids],
            "dups": [statuses[i][1] for i in ids],
        },
    )
