"""Resolving one exception: allocate it to a member, refund it, ignore it, or undo a resolution. Audited.

Money waiting in suspense moves to the member's savings (or back out to the clearing account for a refund)
by an entry keyed `exception:{id}:{action}:{attempt}`; undoing reverses that entry and reopens the exception,
so a later resolution gets a fresh key and nothing is counted twice. Bulk allocation: core.payments.exception_bulk.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, update

from core.audit.service import Actor, record
from core.db.database import Database
from core.errors import Conflict, InvalidInput
from core.ledger.operations import reverse_entry
from core.ledger.posting import post_entries
from core.money import Money
from core.payments.allocation import payment_entry, system_accounts
from core.payments.exception_bulk import BulkOutcome, bulk_allocate
from core.payments.exception_posting import (
    Resolved,
    allocate_items,
    check_targets,
    load_sms,
    locked_exception,
    mark_resolved,
    payment_facts,
    require_open,
    set_sms_status,
    sms_status_when_open,
    sole_group,
)
from core.payments.matching_types import Target
from core.payments.recon_models import ExceptionStatus, PaymentAllocation, Resolution

__all__ = [
    "BulkOutcome",
    "Resolved",
    "allocate_exception",
    "bulk_allocate",
    "ignore_exception",
    "refund_exception",
    "undo_resolution",
]


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
        exc = await locked_exception(session, organization_id, exception_id)
        require_open(exc)
        if group_id is None and loan_id is None:
            group_id = await sole_group(session, organization_id, member_id)
        target = Target(
            member_id, group_id, loan_id, "loan_repayment" if loan_id is not None else "contribution"
        )
        refused = await check_targets(session, organization_id, [target])
        if refused:
            raise refused[target]
        facts = payment_facts(
            exc, (await load_sms(session, [exc.sms_message_id]))[exc.sms_message_id], amount
        )
        return (
            await allocate_items(session, organization_id, [(exc, target, facts)], actor=actor, note=note)
        )[0]


async def refund_exception(
    db: Database, organization_id: int, exception_id: int, *, actor: Actor, note: str
) -> Resolved:
    """Record that the money was sent back to the payer: it leaves suspense for the clearing account.

    Raises NotFound, Conflict (already resolved, or no money in suspense to refund), InvalidInput (no note).
    """
    if not note.strip():
        raise InvalidInput("say why the money is refunded")
    async with db.tenant(organization_id) as session:
        exc = await locked_exception(session, organization_id, exception_id)
        require_open(exc)
        if exc.suspense_entry_id is None:
            raise Conflict("this SMS moved no money: there is nothing to refund")
        facts = payment_facts(exc, (await load_sms(session, [exc.sms_message_id]))[exc.sms_message_id], None)
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
        mark_resolved(exc, Resolution.REFUNDED, actor, note, posted.id, datetime.now(UTC))
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
        exc = await locked_exception(session, organization_id, exception_id)
        require_open(exc)
        if exc.suspense_entry_id is not None:
            raise Conflict("money from this payment is in suspense: allocate or refund it")
        mark_resolved(exc, Resolution.IGNORED, actor, reason, None, datetime.now(UTC))
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
        exc = await locked_exception(session, organization_id, exception_id)
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
        await set_sms_status(session, [exc.sms_message_id], sms_status_when_open(exc.reason))
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
