"""Loan money from reconciliation: parked on the loan's receipts account, then applied as a repayment.

Reconciliation posts a matched payment as one two-leg entry to one account per target. For a loan code that
account is `loan:{id}:receipts` (registered in core.payments.allocation.ALLOCATORS); right after the batch posts,
the allocator's settle step moves the receipts into penalties, interest, principal and savings through `repay`.
The settle key is the loan's total ever received, so settling twice, or after a crash, applies each payment once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, TypeVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import Actor
from core.errors import InvalidInput
from core.ledger.chart import AccountSpec, account_ids, open_accounts
from core.ledger.types import AccountPurpose, AccountType
from core.loans.lifecycle import REPAYABLE
from core.loans.models import LoanApplication
from core.loans.repayment import RepaymentResult, repay


class LoanTarget(Protocol):
    @property
    def member_id(self) -> int: ...
    @property
    def loan_id(self) -> int | None: ...


T = TypeVar("T", bound=LoanTarget)
SETTLER = Actor.system("loan_receipts")


def receipts_code(loan_id: int) -> str:
    return f"loan:{loan_id}:receipts"


async def receipts_account(session: AsyncSession, organization_id: int, loan_id: int) -> int:
    """The loan's receipts account (opened on first use). Raises InvalidInput for an unknown loan."""
    loan = await session.get(LoanApplication, loan_id)
    if loan is None or loan.organization_id != organization_id:
        raise InvalidInput(f"loan {loan_id} does not exist here")
    spec = AccountSpec(receipts_code(loan_id), f"Loan {loan.reference} receipts to apply", AccountPurpose.SUSPENSE,
                       AccountType.LIABILITY, member_id=loan.member_id, group_id=loan.group_id, loan_id=loan_id,
                       floor=0)
    found = await account_ids(session, organization_id, [spec.code])
    if spec.code in found:
        return found[spec.code]
    return (await open_accounts(session, organization_id=organization_id, currency=loan.currency, specs=[spec]))[
        spec.code]


async def receipt_accounts(session: AsyncSession, organization_id: int, targets: Sequence[T]) -> dict[T, int]:
    """Allocator hook: the account each loan target's payment is credited to.

    Raises InvalidInput for an unknown loan or one not being repaid (closed, not yet paid out): reconciliation
    then queues the payment for a person (target_refused) instead of parking it silently.
    """
    out: dict[T, int] = {}
    for t in sorted(targets, key=lambda t: t.loan_id or 0):  # one order: no deadlock between batches
        if t.loan_id is None:
            raise InvalidInput("a loan repayment needs a loan")
        loan = await session.get(LoanApplication, t.loan_id)
        if loan is not None and loan.organization_id == organization_id and loan.status not in REPAYABLE:
            raise InvalidInput(f"loan {loan.reference} is {loan.status}: it takes no repayments")
        out[t] = await receipts_account(session, organization_id, t.loan_id)
    return out


_RECEIVED = text(
    "SELECT coalesce(sum(-p.amount) FILTER (WHERE p.amount < 0), 0), coalesce(sum(-p.amount), 0) "
    "FROM ledger_postings p WHERE p.organization_id = :org AND p.account_id = :account"
)


async def settle_receipts(
    session: AsyncSession, organization_id: int, loan_ids: Iterable[int]
) -> list[RepaymentResult]:
    """Apply what waits on each loan's receipts account as a repayment (active loans, and written-off ones as a
    recovery; others keep it parked)."""
    results = []
    for loan_id in sorted(set(loan_ids)):
        loan = await session.get(LoanApplication, loan_id)
        if loan is None or loan.organization_id != organization_id or loan.status not in REPAYABLE:
            continue
        account = await receipts_account(session, organization_id, loan_id)
        received, balance = (await session.execute(_RECEIVED, {"org": organization_id, "account": account})).one()
        if int(balance) <= 0:
            continue
        results.append(await repay(session, organization_id=organization_id, loan_id=loan_id, amount=int(balance),
                                   idempotency_key=f"loan:{loan_id}:settle:{int(received)}", actor=SETTLER,
                                   source_account_id=account))
    return results


async def settle_targets(session: AsyncSession, organization_id: int, targets: Sequence[LoanTarget]) -> None:
    """Allocator settle hook: apply the receipts of the loans just paid."""
    await settle_receipts(session, organization_id, [t.loan_id for t in targets if t.loan_id is not None])
