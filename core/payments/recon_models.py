"""Reconciliation tables: payments allocated to members, the exception queue, and per-group amount rules."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, CreatedAtMixin, IdMixin, TenantMixin
from core.ledger import models as ledger_models  # noqa: F401 - ledger_entries, a foreign-key target here
from core.members import models as member_models  # noqa: F401 - members and groups, likewise


class ExceptionStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class Resolution(StrEnum):
    ALLOCATED = "allocated"  # moved from suspense to a member's account
    REFUNDED = "refunded"  # sent back to the payer: out of suspense to the clearing account
    IGNORED = "ignored"  # no money to move (an unparsed or duplicate SMS), with a reason


class PaymentAllocation(IdMixin, CreatedAtMixin, Base):
    """A payment credited to a member: which SMS, which ledger entry, how it was matched, how its amount fit.

    At most one live (not reversed) allocation per SMS: a partial unique index is the database's wall. One row
    per allocated payment makes this the busiest insert of reconciliation, so only the money links (the SMS and
    the ledger entry) are foreign keys: a key on members, groups or the organization makes every insert lock
    that row (measured: 40% of the insert). Row-level security keys on organization_id as everywhere.
    """

    __tablename__ = "payment_allocations"
    __table_args__ = (
        Index(
            "uq_payment_allocations_live_sms",
            "sms_message_id",
            unique=True,
            postgresql_where=text("reversed_at IS NULL"),
        ),
        Index(None, "organization_id", "member_id", "created_at"),
    )

    organization_id: Mapped[int]
    sms_message_id: Mapped[int] = mapped_column(ForeignKey("sms_messages.id"))
    member_id: Mapped[int]
    group_id: Mapped[int | None]
    loan_id: Mapped[int | None] = mapped_column(BigInteger)
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    method: Mapped[str] = mapped_column(String(16))  # code | phone | manual
    amount_fit: Mapped[str] = mapped_column(String(16))  # exact | over | under | unscheduled
    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"))
    exception_id: Mapped[int | None] = mapped_column(ForeignKey("payment_exceptions.id"))
    reversed_at: Mapped[datetime | None]
    reversal_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))


class PaymentException(IdMixin, TenantMixin, CreatedAtMixin, Base):
    """An SMS a person must look at, why, ranked suggestions with their evidence, and how it was resolved.

    `suspense_entry_id` is the entry that put the money in suspense (None when no money moved: unparsed or
    duplicate SMS). `attempts` counts resolutions, so a resolution undone and made again gets a new key.
    """

    __tablename__ = "payment_exceptions"
    __table_args__ = (
        Index(None, "organization_id", "status", "reason"),
        Index(None, "organization_id", "status", "created_at"),
    )

    sms_message_id: Mapped[int] = mapped_column(ForeignKey("sms_messages.id"), unique=True)
    reason: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(16), default=ExceptionStatus.OPEN)
    amount: Mapped[int | None]
    currency: Mapped[str | None] = mapped_column(String(3))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"), index=True)
    suggestions: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    confident: Mapped[bool] = mapped_column(default=False)  # the top suggestion is clearly ahead
    suspense_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    resolution: Mapped[str | None] = mapped_column(String(16))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    resolution_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    resolved_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    resolved_group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    resolved_loan_id: Mapped[int | None] = mapped_column(BigInteger)
    resolved_by: Mapped[str | None] = mapped_column(String(80))  # actor as "type:id"
    resolved_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class GroupAmountRule(TenantMixin, Base):
    """How a group treats amounts that differ from its contribution (no row: the defaults apply)."""

    __tablename__ = "group_amount_rules"

    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), primary_key=True)
    overpayment: Mapped[str] = mapped_column(String(16))  # savings | exception
    underpayment: Mapped[str] = mapped_column(String(16))  # partial | exception
    max_multiple: Mapped[int | None]  # above this many contributions: a person looks
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
