"""Turning matched payments into ledger entries: which accounts, which key, and one allocator per code purpose.

A received payment is posted once under the key `momo:{provider}:{transaction id}` (or `sms:{id}` when the SMS
carries none): to the member's account when it is matched, else to suspense. Either way the key is the same,
so the ledger itself refuses to count one mobile-money transaction twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import Actor
from core.errors import InvalidInput
from core.ledger.chart import SystemAccount, account_ids, ensure_member_savings_accounts, savings_code
from core.ledger.types import EntryKind, NewEntry, PostingSpec
from core.loans.receipts import receipt_accounts, settle_targets
from core.money import Money
from core.payments.matching_types import PaymentFacts, Target
from core.payments.models import CodePurpose
from core.payments.sms.types import SmsProvider

__all__ = [
    "ALLOCATORS",
    "Allocator",
    "LoanRepaymentsUnsupported",
    "SystemAccounts",
    "allocator_for",
    "clearing_for",
    "payment_entry",
    "payment_key",
    "settle_allocated",
    "system_accounts",
    "target_accounts",
]

RECONCILER = Actor.system("reconciler")
CreditAccounts = Callable[[AsyncSession, int, Sequence[Target]], Awaitable[dict[Target, int]]]
Settle = Callable[[AsyncSession, int, Sequence[Target]], Awaitable[None]]


class LoanRepaymentsUnsupported(InvalidInput):
    """Money for a loan cannot be allocated yet: loans are a later issue."""

    code = "loan_repayments_unsupported"


@dataclass(frozen=True, slots=True)
class Allocator:
    """How money for one code purpose reaches the ledger: the entry kind and the accounts it credits."""

    kind: str
    credit_accounts: CreditAccounts
    settle: Settle | None = None  # after the batch posted: e.g. loans split receipts into their components


async def _savings_accounts(
    session: AsyncSession, organization_id: int, targets: Sequence[Target]
) -> dict[Target, int]:
    """The members' savings accounts in their groups, opened on first use (in code order, so no deadlock)."""
    pairs = sorted(
        {(t.member_id, t.group_id) for t in targets if t.group_id is not None},
        key=lambda p: savings_code(p[1], p[0]),
    )
    if any(t.group_id is None for t in targets):
        raise InvalidInput("a contribution needs a group")
    found = await account_ids(session, organization_id, [savings_code(g, m) for m, g in pairs])
    missing = [(m, g) for m, g in pairs if savings_code(g, m) not in found]
    opened = await ensure_member_savings_accounts(session, organization_id, missing) if missing else {}
    ids = {(m, g): found.get(savings_code(g, m)) or opened[(m, g)] for m, g in pairs}
    return {t: ids[(t.member_id, t.group_id)] for t in targets if t.group_id is not None}


# Explicit registry: code purpose -> allocator. Loan repayments register here when loans exist; until then
# a loan code's payment waits in suspense with the reason 'loan_unsupported'.
ALLOCATORS: dict[str, Allocator] = {
    CodePurpose.CONTRIBUTION: Allocator(EntryKind.CONTRIBUTION, _savings_accounts),
    # Loans (issue 8): credited to the loan's receipts account, then applied as a repayment (core.loans.receipts).
    CodePurpose.LOAN_REPAYMENT: Allocator(EntryKind.LOAN_REPAYMENT, receipt_accounts, settle_targets),
}


def allocator_for(purpose: str) -> Allocator | None:
    return ALLOCATORS.get(purpose)


async def settle_allocated(session: AsyncSession, organization_id: int, targets: Sequence[Target]) -> None:
    """Run each purpose's settle step for targets whose money was just posted (same transaction)."""
    by_purpose: dict[str, list[Target]] = {}
    for t in targets:
        by_purpose.setdefault(str(t.purpose), []).append(t)
    for purpose, group in by_purpose.items():
        allocator = allocator_for(purpose)
        if allocator is not None and allocator.settle is not None:
            await allocator.settle(session, organization_id, group)


async def target_accounts(
    session: AsyncSession, organization_id: int, targets: Sequence[Target]
) -> dict[Target, int]:
    """The account each target's money is credited to, via its purpose's allocator.

    Raises LoanRepaymentsUnsupported for a purpose without an allocator, NotFound for a member not in the group.
    """
    by_purpose: dict[str, list[Target]] = {}
    for t in targets:
        by_purpose.setdefault(str(t.purpose), []).append(t)
    found: dict[Target, int] = {}
    for purpose, group in by_purpose.items():
        allocator = allocator_for(purpose)
        if allocator is None:
            raise LoanRepaymentsUnsupported("loan repayments are not yet supported")
        found.update(await allocator.credit_accounts(session, organization_id, group))
    return found


def payment_key(provider: str | None, transaction_id: str | None, sms_id: int) -> str:
    """The ledger idempotency key of a received payment: the provider's transaction id when there is one."""
    if transaction_id:
        return f"momo:{provider or 'unknown'}:{transaction_id}"
    return f"sms:{sms_id}"


def clearing_for(provider: str | None) -> SystemAccount:
    """The collection (clearing) account the provider's money arrives in."""
    return (
        SystemAccount.AIRTEL_CLEARING if provider == SmsProvider.AIRTEL_MONEY else SystemAccount.MTN_CLEARING
    )


@dataclass(frozen=True, slots=True)
class SystemAccounts:
    mtn_clearing: int
    airtel_clearing: int
    suspense: int

    def clearing(self, provider: str | None) -> int:
        return (
            self.airtel_clearing
            if clearing_for(provider) is SystemAccount.AIRTEL_CLEARING
            else self.mtn_clearing
        )


async def system_accounts(session: AsyncSession, organization_id: int) -> SystemAccounts:
    """The clearing and suspense account ids (created with the organization). Raises InvalidInput if absent."""
    wanted = (SystemAccount.MTN_CLEARING, SystemAccount.AIRTEL_CLEARING, SystemAccount.SUSPENSE)
    found = await account_ids(session, organization_id, [a.value for a in wanted])
    if len(found) != len(wanted):
        raise InvalidInput(
            f"organization {organization_id} has no clearing/suspense accounts (ledger chart missing)"
        )
    return SystemAccounts(*(found[a.value] for a in wanted))


def payment_entry(
    facts: PaymentFacts,
    *,
    kind: str,
    debit: int,
    credit: int,
    key: str,
    actor: Actor = RECONCILER,
    memo: str = "",
    metadata: Mapping[str, Any] | None = None,
    effective_at: datetime | None = None,
) -> NewEntry:
    """A two-leg entry moving the payment's amount from `debit` to `credit` (whole payment, one currency)."""
    amount = Money(facts.amount, facts.currency)
    return NewEntry(
        kind=kind,
        postings=(PostingSpec.debit(debit, amount), PostingSpec.credit(credit, amount)),
        idempotency_key=key,
        actor=actor,
        memo=memo,
        effective_at=effective_at if effective_at is not None else facts.occurred_at,
        metadata={"sms_id": facts.sms_id, **(metadata or {})},
    )
