"""What resolving an exception does to the books and the rows: checks, allocation entries, statuses.

Shared by the one-by-one services (core.payments.exception_resolution) and bulk allocation
(core.payments.exception_bulk); every function works in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import Actor, record
from core.errors import Conflict, DomainError, InvalidInput, NotFound
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
from core.payments.matching_amounts import AmountFit, amount_rules_for, judge_amount
from core.payments.matching_directory import load_groups
from core.payments.matching_types import ExceptionReason, MatchMethod, PaymentFacts, Target
from core.payments.models import SmsMessage, SmsStatus
from core.payments.recon_models import ExceptionStatus, PaymentAllocation, PaymentException, Resolution

__all__ = [
    "Resolved",
    "actor_text",
    "allocate_items",
    "check_targets",
    "load_sms",
    "locked_exception",
    "mark_resolved",
    "payment_facts",
    "require_open",
    "set_sms_status",
    "sms_status_when_open",
    "sole_group",
]


@dataclass(frozen=True, slots=True)
class Resolved:
    """What a resolution did: the ledger entry it posted (None for 'ignored') and the allocation row it made."""

    exception_id: int
    resolution: str
    entry_id: int | None
    allocation_id: int | None = None


def actor_text(actor: Actor) -> str:
    return f"{actor.type}:{actor.id}" if actor.id else actor.type


def sms_status_when_open(reason: str) -> SmsStatus:
    if reason == ExceptionReason.UNPARSED:
        return SmsStatus.UNPARSED
    if reason == ExceptionReason.DUPLICATE:
        return SmsStatus.DUPLICATE
    return SmsStatus.EXCEPTION


async def locked_exception(
    session: AsyncSession, organization_id: int, exception_id: int
) -> PaymentException:
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


def require_open(exc: PaymentException) -> None:
    if exc.status != ExceptionStatus.OPEN:
        raise Conflict(f"exception {exc.id} is already resolved ({exc.resolution}); undo it first")


async def check_targets(
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


async def sole_group(session: AsyncSession, organization_id: int, member_id: int) -> int | None:
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


async def load_sms(session: AsyncSession, ids: Sequence[int]) -> dict[int, SmsMessage]:
    rows = await session.execute(select(SmsMessage).where(SmsMessage.id.in_(list(ids))))
    return {sms.id: sms for sms in rows.scalars()}


def payment_facts(exc: PaymentException, sms: SmsMessage, amount: Money | None) -> PaymentFacts:
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


async def allocate_items(
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
        mark_resolved(exc, Resolution.ALLOCATED, actor, note, entry.id, now)
        exc.resolved_member_id, exc.resolved_group_id, exc.resolved_loan_id = (
            target.member_id,
            target.group_id,
            target.loan_id,
        )
        if exc.suspense_entry_id is None:
            exc.amount, exc.currency = facts.amount, facts.currency
        await session.flush()
        done.append(Resolved(exc.id, Resolution.ALLOCATED.value, entry.id, allocation.id))
    await set_sms_status(session, [exc.sms_message_id for exc, _, _ in items], SmsStatus.ALLOCATED)
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


def mark_resolved(
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
    exc.resolved_by = actor_text(actor)
    exc.resolved_at = now
    exc.attempts = exc.attempts + 1
    exc.updated_at = now


async def set_sms_status(session: AsyncSession, sms_ids: Sequence[int], status: SmsStatus) -> None:
    await session.execute(update(SmsMessage).where(SmsMessage.id.in_(sms_ids)).values(status=status.value))
