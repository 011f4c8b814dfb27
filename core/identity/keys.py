"""Every identity key, derived once from settings: code hashing, tokens, sessions, signed cookies."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.crypto.keys import derive_key
from core.settings import Settings

MEMBER_API_AUDIENCE = "ibimina:member-api"


@dataclass(frozen=True, slots=True)
class IdentityKeys:
    """Purpose-bound keys: OTP_PEPPER keys the one-time codes, SECRET_KEY everything else."""

    otp: bytes = field(repr=False)  # HMAC of member one-time codes and of phones in their table
    backup_codes: bytes = field(repr=False)
    access_token: bytes = field(repr=False)  # JWT HS256 for the member API
    refresh_token: bytes = field(repr=False)
    staff_session: bytes = field(repr=False)
    trusted_device: bytes = field(repr=False)
    csrf: bytes = field(repr=False)
    rate_limit: bytes = field(repr=False)  # limiter keys never hold a raw phone, email or address
    issuer: str = "ibimina"
    audience: str = MEMBER_API_AUDIENCE

    @classmethod
    def from_settings(cls, settings: Settings) -> IdentityKeys:
        secret, pepper = settings.secret_key, settings.otp_pepper
        return cls(
            otp=derive_key(pepper, "otp-code"),
            backup_codes=derive_key(pepper, "staff-backup-code"),
            access_token=derive_key(secret, "member-access-token"),
            refresh_token=derive_key(secret, "member-refresh-token"),
            staff_session=derive_key(secret, "staff-session"),
            trusted_device=derive_key(secret, "staff-trusted-device"),
            csrf=derive_key(secret, "csrf"),
            rate_limit=derive_key(pepper, "rate-limit"),
            issuer=settings.public_base_url.rstrip("/"),
        )
