"""Loan tables: products, applications that become loans (Fineract's m_loan), guarantors and instalments."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, CreatedAtMixin, IdMixin, TenantMixin


class LoanApplicationStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"  # waiting for guarantors (if any) and a loan officer
    UNDER_REVIEW = "under_review"  # guarantors have consented: an officer decides
    APPROVED = "approved"
    REJECTED = "rejected"
    DISBURSED = "disbursed"
    ACTIVE = "active"  # disbursed, schedule running
    CLOSED = "closed"  # fully repaid
    WRITTEN_OFF = "written_off"
    CANCELLED = "cancelled"


LoanStatus = LoanApplicationStatus


class LoanProduct(IdMixin, TenantMixin, CreatedAtMixin, Base):
    """What an organization lends on: price, shape and the rules a member must meet."""

    __tablename__ = "loan_products"
    __table_args__ = (UniqueConstraint("organization_id", "code"),)

    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(120))
    currency: Mapped[str] = mapped_column(String(3))
    interest_method: Mapped[str] = mapped_column(String(16))  # flat | declining
    annual_rate_bp: Mapped[int]  # 2400 = 24 % a year
    frequency: Mapped[str] = mapped_column(String(16))  # weekly | monthly
    min_term_months: Mapped[int] = mapped_column(SmallInteger)
    max_term_months: Mapped[int] = mapped_column(SmallInteger)
    min_amount: Mapped[int] = mapped_column(BigInteger)
    max_amount: Mapped[int] = mapped_column(BigInteger)
    savings_multiplier: Mapped[int] = mapped_column(SmallInteger)  # 3: up to 3x savings
    min_membership_months: Mapped[int] = mapped_column(SmallInteger, default=0)
    upfront_fee_bp: Mapped[int] = mapped_column(default=0)  # of the principal, taken at disbursement
    penalty_kind: Mapped[str] = mapped_column(String(8), default="rate")  # rate | fixed
    penalty_value: Mapped[int] = mapped_column(default=0)  # bp of the overdue amount, or minor units
    penalty_grace_days: Mapped[int] = mapped_column(SmallInteger, default=0)
    guarantors_required: Mapped[int] = mapped_column(SmallInteger, default=0)
    allocation_order: Mapped[str] = mapped_column(String(40), default="penalty,interest,principal")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class LoanApplication(IdMixin, TenantMixin, CreatedAtMixin, Base):
    """An application and, once disbursed, the loan itself (one row through the whole lifecycle)."""

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
    # issue 8: products, maker-checker, disbursement
    product_id: Mapped[int | None] = mapped_column(ForeignKey("loan_products.id"))
    recorded_by_staff_id: Mapped[int | None] = mapped_column(BigInteger)  # maker: may not approve
    edited_by_staff_id: Mapped[int | None] = mapped_column(BigInteger)
    decided_by_staff_id: Mapped[int | None] = mapped_column(BigInteger)
    disbursed_at: Mapped[datetime | None]
    disbursed_on: Mapped[date | None]
    disbursement_method: Mapped[str | None] = mapped_column(String(16))  # cash | mtn | airtel
    disbursement_entry_id: Mapped[int | None] = mapped_column(BigInteger)
    fee_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    payment_code: Mapped[str | None] = mapped_column(String(32))
    closed_at: Mapped[datetime | None]
    written_off_at: Mapped[datetime | None]
    write_off_reason: Mapped[str | None] = mapped_column(Text)


Loan = LoanApplication


class GuarantorStatus(StrEnum):
    REQUESTED = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    RELEASED = "released"  # the loan closed: the hold is gone


class LoanGuarantor(IdMixin, TenantMixin, CreatedAtMixin, Base):
    """A member asked to stand for part of a loan; on acceptance that part of their savings is held."""

    __tablename__ = "loan_guarantors"
    __table_args__ = (UniqueConstraint("loan_id", "guarantor_member_id"), Index(None, "guarantor_member_id"))

    loan_id: Mapped[int] = mapped_column(ForeignKey("loan_applications.id"), index=True)
    guarantor_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    amount: Mapped[int] = mapped_column(BigInteger)  # the part of the loan they stand for
    status: Mapped[str] = mapped_column(String(16), default=GuarantorStatus.REQUESTED)
    hold_id: Mapped[int | None] = mapped_column(BigInteger)
    answered_at: Mapped[datetime | None]


class LoanInstalment(IdMixin, TenantMixin, Base):
    """One line of the repayment schedule, with what has been paid and penalties charged on it."""

    __tablename__ = "loan_instalments"
    __table_args__ = (UniqueConstraint("loan_id", "number"),)

    loan_id: Mapped[int] = mapped_column(ForeignKey("loan_applications.id"), index=True)
    number: Mapped[int] = mapped_column(SmallInteger)
    due_on: Mapped[date]
    principal_due: Mapped[int] = mapped_column(BigInteger)
    interest_due: Mapped[int] = mapped_column(BigInteger)
    penalty_due: Mapped[int] = mapped_column(BigInteger, default=0)
    principal_paid: Mapped[int] = mapped_column(BigInteger, default=0)
    interest_paid: Mapped[int] = mapped_column(BigInteger, default=0)
    penalty_paid: Mapped[int] = mapped_column(BigInteger, default=0)
    penalties_charged: Mapped[int] = mapped_column(SmallInteger, default=0)  # late periods already penalised
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    paid_on: Mapped[date | None]
    reminded_on: Mapped[date | None]  # the last reminder queued (one a day at most)

    @property
    def outstanding(self) -> int:
        return (self.principal_due - self.principal_paid) + (self.interest_due - self.interest_paid) + (
            self.penalty_due - self.penalty_paid
        )
