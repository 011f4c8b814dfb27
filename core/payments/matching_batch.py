"""One reconciliation batch in the caller's transaction: match claimed SMS, post them, record the outcome.

A few round trips whatever the batch size: directory, amount rules, posted keys, accounts, one ledger call,
one insert per table, one status update, one audit event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import Actor, record
from core.ledger.posting import post_entries
from core.ledger.types import EntryKind, NewEntry
from core.money import Money
from core.payments.allocation import (
    SystemAccounts,
    allocator_for,
    payment_entry,
    payment_key,
    system_accounts,
    target_accounts,
)
from core.payments.matching import Directory, match_payment
from core.payments.matching_amounts import DEFAULT_RULES, AmountVerdict, amount_rules_for, judge_amount
from core.payments.matching_directory import load_directory, load_roster
from core.payments.matching_types import (
    Evidence,
    ExceptionReason,
    Matched,
    MatchMethod,
    PaymentFacts,
    Suggestion,
    Target,
    Unmatched,
)
from core.payments.models import SmsStatus
from core.payments.recon_models import PaymentAllocation, PaymentException
from core.payments.suggest import Roster, is_confident, suggest

__all__ = ["BatchOutcome", "ClaimedSms", "RunContext", "process_batch"]

# Reasons a person must look at even when the top suggestion is clear (the rule or the purpose says so).
_NEVER_BULK = frozenset({ExceptionReason.AMOUNT_MISMATCH, ExceptionReason.LOAN_UNSUPPORTED})

_POSTED = text(
    "SELECT idempotency_key, id, metadata->>'sms_id' FROM ledger_entries "
    "WHERE organization_id = :org AND idempotency_key = ANY(CAST(:keys AS text[]))"
)
_MARK = text(
    "UPDATE sms_messages s SET status = u.status, processed_at = now(), "
    "duplicate_of_id = coalesce(u.dup, s.duplicate_of_id) "
    "FROM unnest(CAST(:ids AS bigint[]), CAST(:statuses AS text[]), CAST(:dups AS bigint[])) AS u(id, status, dup) "
    "WHERE s.id = u.id AND s.organization_id = :org"
)


@dataclass(frozen=True, slots=True)
class ClaimedSms:
    """The columns of a claimed sms_messages row that reconciliation reads."""

    id: int
    status: str
    provider: str | None
    amount: int | None
    currency: str | None
    transaction_id: str | None
    reference: str | None
    counterparty_name: str | None
    counterparty_phone: str | None
    occurred_at: datetime | None
    parse_error: str | None
    duplicate_of_id: int | None


@dataclass(slots=True)
class RunContext:
    """What stays valid across one run's batches: the organization's system accounts and member roster."""

    organization_id: int
    actor: Actor
    system: SystemAccounts | None = None
    roster: Roster | None = None

    async def accounts(self, session: AsyncSession) -> SystemAccounts:
        if self.system is None:
            self.system = await system_accounts(session, self.organization_id)
        return self.system

    async def members(self, session: AsyncSession) -> Roster:
        if self.roster is None:
            self.roster = await load_roster(session, self.organization_id)
        return self.roster

    def forget(self) -> None:
        """Drop cached rows after a rollback (accounts opened in it are gone)."""
        self.system = None
        self.roster = None


@dataclass(slots=True)
class BatchOutcome:
    claimed: int = 0
    allocated: int = 0
    exception: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class _Queued:
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
class _Allocation:
    facts: PaymentFacts
    target: Target
    method: MatchMethod
    verdict: AmountVerdict
    entry: NewEntry


def _facts(organization_id: int, row: ClaimedSms) -> PaymentFacts:
    return PaymentFacts(
        sms_id=row.id,
        organization_id=organization_id,
        amount=row.amount or 0,
        currency=row.currency or "RWF",
        provider=row.provider,
        transaction_id=row.transaction_id,
        reference=row.reference,
        payer_name=row.counterparty_name,
        payer_phone=row.counterparty_phone,
        occurred_at=row.occurred_at,
    )


async def process_batch(
    session: AsyncSession, context: RunContext, rows: Sequence[ClaimedSms]
) -> BatchOutcome:
    """Reconcile claimed rows inside the caller's transaction (which must hold their row locks)."""
    org = context.organization_id
    queued: list[_Queued] = []
    payments: list[PaymentFacts] = []
    for row in rows:
        if row.status == SmsStatus.DUPLICATE:
            detail = (
                f"the same transaction as SMS {row.duplicate_of_id}" if row.duplicate_of_id else "seen before"
            )
            queued.append(
                _Queued(
                    row.id,
                    ExceptionReason.DUPLICATE,
                    detail,
                    SmsStatus.DUPLICATE,
                    row.amount,
                    row.currency,
                    duplicate_of=row.duplicate_of_id,
                )
            )
        elif row.status == SmsStatus.UNPARSED or row.amount is None or row.amount <= 0:
            detail = row.parse_error or "no amount could be read"
            queued.append(
                _Queued(
                    row.id,
                    ExceptionReason.UNPARSED,
                    detail[:300],
                    SmsStatus.UNPARSED,
                    row.amount,
                    row.currency,
                )
            )
        else:
            payments.append(_facts(org, row))
    allocations: list[_Allocation] = []
    if payments:
        allocations = await _plan(session, context, payments, queued)
    return await _write(session, context, rows, allocations, queued)


async def _plan(
    session: AsyncSession, context: RunContext, payments: list[PaymentFacts], queued: list[_Queued]
) -> list[_Allocation]:
    org = context.organization_id
    directory = await load_directory(session, org, payments)
    keys = {p.sms_id: payment_key(p.provider, p.transaction_id, p.sms_id) for p in payments}
    posted = {
        str(k): (int(e), None if s is None else int(s))
        for k, e, s in (
            await session.execute(_POSTED, {"org": org, "keys": sorted(set(keys.values()))})
        )
    }
    seen: dict[str, int] = {}
    matched: list[tuple[PaymentFacts, Matched]] = []
    unmatched: list[tuple[PaymentFacts, Unmatched]] = []
    for p in payments:
        key = keys[p.sms_id]
        if key in posted or key in seen:
            entry_id, first = posted.get(key, (None, seen.get(key)))
            detail = f"transaction {p.transaction_id} was already posted" + (
                f" (entry {entry_id})" if entry_id else ""
            )
            queued.append(
                _Queued(
                    p.sms_id,
                    ExceptionReason.DUPLICATE,
                    detail,
                    SmsStatus.DUPLICATE,
                    p.amount,
                    p.currency,
                    duplicate_of=first,
                )
            )
            continue
        seen[key] = p.sms_id
        outcome = match_payment(p, directory)
        if isinstance(outcome, Matched):
            matched.append((p, outcome))
        else:
            unmatched.append((p, outcome))
    group_ids = {m.target.group_id for _, m in matched if m.target.group_id is not None}
    rules = await amount_rules_for(session, org, group_ids)
    system = await context.accounts(session)
    accepted: list[tuple[PaymentFacts, Matched, AmountVerdict]] = []
    for p, m in matched:
        group = directory.groups.get(m.target.group_id) if m.target.group_id is not None else None
        contribution = group.contribution_amount if group is not None else 0
        group_rules = (
            rules.get(m.target.group_id, DEFAULT_RULES) if m.target.group_id is not None else DEFAULT_RULES
        )
        verdict = judge_amount(Money(p.amount, p.currency), contribution, group_rules)
        if allocator_for(m.target.purpose) is None:
            unmatched.append(
                (
                    p,
                    _parked(
                        directory,
                        m,
                        ExceptionReason.LOAN_UNSUPPORTED,
                        "loan repayments are not yet supported",
                    ),
                )
            )
        elif not verdict.accepted:
            unmatched.append(
                (p, _parked(directory, m, ExceptionReason.AMOUNT_MISMATCH, verdict.detail, verdict))
            )
        else:
            accepted.append((p, m, verdict))
    accounts = await target_accounts(session, org, [m.target for _, m, _ in accepted]) if accepted else {}
    allocations = []
    for p, m, verdict in accepted:
        allocator = allocator_for(m.target.purpose)
        assert allocator is not None
        entry = payment_entry(
            p,
            kind=allocator.kind,
            debit=system.clearing(p.provider),
            credit=accounts[m.target],
            key=keys[p.sms_id],
            actor=context.actor,
            memo=f"{m.method} match: {m.evidence[0].detail}"[:500],
            metadata={**m.target.as_json(), "method": str(m.method), "amount_fit": str(verdict.fit)},
        )
        allocations.append(_Allocation(p, m.target, m.method, verdict, entry))
    if unmatched:
        roster = await context.members(session)
        for p, u in unmatched:
            entry = payment_entry(
                p,
                kind=EntryKind.PAYMENT_RECEIVED,
                debit=system.clearing(p.provider),
                credit=system.suspense,
                key=keys[p.sms_id],
                actor=context.actor,
                memo=f"in suspense: {u.reason}",
                metadata={"reason": str(u.reason)},
            )
            suggestions = suggest(p, u, roster)
            queued.append(
                _Queued(
                    p.sms_id,
                    u.reason,
                    u.detail[:300],
                    SmsStatus.EXCEPTION,
                    p.amount,
                    p.currency,
                    p,
                    suggestions,
                    entry=entry,
                )
            )
    return allocations


def _parked(
    directory: Directory,
    m: Matched,
    reason: ExceptionReason,
    detail: str,
    verdict: AmountVerdict | None = None,
) -> Unmatched:
    """A certain target the money may not go to by itself: the target becomes the top hint for a person."""
    evidence: tuple[Evidence, ...] = m.evidence
    if verdict is not None:
        evidence = (*evidence, Evidence("amount_rule", 0, verdict.detail))
    return Unmatched(reason, detail, (directory.suggestion(m.target, *evidence),))


async def _write(
    session: AsyncSession,
    context: RunContext,
    rows: Sequence[ClaimedSms],
    allocations: list[_Allocation],
    queued: list[_Queued],
) -> BatchOutcome:
    org = context.organization_id
    entries = [a.entry for a in allocations] + [q.entry for q in queued if q.entry is not None]
    stored = {e.idempotency_key: e for e in await post_entries(session, org, entries, audit=False)}
    live: list[_Allocation] = []
    for a in allocations:
        if stored[a.entry.idempotency_key].replayed:  # a concurrent batch posted this transaction first
            queued.append(
                _Queued(
                    a.facts.sms_id,
                    ExceptionReason.DUPLICATE,
                    "transaction posted concurrently",
                    SmsStatus.DUPLICATE,
                    a.facts.amount,
                    a.facts.currency,
                )
            )
        else:
            live.append(a)
    outcome = BatchOutcome(claimed=len(rows), allocated=len(live))
    if live:
        await session.execute(
            insert(PaymentAllocation),
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
        )
    exceptions: list[dict[str, Any]] = []
    for q in queued:
        entry_id = None
        if q.entry is not None:
            posted = stored[q.entry.idempotency_key]
            if posted.replayed:
                q.reason, q.detail, q.sms_status, q.suggestions = (
                    ExceptionReason.DUPLICATE,
                    "transaction posted concurrently",
                    SmsStatus.DUPLICATE,
                    (),
                )
            else:
                entry_id = posted.id
        outcome.exception += 1
        outcome.reasons[str(q.reason)] = outcome.reasons.get(str(q.reason), 0) + 1
        top = q.suggestions[0].target if q.suggestions else None
        exceptions.append(
            {
                "organization_id": org,
                "sms_message_id": q.sms_id,
                "reason": str(q.reason),
                "detail": q.detail,
                "status": "open",
                "amount": q.amount,
                "currency": q.currency,
                "group_id": top.group_id if top else None,
                "suggestions": [s.as_json() for s in q.suggestions],
                "confident": q.reason not in _NEVER_BULK and is_confident(q.suggestions),
                "suspense_entry_id": entry_id,
            }
        )
    if exceptions:
        await session.execute(
            pg_insert(PaymentException).on_conflict_do_nothing(index_elements=["sms_message_id"]), exceptions
        )
    statuses: dict[int, tuple[SmsStatus, int | None]] = {
        a.facts.sms_id: (SmsStatus.ALLOCATED, None) for a in live
    }
    statuses.update({q.sms_id: (q.sms_status, q.duplicate_of) for q in queued})
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
    await record(
        session,
        organization_id=org,
        actor=context.actor,
        action="payments.reconciled",
        object_type="sms_batch",
        object_id=f"{ids[0]}-{ids[-1]}",
        details={"claimed": outcome.claimed, "allocated": outcome.allocated, "exceptions": outcome.reasons},
    )
    return outcome
