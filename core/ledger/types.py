"""The ledger's vocabulary: account purposes and sides, entry kinds, postings and entries as values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from core.audit.service import Actor
from core.errors import InvalidInput
from core.money import Money


class Side(StrEnum):
    DEBIT = "debit"
    CREDIT = "credit"

    @property
    def sign(self) -> int:
        """Postings are stored debit-positive (beancount's convention): +1 for a debit, -1 for a credit."""
        return 1 if self is Side.DEBIT else -1


class AccountType(StrEnum):
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    INCOME = "income"
    EXPENSE = "expense"

    @property
    def normal_side(self) -> Side:
        """Assets and expenses grow with debits; what the SACCO owes or earns grows with credits."""
        return Side.DEBIT if self in (AccountType.ASSET, AccountType.EXPENSE) else Side.CREDIT


class AccountPurpose(StrEnum):
    MEMBER_SAVINGS = "member_savings"  # one per member per group: the SACCO owes it to the member
    GROUP_POOL = "group_pool"
    SOCIAL_FUND = "social_fund"
    LOAN_PRINCIPAL = "loan_principal"  # one per loan: what the borrower still owes
    LOAN_INTEREST = "loan_interest"
    CLEARING = "clearing"  # the SACCO's MoMo / Airtel collection accounts
    SUSPENSE = "suspense"  # received but not yet allocated to a member
    INTEREST_INCOME = "interest_income"
    FEE_INCOME = "fee_income"
    PENALTY_INCOME = "penalty_income"
    CASH = "cash"
    LOAN_LOSS = "loan_loss"  # principal written off: an expense of the SACCO
    RECOVERY_INCOME = "recovery_income"  # money received on a loan after it was written off


class EntryKind(StrEnum):
    """Known kinds; other modules may use their own lower-case kinds (validated by pattern)."""

    CONTRIBUTION = "contribution"
    WITHDRAWAL = "withdrawal"
    PAYMENT_RECEIVED = "payment_received"
    ALLOCATION = "allocation"
    TRANSFER = "transfer"
    LOAN_DISBURSEMENT = "loan_disbursement"
    LOAN_REPAYMENT = "loan_repayment"
    INTEREST_ACCRUAL = "interest_accrual"
    FEE = "fee"
    PENALTY = "penalty"
    ADJUSTMENT = "adjustment"
    OPENING_BALANCE = "opening_balance"
    REVERSAL = "reversal"
    LOAN_WRITE_OFF = "loan_write_off"
    LOAN_RECOVERY = "loan_recovery"


@dataclass(frozen=True, slots=True)
class PostingSpec:
    """One leg of an entry: `amount` (positive) debited or credited to an account."""

    account_id: int
    side: Side
    amount: Money

    def __post_init__(self) -> None:
        if type(self.account_id) is not int or self.account_id <= 0:
            raise InvalidInput(f"account_id must be a positive int, not {self.account_id!r}")
        if not isinstance(self.side, Side):
            raise InvalidInput(f"side must be Side.DEBIT or Side.CREDIT, not {self.side!r}")
        if not isinstance(self.amount, Money):
            raise InvalidInput("a posting amount must be Money")
        if self.amount.amount <= 0:
            raise InvalidInput(f"a posting amount must be positive, not {self.amount}")

    @classmethod
    def debit(cls, account_id: int, amount: Money) -> PostingSpec:
        return cls(account_id, Side.DEBIT, amount)

    @classmethod
    def credit(cls, account_id: int, amount: Money) -> PostingSpec:
        return cls(account_id, Side.CREDIT, amount)

    @property
    def signed_amount(self) -> int:
        """Minor units, debit-positive, as stored in ledger_postings.amount."""
        return self.side.sign * self.amount.amount

    def reversed(self) -> PostingSpec:
        return PostingSpec(self.account_id, Side.CREDIT if self.side is Side.DEBIT else Side.DEBIT, self.amount)


@dataclass(frozen=True, slots=True)
class NewEntry:
    """An entry to post. The idempotency key (unique per organization) makes a retry return the original."""

    kind: str
    postings: tuple[PostingSpec, ...]
    idempotency_key: str
    actor: Actor
    memo: str = ""
    effective_at: datetime | None = None  # None: the transaction's time
    metadata: Mapping[str, Any] = field(default_factory=dict)
    reverses_entry_id: int | None = None  # set by reverse_entry


@dataclass(frozen=True, slots=True)
class PostedEntry:
    """An entry as stored; `replayed` is True when the key had been posted before and nothing changed."""

    id: int
    organization_id: int
    idempotency_key: str
    kind: str
    effective_at: datetime
    created_at: datetime
    actor: Actor
    memo: str
    metadata: Mapping[str, Any]
    postings: tuple[PostingSpec, ...]
    reverses_entry_id: int | None
    replayed: bool


@dataclass(frozen=True, slots=True)
class Account:
    """A ledger account and its current balance (normal side positive), holds and what is available."""

    id: int
    organization_id: int
    code: str
    name: str
    purpose: AccountPurpose
    type: AccountType
    currency: str
    member_id: int | None
    group_id: int | None
    loan_id: int | None
    balance: Money
    held: Money
    floor: int | None  # the lowest balance - held may reach; None: may go negative

    @property
    def normal_side(self) -> Side:
        return self.type.normal_side

    @property
    def available(self) -> Money:
        return self.balance - self.held
