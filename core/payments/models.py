"""Stored payment codes: the reference a member types when paying by mobile money."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, CreatedAtMixin, IdMixin, TenantMixin


class CodePurpose(StrEnum):
    CONTRIBUTION = "contribution"  # savings into a group
    LOAN_REPAYMENT = "loan_repayment"


class PaymentCode(IdMixin, TenantMixin, CreatedAtMixin, Base):
    """Unique across every organization: a code alone identifies where money goes."""

    __tablename__ = "payment_codes"
    __table_args__ = (
        Index(
            None,
            "member_id",
            "group_id",
            unique=True,
            postgresql_where=text("purpose = 'contribution' AND status = 'active'"),
        ),
    )

    code: Mapped[str] = mapped_column(String(9), unique=True)
    purpose: Mapped[str] = mapped_column(String(16), default=CodePurpose.CONTRIBUTION)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    loan_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
