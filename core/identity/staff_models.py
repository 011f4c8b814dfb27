"""Staff sign-in state: server-side console sessions, single-use backup codes, trusted devices, passkeys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, CreatedAtMixin, IdMixin


class StaffSession(IdMixin, CreatedAtMixin, Base):
    """One console sign-in. The cookie holds a random token; this row holds only its HMAC."""

    __tablename__ = "staff_sessions"

    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    mfa_verified_at: Mapped[datetime | None]  # None: password accepted, second factor still due
    active_organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id")
    )  # platform admins
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]  # absolute limit
    revoked_at: Mapped[datetime | None]
    address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    passkey_challenge: Mapped[bytes | None] = mapped_column(LargeBinary)  # the last WebAuthn ceremony's, single use


class StaffBackupCode(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "staff_backup_codes"

    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]


class StaffTrustedDevice(IdMixin, CreatedAtMixin, Base):
    """A browser that may skip the second factor for 30 days; revocable from the security page."""

    __tablename__ = "staff_trusted_devices"

    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class StaffPasskey(IdMixin, CreatedAtMixin, Base):
    """A WebAuthn credential a staff user registered as a second factor (a phone, a security key, a laptop).

    The public key and the authenticator's signature counter: a counter that goes backwards means a cloned
    authenticator, and the sign-in is refused. Removal sets `revoked_at` (the audit keeps who and when)."""

    __tablename__ = "staff_passkeys"

    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(default=0)
    transports: Mapped[str] = mapped_column(String(100), default="")  # comma-separated hints for the browser
    label: Mapped[str] = mapped_column(String(200), default="")
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
