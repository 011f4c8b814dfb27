"""Repayments: split money over instalments (penalties -> interest -> principal by default), post it, close the loan.

Allocation walks instalments oldest first and, within each, the product's component order; money beyond what is
due now pays future instalments (early repayment). Whatever is left after the whole loan goes to the member's
savings in the loan's group. Ledger entry (idempotent on the caller's key): debit the source (a clearing account,
or the loan's receipts account for money reconciliation parked there); credit the loan's interest receivable with
penalties (charged there when late), interest income with interest (cash basis), principal receivable with
principal, and savings with any overpayment. Paying a declining-balance loan off early waives the interest of
periods not yet started (core.loans.payoff). On a written-off loan (core.loans.writeoff) the receivables are
gone from the books: the money is a recovery, credited to recoveries income, while the schedule still records
what the member paid of what they owe.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import Actor, record
from core.errors import InvalidInput, NotFound
from core.ledger.chart import (
    SystemAccount,
    ensure_loan_accounts,
    ensure_member_savings_account,
    system_account_id,
)
from core.ledger.posting import post_entry
from core.ledger.types import EntryKind, PostingSpec
from core.loans.guarantors import release_guarantees
from core.loans.lifecycle import REPAYABLE, check_move, move
from core.loans.models import LoanApplication, LoanInstalment
from core.loans.models import LoanApplicationStatus as S
from core.loans.payoff import quote
from core.loans.products import COMPONENTS, product_terms
from core.money import Money


@dataclass(frozen=True, slots=True)
class Dues:
    """What one instalment still owes, by component."""

    number: int
    penalty: int
    interest: int
    principal: int


@dataclass(frozen=True, slots=True)
class Split:
    number: int
    penalty: int
    interest: int
    principal: int

    @property
    def total(self) -> int:
        return self.penalty + self.interest + self.principal


@dataclass(frozen=True, slots=True)
class Allocation:
    splits: tuple[Split, ...]
    overpayment: int

    def component(self, name: str) -> int:
        return sum(int(getattr(s, name)) for s in self.splits)


def allocate(dues: Sequence[Dues], amount: int, order: Sequence[str] = COMPONENTS) -> Allocation:
    """Pure: spread `amount` over instalments oldest first, components in `order`; the rest is overpayment."""
    if amount <= 0:
        raise InvalidInput("a repayment must be positive")
    if sorted(order) != sorted(COMPONENTS):
        raise InvalidInput("the order names penalty, interest and principal once each")
    left = amount
    splits = []
    for due in sorted(dues, key=lambda d: d.number):
        paid = dict.fromkeys(COMPONENTS, 0)
        for name in order:
            take = min(left, int(getattr(due, name)))
            paid[name], left = take, left - take
        if any(paid.values()):
            splits.append(Split(due.number, paid["penalty"], paid["interest"], paid["principal"]))
        if not left:
            break
    return Allocation(tuple(splits), left)


@dataclass(frozen=True, slots=True)
class RepaymentResult:
    loan_id: int
    entry_id: int
    allocation: Allocation
    outstanding_after: int
    closed: bool
    replayed: bool = False


_ENTRY_BY_KEY = text("SELECT id FROM ledger_entries WHERE organization_id = :org AND idempotency_key = :key")


async def instalments(session: AsyncSession, organization_id: int, loan_id: int, *, lock: bool = False
                      ) -> list[LoanInstalment]:
    query = select(LoanInstalment).where(LoanInstalment.organization_id == organization_id,
                                         LoanInstalment.loan_id == loan_id).order_by(LoanInstalment.number)
    return list((await session.execute(query.with_for_update() if lock else query)).scalars())


async def repay(
    session: AsyncSession,
    *,
    organization_id: int,
    loan_id: int,
    amount: int,
    idempotency_key: str,
    actor: Actor,
    source_account_id: int | None = None,
    on: date | None = None,
) -> RepaymentResult:
    """Apply a repayment to an active loan; closes it (releasing guarantor holds) when nothing is left owing.
    On a written-off loan it is a recovery (see the module's note); the loan stays written off.

    Idempotent on `idempotency_key` (a second call changes nothing). Raises NotFound, IllegalTransition (the
    loan is not active), InvalidInput (non-positive amount), and the ledger's errors.
    """
    loan = (await session.execute(select(LoanApplication).where(
        LoanApplication.id == loan_id, LoanApplication.organization_id == organization_id).with_for_update())
    ).scalar_one_or_none()
    if loan is None:
        raise NotFound(f"loan {loan_id} does not exist here")
    previous = (await session.execute(_ENTRY_BY_KEY, {"org": organization_id, "key": idempotency_key})).scalar()
    rows = await instalments(session, organization_id, loan.id, lock=True)
    if previous is not None:
        owing = sum(r.outstanding for r in rows)
        return RepaymentResult(loan.id, int(previous), Allocation((), 0), owing, loan.status == S.CLOSED, True)
    recovering = loan.status == S.WRITTEN_OFF
    if loan.status not in REPAYABLE:
        check_move(loan, S.CLOSED)  # raises: only an active (or written-off) loan takes repayments
    terms = await product_terms(session, organization_id, loan.product_id, loan.currency)
    day = on or datetime.now(UTC).date()
    payoff, waivable = quote(rows, loan.disbursed_on or day, day, terms.interest_method)
    if waivable and amount >= payoff and not recovering:  # early settlement: interest not yet begun is not owed
        for row in rows:
            row.interest_due -= waivable.get(row.number, 0)
        await record(session, organization_id=organization_id, actor=actor, action="loan.interest_waived",
                     object_type="loan_application", object_id=loan.id,
                     details={"amount": sum(waivable.values()), "on": day.isoformat(), "why": "early settlement"})
    dues = [Dues(r.number, r.penalty_due - r.penalty_paid, r.interest_due - r.interest_paid,
                 r.principal_due - r.principal_paid) for r in rows]
    plan = allocate(dues, amount, terms.allocation_order)
    cur = loan.currency
    accounts = await ensure_loan_accounts(session, organization_id, loan_id=loan.id, member_id=loan.member_id,
                                          group_id=loan.group_id, currency=cur)
    source = source_account_id or await system_account_id(session, organization_id, SystemAccount.MTN_CLEARING)
    legs = [PostingSpec.debit(source, Money(amount, cur))]
    if recovering:  # the receivables were written off: everything owed that comes in is a recovery
        if recovered := amount - plan.overpayment:
            recoveries = await system_account_id(session, organization_id, SystemAccount.RECOVERIES)
            legs.append(PostingSpec.credit(recoveries, Money(recovered, cur)))
    else:
        for part, account in (
            ("penalty", accounts.interest_id),
            ("interest", await system_account_id(session, organization_id, SystemAccount.INTEREST_INCOME)),
            ("principal", accounts.principal_id),
        ):
            if value := plan.component(part):
                legs.append(PostingSpec.credit(account, Money(value, cur)))
    if plan.overpayment:
        savings = (await ensure_member_savings_account(session, organization_id, loan.member_id, loan.group_id)
                   if loan.group_id is not None
                   else await system_account_id(session, organization_id, SystemAccount.SUSPENSE))
        legs.append(PostingSpec.credit(savings, Money(plan.overpayment, cur)))
    entry = await post_entry(
        session, organization_id=organization_id,
        kind=EntryKind.LOAN_RECOVERY if recovering else EntryKind.LOAN_REPAYMENT, postings=legs,
        idempotency_key=idempotency_key, actor=actor,
        memo=f"{'recovery on written-off' if recovering else 'repayment of'} loan {loan.reference}",
        metadata={"loan_id": loan.id, "member_id": loan.member_id, "penalty": plan.component("penalty"),
                  "interest": plan.component("interest"), "principal": plan.component("principal"),
                  "overpayment": plan.overpayment}, audit=False,
    )
    by_number = {r.number: r for r in rows}
    for s in plan.splits:
        row = by_number[s.number]
        row.penalty_paid += s.penalty
        row.interest_paid += s.interest
        row.principal_paid += s.principal
        if row.outstanding == 0:
            row.paid_on, row.overdue = day, False
    owing = sum(r.outstanding for r in rows)
    await record(session, organization_id=organization_id, actor=actor,
                 action="loan.recovery" if recovering else "loan.repayment",
                 object_type="loan_application", object_id=loan.id,
                 details={"entry_id": entry.id, "amount": amount, "outstanding": owing})
    if owing == 0 and not recovering:
        await close_loan(session, loan, actor=actor)
    return RepaymentResult(loan.id, entry.id, plan, owing, owing == 0 and not recovering)


async def close_loan(session: AsyncSession, loan: LoanApplication, *, actor: Actor) -> None:
    """Mark a fully repaid loan closed and release its guarantors' holds (audited)."""
    loan.closed_at = datetime.now(UTC)
    await move(session, loan, S.CLOSED, actor=actor)
    await release_guarantees(session, loan.organization_id, loan.id, actor=actor)
