"""Write-off: the SACCO stops counting a loan it no longer expects to collect as an asset.

A loan may be written off once its oldest unpaid instalment is WRITE_OFF_AFTER_DAYS late (the "loss" class of
microfinance loan classification), by a staff member with loans.approve who neither recorded nor approved it
(maker-checker: whoever lent the money does not also make the loss disappear), with a reason.

Entry (one, idempotent on `loan:{id}:write_off`), from the ledger's own balances, so the receivables end at zero:
debit loan losses (an expense) with the principal receivable, and penalty income with the unpaid penalties
charged to the interest receivable (income counted that never came in); credit both receivables. Interest is
cash-basis, so unpaid interest was never on the books and is only recorded. Money waiting on the loan's receipts
account is applied first. The guarantors' holds are released: the SACCO absorbs the loss. The member still owes
the schedule's outstanding amount; what they pay later is a recovery (core.loans.repayment).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict, DomainError, InvalidInput
from core.identity.permissions import Permission, StaffPrincipal, requires
from core.ledger.balances import account_balance
from core.ledger.chart import SystemAccount, ensure_loan_accounts, system_account_id
from core.ledger.posting import post_entry
from core.ledger.types import EntryKind, PostingSpec
from core.loans.errors import IllegalTransition, MakerCheckerViolation
from core.loans.guarantors import release_guarantees
from core.loans.lifecycle import check_move, move
from core.loans.models import LoanApplication, LoanInstalment
from core.loans.models import LoanApplicationStatus as S
from core.loans.receipts import settle_receipts
from core.loans.repayment import instalments
from core.loans.review import get_loan
from core.money import Money

WRITE_OFF_AFTER_DAYS = 90


@dataclass(frozen=True, slots=True)
class WriteOff:
    loan_id: int
    entry_id: int
    principal: int  # moved to loan losses
    penalties: int  # taken back out of penalty income
    interest_forgone: int  # unpaid scheduled interest (never on the books: cash basis)
    days_late: int


def days_late(rows: list[LoanInstalment], day: date) -> int:
    """How late the oldest unpaid instalment is on `day` (0 when nothing is due and unpaid)."""
    unpaid = [r.due_on for r in rows if r.outstanding > 0 and r.due_on < day]
    return (day - min(unpaid)).days if unpaid else 0


def write_off_refusal(loan: LoanApplication, rows: list[LoanInstalment], principal: StaffPrincipal,
                      day: date) -> DomainError | None:  # fmt: skip
    """Why this person may not write this loan off today, or None (the console offers the form only then)."""
    if loan.status != S.ACTIVE:
        return IllegalTransition(f"loan {loan.reference} is {loan.status}: only an active loan is written off")
    if principal.staff_user_id in (loan.recorded_by_staff_id, loan.edited_by_staff_id, loan.decided_by_staff_id):
        return MakerCheckerViolation("you recorded or approved this loan; another officer must write it off")
    late = days_late(rows, day)
    if late < WRITE_OFF_AFTER_DAYS:
        return Conflict(f"loan {loan.reference} is {late} days late; a loan is written off after "
                        f"{WRITE_OFF_AFTER_DAYS}")  # fmt: skip
    return None


@requires(Permission.LOANS_APPROVE)
async def write_off(session: AsyncSession, *, principal: StaffPrincipal, organization_id: int, loan_id: int,
                    reason: str, on: date | None = None) -> WriteOff:  # fmt: skip
    """Write an active loan off (see the module's note). Raises InvalidInput (no reason), NotFound,
    MakerCheckerViolation, Conflict (not late enough), IllegalTransition (not active), PermissionDenied."""
    reason = reason.strip()
    if len(reason) < 5:
        raise InvalidInput("say why the loan is written off")
    day = on or datetime.now(UTC).date()
    loan = await get_loan(session, organization_id, loan_id, lock=True)
    check_move(loan, S.WRITTEN_OFF)
    await settle_receipts(session, organization_id, [loan.id])  # money already in counts first (may close it)
    rows = await instalments(session, organization_id, loan.id, lock=True)
    if (refusal := write_off_refusal(loan, rows, principal, day)) is not None:
        raise refusal
    accounts = await ensure_loan_accounts(session, organization_id, loan_id=loan.id, member_id=loan.member_id,
                                          group_id=loan.group_id, currency=loan.currency)  # fmt: skip
    owed = (await account_balance(session, organization_id, accounts.principal_id)).amount
    charges = (await account_balance(session, organization_id, accounts.interest_id)).amount
    legs = []
    for amount, expense, receivable in (
        (owed, SystemAccount.LOAN_LOSSES, accounts.principal_id),
        (charges, SystemAccount.PENALTY_INCOME, accounts.interest_id),
    ):
        if amount:
            money = Money(amount, loan.currency)
            legs += [PostingSpec.debit(await system_account_id(session, organization_id, expense), money),
                     PostingSpec.credit(receivable, money)]  # fmt: skip
    if not legs:
        raise Conflict(f"loan {loan.reference} has nothing left on the books to write off")
    forgone = sum(r.interest_due - r.interest_paid for r in rows)
    late = days_late(rows, day)
    entry = await post_entry(
        session, organization_id=organization_id, kind=EntryKind.LOAN_WRITE_OFF, postings=legs,
        idempotency_key=f"loan:{loan.id}:write_off", actor=principal.actor, memo=f"loan {loan.reference} written off",
        metadata={"loan_id": loan.id, "member_id": loan.member_id, "principal": owed, "penalties": charges,
                  "interest_forgone": forgone, "days_late": late}, audit=False,
    )  # fmt: skip
    loan.written_off_at, loan.write_off_reason = datetime.now(UTC), reason
    await move(session, loan, S.WRITTEN_OFF, actor=principal.actor, details={
        "entry_id": entry.id, "principal": owed, "penalties": charges, "interest_forgone": forgone,
        "days_late": late, "reason": reason, "on": day.isoformat(),
    })  # fmt: skip
    await release_guarantees(session, organization_id, loan.id, actor=principal.actor)
    return WriteOff(loan.id, entry.id, owed, charges, forgone, late)
