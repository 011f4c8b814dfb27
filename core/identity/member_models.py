"""Member sign-in state: one-time codes (only their HMAC), refresh-token families and their tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, SmallInteger, String, text
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, CreatedAtMixin, IdMixin, TenantMixin


class OneTimeCode(IdMixin, TenantMixin, CreatedAtMixin, Base):
    """A code sent to a phone for one purpose. At most one is live per (organization, phone, purpose)."""

    __tablename__ = "one_time_codes"
    __table_args__ = (
        Index(
            "uq_one_time_codes_live",
            "organization_id",
            "phone_hash",
            "purpose",
            unique=True,
            postgresql_where=text("status = 'live'"),
        ),
    )

    phone_hash: Mapped[str] = mapped_column(String(64))  # HMAC of the E.164 phone: findable, not readable
    purpose: Mapped[str] = mapped_column(String(32))
    code_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="live")  # live | used | replaced | dead | expired
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class MemberTokenFamily(TenantMixin, CreatedAtMixin, Base):
    """One sign-in of a member on one device; every refresh token it ever issued belongs to it."""

    __tablename__ = "member_token_families"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(32))


class MemberRefreshToken(IdMixin, TenantMixin, CreatedAtMixin, Base):
    __tablename__ = "member_refresh_tokens"

    family_id: Mapped[str] = mapped_column(
        ForeignKey("member_token_families.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]  # rotated: presenting it again means it was copied
