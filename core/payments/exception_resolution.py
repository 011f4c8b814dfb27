"""Resolving exceptions: allocate to a member, refund, ignore, undo; one by one or in bulk. Audited, via the ledger.

Money waiting in suspense moves to the member's savings (or back out to the clearing account for a refund)
by an entry keyed `exception:{id}:{action}:{attempt}`; undoing reverses that entry and reopens the exception,
so a later resolution gets a fresh key and nothing is counted twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import Actor, record
from core.db.database import Database
from core.errors import Conflict, DomainError, InvalidInput, NotFound
from core.ledger.operations import reverse_entry
from core.ledger.posting import post_entries
from core.ledger.types import EntryKind, NewEntry
from core.members.models import GroupMembership, Member
from core.money import Money
from core.payments.allocation import (
    LoanRepaymentsUnsupported,
    allocator_for,
    payment_entry,
    system_accounts,
    target_accounts,
)
from core.payments.exception_queue import ExceptionFilter, apply_filter
from core.payments.matching_accounts import credit_accounts
from core.payments.matching_amounts import AmountFit, amount_rules_for, judge_amount
from core.payments.matching_directory import load_groups
from core.payments.matching_types import ExceptionReason, MatchMethod, PaymentFacts, Suggestion, Target
from core.payments.models import SmsMessage, SmsStatus
from core.payments.recon_models import ExceptionStatus, PaymentAllocation, PaymentException, Resolution

__all__ = [
    "BulkOutcome",
    "Resolved",
    "allocate_exception",
    "bulk_allocate",
    "ignore_exception",
    "refund_exception",
    "undo_resolution",
]

MAX_BULK = 500


@dataclass(frozen=True, slots=True)
class Resolved:
    """What a resolution did: the ledger entry it posted (None for 'ignored') and the allocation row it made."""

    exception_id: int
    resolution: str
    entry_id: int | None
    allocation_id: int | None = None


@dataclass(frozen=True, slots=True)
class BulkOutcome:
    allocated: tuple[Resolved, ...]
    skipped: dict[int, str] = field(default_factory=dict)  # exception id -> why it was left for a person


def _actor_text(actor: Actor) -> str:
    return f"{actor.type}:{actor.id}" if actor.id else actor.type


def _sms_status_when_open(reason: str) -> SmsStatus:
    if reason == ExceptionReason.UNPARSED:
        return SmsStatus.UNPARSED
    if reason == ExceptionReason.DUPLICATE:
        return SmsStatus.DUPLICATE
    return SmsStatus.EXCEPTION


async def _locked(session: AsyncSession, organization_id: int, exception_id: int) -> PaymentException:
    exc = (
        await session.execute(
            select(PaymentException)
            .where(PaymentException.id == exception_id, PaymentException.organization_id == organization_id)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if exc is None:
        raise NotFound(f"exception {exception_id} does not exist here")
    return exc


def _require_open(exc: PaymentException) -> None:
    if exc.status != ExceptionStatus.OPEN:
        raise Conflict(f"exception {exc.id} is already resolved ({exc.resolution}); undo it first")


async def _check_targets(
    session: AsyncSession, organization_id: int, targets: Sequence[Target]
) -> dict[Target, DomainError]:
    """Why each target is refused (member not this organization's, not in the group, a loan); empty if fine."""
    members = {t.member_id for t in targets}
    found = set(
        (
            await session.execute(
                select(Member.id).where(Member.organization_id == organization_id, Member.id.in_(members))
            )
        ).scalars()
    )
    pairs = {(t.member_id, t.group_id) for t in targets if t.group_id is not None}
    belongs: set[tuple[int, int]] = set()
    if pairs:
        rows = await session.execute(
            select(GroupMembership.member_id, GroupMembership.group_id).where(
                GroupMembership.organization_id == organization_id,
                GroupMembership.member_id.in_({m for m, _ in pairs}),
                GroupMembership.group_id.in_({g for _, g in pairs}),
            )
        )
        belongs = {(int(m), int(g)) for m, g in rows}
    refused: dict[Target, DomainError] = {}
    for t in targets:
        if t.member_id not in found:
            refused[t] = NotFound(f"member {t.member_id} does not exist here")
        elif allocator_for(t.purpose) is None:
            refused[t] = LoanRepaymentsUnsupported("loan repayments are not yet supported")
        elif t.group_id is None and t.loan_id is None:
            refused[t] = InvalidInput("choose the group the money is for")
        elif t.group_id is not None and (t.member_id, t.group_id) not in belongs:
            refused[t] = NotFound(f"member {t.member_id} is not in group {t.group_id} here")
    return refused


async def _sole_group(session: AsyncSession, organization_id: int, member_id: int) -> int | None:
    groups = list(
        (
            await session.execute(
                select(GroupMembership.group_id).where(
                    GroupMembership.organization_id == organization_id,
                    GroupMembership.member_id == member_id,
                    GroupMembership.left_on.is_(None),
                )
            )
        ).scalars()
    )
    return groups[0] if len(groups) == 1 else None


async def _sms(session: AsyncSession, ids: Sequence[int]) -> dict[int, SmsMessage]:
    rows = await session.execute(select(SmsMessage).where(SmsMessage.id.in_(list(ids))))
    return {sms.id: sms for sms in rows.scalars()}


def _facts(exc: PaymentException, sms: SmsMessage, amount: Money | None) -> PaymentFacts:
    """The payment to move: the amount in suspense, or for an SMS that moved no money the amount a person read."""
    if exc.suspense_entry_id is not None:
        if amount is not None and (amount.amount != exc.amount or amount.currency != exc.currency):
            raise InvalidInput(
                f"the payment is {Money(exc.amount or 0, exc.currency or 'RWF')}; it cannot be split"
            )
        value = Money(exc.amount or 0, exc.currency or "RWF")
    elif exc.reason == ExceptionReason.DUPLICATE:
        raise Conflict("a duplicate SMS moved no money: ignore it")
    elif amount is None or not amount.is_positive:
        raise InvalidInput("this SMS was not read: say how much money it brought")
    else:
        value = amount
    return PaymentFacts(
        sms.id,
        exc.organization_id,
        value.amount,
        value.currency,
        sms.provider,
        sms.transaction_id,
        sms.reference,
        sms.counterparty_name,
        sms.counterparty_phone,
        sms.occurred_at,
    )


async def _allocate(
    session: AsyncSession,
    organization_id: int,
    items: Sequence[tuple[PaymentException, Target, PaymentFacts]],
    *,
    actor: Actor,
    note: str,
) -> list[Resolved]:
    """Post every item's allocation in one ledger call and record it; targets must be checked already."""
    system = await system_accounts(session, organization_id)
    accounts = await target_accounts(session, organization_id, [t for _, t, _ in items])
    groups = await load_groups(session, organization_id, {t.group_id for _, t, _ in items if t.group_id})
    rules = await amount_rules_for(session, organization_id, groups)
    entries: list[NewEntry] = []
    for exc, target, facts in items:
        source = system.suspense if exc.suspense_entry_id is not None else system.clearing(facts.provider)
        entries.append(
            payment_entry(
                facts,
                kind=EntryKind.ALLOCATION if exc.suspense_entry_id is not None else EntryKind.CONTRIBUTION,
                debit=source,
                credit=accounts[target],
                key=f"exception:{exc.id}:allocate:{exc.attempts + 1}",
                actor=actor,
                memo=(note or f"exception {exc.id} ({exc.reason}) allocated")[:500],
                metadata={**target.as_json(), "exception_id": exc.id, "method": MatchMethod.MANUAL.value},
            )
        )
    posted = await post_entries(session, organization_id, entries, audit=False)
    now = datetime.now(UTC)
    done: list[Resolved] = []
    for (exc, target, facts), entry in zip(items, posted, strict=True):
        group = groups.get(target.group_id) if target.group_id is not None else None
        fit = (
            judge_amount(Money(facts.amount, facts.currency), group.contribution_amount, rules[group.id]).fit
            if group is not None
            else AmountFit.UNSCHEDULED
        )
        allocation = PaymentAllocation(
            organization_id=organization_id,
            sms_message_id=exc.sms_message_id,
            member_id=target.member_id,
            group_id=target.group_id,
            loan_id=target.loan_id,
            amount=facts.amount,
            currency=facts.currency,
            method=MatchMethod.MANUAL.value,
            amount_fit=fit.value,
            entry_id=entry.id,
            exception_id=exc.id,
        )
        session.add(allocation)
        _resolve(exc, Resolution.ALLOCATED, actor, note, entry.id, now)
        exc.resolved_member_id, exc.resolved_group_id, exc.resolved_loan_id = (
            target.member_id,
            target.group_id,
            target.loan_id,
        )
        if exc.suspense_entry_id is None:
            exc.amount, exc.currency = facts.amount, facts.currency
        await session.flush()
        done.append(Resolved(exc.id, Resolution.ALLOCATED.value, entry.id, allocation.id))
    await _set_sms_status(session, [exc.sms_message_id for exc, _, _ in items], SmsStatus.ALLOCATED)
    for (exc, target, facts), result in zip(items, done, strict=True):
        await record(
            session,
            organization_id=organization_id,
            actor=actor,
            action="payments.exception_allocated",
            object_type="payment_exception",
            object_id=exc.id,
            details={
                **target.as_json(),
                "amount": facts.amount,
                "currency": facts.currency,
                "entry_id": result.entry_id,
                "note": note,
            },
        )
    return done


def _resolve(
    exc: PaymentException,
    resolution: Resolution,
    actor: Actor,
    note: str,
    entry_id: int | None,
    now: datetime,
) -> None:
    exc.status = ExceptionStatus.RESOLVED.value
    exc.resolution = resolution.value
    exc.resolution_note = note or None
    exc.resolution_entry_id = entry_id
    exc.resolved_by = _actor_text(actor)
    exc.resolved_at = now
    exc.attempts = exc.attempts + 1
    exc.updated_at = now


async def _set_sms_status(session: AsyncSession, sms_ids: Sequence[int], status: SmsStatus) -> None:
    await session.execute(update(SmsMessage).where(SmsMessage.id.in_(sms_ids)).values(status=status.value))


async def allocate_exception(
    db: Database,
    organization_id: int,
    exception_id: int,
    *,
    member_id: int,
    actor: Actor,
    group_id: int | None = None,
    loan_id: int | None = None,
    amount: Money | None = None,
    note: str = "",
) -> Resolved:
    """Credit the payment to a member's savings in a group (the member's only group when none is named).

    Money in suspense moves to savings; for an unparsed SMS (no money moved yet) a person gives the amount
    and it comes from the clearing account. Raises NotFound (no such exception, member or group here),
    Conflict (already resolved, or a duplicate), InvalidInput (no group chosen, member not in the group,
    wrong amount), LoanRepaymentsUnsupported for a loan.
    """
    async with db.tenant(organization_id) as session:
        exc = await _locked(session, organization_id, exception_id)
        _require_open(exc)
        if group_id is None and loan_id is None:
            group_id = await _sole_group(session, organization_id, member_id)
        target = Target(
            member_id, group_id, loan_id, "loan_repayment" if loan_id is not None else "contribution"
        )
        refused = await _check_targets(session, organization_id, [target])
        if refused:
            raise refused[target]
        facts = _facts(exc, (await _sms(session, [exc.sms_message_id]))[exc.sms_message_id], amount)
        return (await _allocate(session, organization_id, [(exc, target, facts)], actor=actor, note=note))[0]


async def refund_exception(
    db: Database, organization_id: int, exception_id: int, *, actor: Actor, note: str
) -> Resolved:
    """Record that the money was sent back to the payer: it leaves suspense for the clearing account.

    Raises NotFound, Conflict (already resolved, or no money in suspense to refund), InvalidInput (no note).
    """
    if not note.strip():
        raise InvalidInput("say why the money is refunded")
    async with db.tenant(organization_id) as session:
        exc = await _locked(session, organization_id, exception_id)
        _require_open(exc)
        if exc.suspense_entry_id is None:
            raise Conflict("this SMS moved no money: there is nothing to refund")
        facts = _facts(exc, (await _sms(session, [exc.sms_message_id]))[exc.sms_message_id], None)
        system = await system_accounts(session, organization_id)
        entry = payment_entry(
            facts,
            kind="refund",
            debit=system.suspense,
            credit=system.clearing(facts.provider),
            key=f"exception:{exc.id}:refund:{exc.attempts + 1}",
            actor=actor,
            memo=note[:500],
            metadata={"exception_id": exc.id},
            effective_at=datetime.now(UTC),
        )
        posted = (await post_entries(session, organization_id, [entry], audit=False))[0]
        _resolve(exc, Resolution.REFUNDED, actor, note, posted.id, datetime.now(UTC))
        await record(
            session,
            organization_id=organization_id,
            actor=actor,
            action="payments.exception_refunded",
            object_type="payment_exception",
            object_id=exc.id,
            details={"amount": facts.amount, "currency": facts.currency, "entry_id": posted.id, "note": note},
        )
        return Resolved(exc.id, Resolution.REFUNDED.value, posted.id)


async def ignore_exception(
    db: Database, organization_id: int, exception_id: int, *, actor: Actor, reason: str
) -> Resolved:
    """Close an exception that moved no money (an unparsed or duplicate SMS), saying why.

    Raises NotFound, Conflict (already resolved, or money waits in suspense: allocate or refund it),
    InvalidInput (no reason).
    """
    if not reason.strip():
        raise InvalidInput("say why the exception is ignored")
    async with db.tenant(organization_id) as session:
        exc = await _locked(session, organization_id, exception_id)
        _require_open(exc)
        if exc.suspense_entry_id is not None:
            raise Conflict("money from this payment is in suspense: allocate or refund it")
        _resolve(exc, Resolution.IGNORED, actor, reason, None, datetime.now(UTC))
        await record(
            session,
            organization_id=organization_id,
            actor=actor,
            action="payments.exception_ignored",
            object_type="payment_exception",
            object_id=exc.id,
            details={"reason": reason},
        )
        return Resolved(exc.id, Resolution.IGNORED.value, None)


async def undo_resolution(
    db: Database, organization_id: int, exception_id: int, *, actor: Actor, reason: str
) -> Resolved:
    """Reverse a resolution's ledger entry (if any) and reopen the exception; returns the reversal entry.

    Raises NotFound, Conflict (the exception is open), InvalidInput (no reason), InsufficientFunds (the
    member has already withdrawn the money the allocation gave them).
    """
    if not reason.strip():
        raise InvalidInput("say why the resolution is undone")
    async with db.tenant(organization_id) as session:
        exc = await _locked(session, organization_id, exception_id)
        if exc.status != ExceptionStatus.RESOLVED:
            raise Conflict(f"exception {exception_id} is open: there is nothing to undo")
        reversal_id = None
        if exc.resolution_entry_id is not None:
            reversal = await reverse_entry(
                session, organization_id, exc.resolution_entry_id, reason=reason, actor=actor
            )
            reversal_id = reversal.id
            await session.execute(
                update(PaymentAllocation)
                .where(
                    PaymentAllocation.entry_id == exc.resolution_entry_id,
                    PaymentAllocation.reversed_at.is_(None),
                )
                .values(reversed_at=func.now(), reversal_entry_id=reversal_id)
            )
        undone = exc.resolution
        exc.status, exc.resolution, exc.resolution_note, exc.resolution_entry_id = "open", None, None, None
        exc.resolved_member_id = exc.resolved_group_id = exc.resolved_loan_id = None
        exc.resolved_by, exc.resolved_at, exc.updated_at = None, None, datetime.now(UTC)
        await session.flush()
        await _set_sms_status(session, [exc.sms_message_id], _sms_status_when_open(exc.reason))
        await record(
            session,
            organization_id=organization_id,
            actor=actor,
            action="payments.exception_reopened",
            object_type="payment_exception",
            object_id=exc.id,
            details={"undone": undone, "reversal_entry_id": reversal_id, "reason": reason},
        )
        return Resolved(exc.id, "reopened", reversal_id)


async def bulk_allocate(
    db: Database,
    organization_id: int,
    *,
    actor: Actor,
    exception_ids: Sequence[int] | None = None,
    f: ExceptionFilter | None = None,
    limit: int = 200,
    note: str = "bulk: top suggestion",
) -> BulkOutcome:
    """Allocate open exceptions to their top suggestion where it is clearly ahead (`confident`), in one go.

    Either the given ids or those matching the filter (at most `limit`, at most 500). The rest are skipped
    with the reason, for a person; rows another console holds are skipped too.
    """
    if not 1 <= limit <= MAX_BULK:
        raise InvalidInput(f"allocate 1 to {MAX_BULK} exceptions at a time")
    query = apply_filter(select(PaymentException), organization_id, f or ExceptionFilter())
    query = query.where(PaymentException.status == ExceptionStatus.OPEN.value)
    if exception_ids is not None:
        query = query.where(PaymentException.id.in_(list(exception_ids)))
    async with db.tenant(organization_id) as session:
        rows = list(
            (
                await session.execute(
                    query.order_by(PaymentException.id).limit(limit).with_for_update(skip_locked=True)
                )
            ).scalars()
        )
        skipped: dict[int, str] = {}
        if exception_ids is not None:
            seen = {r.id for r in rows}
            skipped.update(
                {i: "not open here (or held by someone else)" for i in exception_ids if i not in seen}
            )
        chosen: list[tuple[PaymentException, Target]] = []
        for exc in rows:
            if not exc.confident or not exc.suggestions or exc.suspense_entry_id is None:
                skipped[exc.id] = "no suggestion is clearly ahead: a person decides"
                continue
            chosen.append((exc, Suggestion.from_json(exc.suggestions[0]).target))
        refused = await _check_targets(session, organization_id, [t for _, t in chosen]) if chosen else {}
        _, refusing = await credit_accounts(session, organization_id, [t for _, t in chosen if t not in refused])
        refused.update(refusing)
        messages = await _sms(session, [exc.sms_message_id for exc, _ in chosen])
        items = []
        for exc, target in chosen:
            if target in refused:
                skipped[exc.id] = refused[target].message
            else:
                items.append((exc, target, _facts(exc, messages[exc.sms_message_id], None)))
        done = await _allocate(session, organization_id, items, actor=actor, note=note) if items else []
        return BulkOutcome(tuple(done), skipped)
