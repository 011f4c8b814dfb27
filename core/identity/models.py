"""Staff users. A platform admin has no organization; everyone else belongs to exactly one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, CreatedAtMixin, IdMixin
from core.identity.roles import StaffRole


class StaffUser(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "staff_users"

    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32), default=StaffRole.SUPPORT_AGENT)
    # TOTP secrets are encrypted like personal data (core.crypto.pii); the pending one awaits a first code.
    totp_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    totp_pending_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    totp_confirmed_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)  # last accepted 30 s step: no replay
    language: Mapped[str] = mapped_column(String(2), default="en")
    status: Mapped[str] = mapped_column(String(16), default="active")
    last_login_at: Mapped[datetime | None]

    @property
    def mfa_enrolled(self) -> bool:
        return self.totp_confirmed_at is not None and self.totp_secret_encrypted is not None
