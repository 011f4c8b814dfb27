"""loan_applications: what a member asked to borrow, for how long and why, with a reference they can quote."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, CreatedAtMixin, IdMixin, TenantMixin


class LoanApplicationStatus(StrEnum):
    SUBMITTED = "submitted"  # waiting for a loan officer
    APPROVED = "approved"
    REJECTED = "rejected"
    DISBURSED = "disbursed"
    CANCELLED = "cancelled"


class LoanApplication(IdMixin, TenantMixin, CreatedAtMixin, Base):
    __tablename__ = "loan_applications"
    __table_args__ = (Index(None, "organization_id", "member_id"), Index(None, "organization_id", "status"))

    reference: Mapped[str] = mapped_column(String(32), unique=True)  # LN-2026-000123
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    term_months: Mapped[int] = mapped_column(SmallInteger)
    purpose: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=LoanApplicationStatus.SUBMITTED)
    channel: Mapped[str | None] = mapped_column(String(16))
    savings_at_application: Mapped[int]  # what eligibility was judged on
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)
