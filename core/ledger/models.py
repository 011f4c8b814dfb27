"""Ledger tables: accounts, their (sharded) balances, append-only entries and postings, and holds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, CreatedAtMixin, IdMixin, TenantMixin


class LedgerAccount(IdMixin, TenantMixin, CreatedAtMixin, Base):
    """An account of one organization's chart; `code` is its stable, unique name (e.g. savings:12:345)."""

    __tablename__ = "ledger_accounts"
    __table_args__ = (
        UniqueConstraint("organization_id", "code"),
        CheckConstraint("normal_side IN ('debit', 'credit')", name="normal_side"),
        CheckConstraint("shards BETWEEN 1 AND 64", name="shards"),
    )

    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(32))
    type: Mapped[str] = mapped_column(String(16))
    normal_side: Mapped[str] = mapped_column(String(6))
    currency: Mapped[str] = mapped_column(String(3))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"), index=True)
    loan_id: Mapped[int | None] = mapped_column(BigInteger, index=True)  # loans arrive later; no FK yet
    # Busy organization-wide accounts keep their balance in several rows so writers rarely wait on each other.
    shards: Mapped[int] = mapped_column(SmallInteger, default=1)


class LedgerBalance(TenantMixin, Base):
    """One shard of an account's balance, normal side positive; the account's balance is the sum of its shards.

    `floor` (copied from the account's rule when it is opened) is the lowest `balance - held` may reach; the
    CHECK constraint is the database's own wall behind the posting function's InsufficientFunds.
    """

    __tablename__ = "ledger_balances"
    __table_args__ = (
        PrimaryKeyConstraint("account_id", "shard"),
        CheckConstraint("held >= 0", name="held_not_negative"),
        CheckConstraint("floor IS NULL OR balance - held >= floor", name="available_above_floor"),
        CheckConstraint("floor IS NULL OR shard = 0", name="floor_single_shard"),
        {"postgresql_with": {"fillfactor": "50"}},
    )

    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    shard: Mapped[int] = mapped_column(SmallInteger)
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    held: Mapped[int] = mapped_column(BigInteger, default=0)
    floor: Mapped[int | None] = mapped_column(BigInteger)


class LedgerEntry(IdMixin, CreatedAtMixin, Base):
    """A journal entry (append-only): what happened, when it counts, who caused it, and its postings."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        UniqueConstraint("organization_id", "idempotency_key"),
        Index(
            "uq_ledger_entries_reverses_entry_id",
            "reverses_entry_id",
            unique=True,
            postgresql_where=text("reverses_entry_id IS NOT NULL"),
        ),
    )

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"))
    idempotency_key: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))
    digest: Mapped[str] = mapped_column(String(64))  # rules.content_digest: replays must match it
    effective_at: Mapped[datetime] = mapped_column(server_default=func.now())
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    memo: Mapped[str] = mapped_column(Text, server_default=text("''"))
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSONB, server_default=text("'{}'::jsonb"))
    reverses_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))


class LedgerPosting(IdMixin, Base):
    """One leg of an entry (append-only): debit-positive minor units on one account."""

    __tablename__ = "ledger_postings"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="amount_not_zero"),
        Index(None, "account_id", "effective_at", "id"),
    )

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    effective_at: Mapped[datetime]  # the entry's, repeated so statements read one index


class LedgerHold(IdMixin, TenantMixin, CreatedAtMixin, Base):
    """An amount set aside on an account (a guarantor's savings for a loan): available = balance - holds."""

    __tablename__ = "ledger_holds"
    __table_args__ = (
        UniqueConstraint("organization_id", "reference"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    reference: Mapped[str] = mapped_column(String(128))  # idempotent: e.g. loan:17:guarantor:42
    reason: Mapped[str] = mapped_column(Text, server_default=text("''"))
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    released_at: Mapped[datetime | None]
