"""Staff TOTP (RFC 6238 via pyotp): enrolment by otpauth URI, ±1 step, and no code accepted twice.

The last accepted 30-second step is kept per user; a code whose step is not newer is a replay and is
refused, even inside its validity window. Secrets are stored encrypted with the PII cipher.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyotp
from pyotp.utils import strings_equal

from core.crypto.pii import PiiCipher
from core.identity.models import StaffUser

ISSUER = "Ibimina"
VALID_WINDOW = 1  # one 30 s step either side: clocks drift, people type slowly


@dataclass(frozen=True, slots=True)
class Enrolment:
    """What the enrolment page shows: the secret (for typing) and the otpauth URI (for the QR code)."""

    secret: str = field(repr=False)
    uri: str = field(repr=False)


def totp_context(staff_user_id: int) -> str:
    return f"staff_users.totp_secret:{staff_user_id}"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def matching_step(secret: str, code: str, now: datetime | None = None) -> int | None:
    """The 30 s step the code belongs to within ±1 step of now, or None; compares in constant time."""
    code = "".join(code.split())
    if not (code.isdecimal() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    step = totp.timecode(now or datetime.now(UTC))
    found = None
    for candidate in range(step - VALID_WINDOW, step + VALID_WINDOW + 1):
        if strings_equal(totp.generate_otp(candidate), code) and found is None:
            found = candidate
    return found


def accept_code(
    user: StaffUser, pii: PiiCipher, code: str, *, pending: bool, now: datetime | None = None
) -> bool:
    """Accept a code for the user's active (or pending) secret once: it must match a step newer than the
    last accepted one. The caller holds the user row locked (SELECT ... FOR UPDATE) and commits.
    """
    stored = user.totp_pending_secret_encrypted if pending else user.totp_secret_encrypted
    if stored is None:
        return False
    step = matching_step(pii.decrypt(stored, context=totp_context(user.id)), code, now)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    return True


def set_pending_secret(user: StaffUser, pii: PiiCipher, secret: str) -> None:
    user.totp_pending_secret_encrypted = pii.encrypt(secret, context=totp_context(user.id))


def pending_enrolment(user: StaffUser, pii: PiiCipher) -> Enrolment | None:
    if user.totp_pending_secret_encrypted is None:
        return None
    secret = pii.decrypt(user.totp_pending_secret_encrypted, context=totp_context(user.id))
    return Enrolment(secret, provisioning_uri(secret, user.email))


def activate_pending(user: StaffUser, now: datetime) -> None:
    """The pending secret proved itself with a code: it replaces the active one."""
    user.totp_secret_encrypted = user.totp_pending_secret_encrypted
    user.totp_pending_secret_encrypted = None
    user.totp_confirmed_at = now


def install_secret(user: StaffUser, pii: PiiCipher, secret: str, now: datetime) -> None:
    """Set an already-confirmed secret (the demo's, tests'); people enrol through a pending secret instead."""
    user.totp_secret_encrypted = pii.encrypt(secret, context=totp_context(user.id))
    user.totp_pending_secret_encrypted = None
    user.totp_confirmed_at = now
    user.totp_last_step = None
