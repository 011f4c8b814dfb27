"""Stored payment codes: the reference a member types when paying by mobile money."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint, func, text
from sqlalchemy.dialects.postgresql import JSONB
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


class SmsDevice(IdMixin, TenantMixin, CreatedAtMixin, Base):
    """An Android SMS forwarder on a SACCO's collection phone. Its secret is derived, never stored."""

    __tablename__ = "sms_devices"

    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    salt: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | revoked
    last_seen_at: Mapped[datetime | None]


class SmsStatus(StrEnum):
    PENDING = "pending"  # a parsed incoming payment awaiting reconciliation
    IGNORED = "ignored"  # parsed, but not money arriving (OTP, promotion, money sent out)
    UNPARSED = "unparsed"  # no template fits: an exception for a person
    DUPLICATE = "duplicate"  # the same provider transaction was seen before
    ALLOCATED = "allocated"
    EXCEPTION = "exception"


class SmsMessage(IdMixin, TenantMixin, CreatedAtMixin, Base):
    """Every confirmation SMS as received, stored before anything else happens to it."""

    __tablename__ = "sms_messages"
    __table_args__ = (
        UniqueConstraint("organization_id", "raw_hash"),
        Index(None, "organization_id", "provider", "transaction_id"),
        Index(None, "status", "id"),
    )

    device_id: Mapped[int | None] = mapped_column(ForeignKey("sms_devices.id"))
    source: Mapped[str] = mapped_column(String(16))  # forwarder | import
    sender: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime]
    raw_hash: Mapped[str] = mapped_column(String(64))
    parsed: Mapped[bool] = mapped_column(default=False)
    parse_error: Mapped[str | None] = mapped_column(String(300))
    provider: Mapped[str | None] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int | None]
    currency: Mapped[str | None] = mapped_column(String(3))
    transaction_id: Mapped[str | None] = mapped_column(String(64))
    counterparty_name: Mapped[str | None] = mapped_column(String(200))
    counterparty_phone: Mapped[str | None] = mapped_column(String(20))
    reference: Mapped[str | None] = mapped_column(String(300))
    occurred_at: Mapped[datetime | None]
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    status: Mapped[str] = mapped_column(String(16))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("sms_messages.id"))
    processed_at: Mapped[datetime | None]


class IngestNonce(Base):
    """A signature the ingest endpoint has accepted; seen again within the window, it is a replay."""

    __tablename__ = "ingest_nonces"

    device_id: Mapped[int] = mapped_column(ForeignKey("sms_devices.id"), primary_key=True)
    signature: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)
