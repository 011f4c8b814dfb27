"""Member one-time codes: 6 CSPRNG digits kept only as an HMAC, 5 minutes, 5 wrong tries, send limits.

The caller hands the plain code to the delivery layer (WhatsApp authentication template, else SMS) and
never logs it. Each call owns its transaction so a wrong guess is counted even when the caller fails.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update

from core.audit.service import Actor, record
from core.crypto.keys import keyed_hash
from core.db.database import Database
from core.errors import InvalidInput
from core.identity.errors import CodeExpired, RateLimited, TooManyAttempts
from core.identity.keys import IdentityKeys
from core.identity.member_models import OneTimeCode
from core.identity.ratelimit import Limit, RateLimiter
from core.phones import normalise_phone

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=5)
MAX_WRONG_ATTEMPTS = 5
SEND_LIMITS = (Limit(1, 60), Limit(5, 3600))  # per phone, across organizations and purposes


class OtpPurpose(StrEnum):
    LOGIN = "login"
    LOAN_CONFIRM = "loan_confirm"
    WITHDRAWAL_CONFIRM = "withdrawal_confirm"
    PHONE_CHANGE = "phone_change"


@dataclass(frozen=True, slots=True)
class IssuedCode:
    """The plain code goes to delivery once; it is not stored and not shown by repr()."""

    code: str = field(repr=False)
    purpose: OtpPurpose
    expires_at: datetime
    code_id: int


def phone_hash(keys: IdentityKeys, phone: str) -> str:
    return keyed_hash(keys.otp, "phone:" + phone)


def _code_hash(keys: IdentityKeys, organization_id: int, phone: str, purpose: str, code: str) -> str:
    # Bound to where it was sent: a code for one phone or purpose is worthless for another.
    return keyed_hash(keys.otp, f"code:{organization_id}:{phone}:{purpose}:{code}")


def _purpose(value: str) -> OtpPurpose:
    try:
        return OtpPurpose(value)
    except ValueError:
        raise InvalidInput(f"unknown code purpose {value!r}") from None


async def issue_code(
    db: Database,
    limiter: RateLimiter,
    keys: IdentityKeys,
    *,
    organization_id: int,
    phone: str,
    purpose: OtpPurpose | str,
    now: datetime | None = None,
) -> IssuedCode:
    """Make a new code for this phone and purpose, replacing any live one.

    Raises RateLimited(retry_after) after one send in 60 s or five in an hour for the phone, and
    InvalidInput for a malformed phone or an unknown purpose.
    """
    e164, kind = normalise_phone(phone), _purpose(str(purpose))
    decision = await limiter.acquire("otp-send:" + e164, *SEND_LIMITS)
    if not decision.allowed:
        raise RateLimited(decision.retry_after, "codes requested")
    now = now or datetime.now(UTC)
    code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
    async with db.tenant(organization_id) as session:
        await session.execute(
            update(OneTimeCode)
            .where(
                OneTimeCode.organization_id == organization_id,
                OneTimeCode.phone_hash == phone_hash(keys, e164),
                OneTimeCode.purpose == kind,
                OneTimeCode.status == "live",
            )
            .values(status="replaced")
        )
        row = OneTimeCode(
            organization_id=organization_id,
            phone_hash=phone_hash(keys, e164),
            purpose=kind,
            code_hash=_code_hash(keys, organization_id, e164, kind, code),
            status="live",
            attempts=0,
            expires_at=now + CODE_TTL,
        )
        session.add(row)
        await session.flush()
        return IssuedCode(code=code, purpose=kind, expires_at=row.expires_at, code_id=row.id)


async def verify_code(
    db: Database,
    keys: IdentityKeys,
    *,
    organization_id: int,
    phone: str,
    purpose: OtpPurpose | str,
    code: str,
    now: datetime | None = None,
) -> bool:
    """True once for the right code (it is then used up); False for a wrong one while tries remain.

    Raises CodeExpired when no code is waiting (expired, used or replaced) and TooManyAttempts on the
    fifth wrong try and after (the code is dead; ask for a new one). The count is committed before raising.
    """
    e164, kind = normalise_phone(phone), _purpose(str(purpose))
    now = now or datetime.now(UTC)
    failure: Exception | None = None
    matched = False
    async with db.tenant(organization_id) as session:
        row = (
            await session.execute(
                select(OneTimeCode)
                .where(
                    OneTimeCode.organization_id == organization_id,
                    OneTimeCode.phone_hash == phone_hash(keys, e164),
                    OneTimeCode.purpose == kind,
                    OneTimeCode.status == "live",
                )
                .with_for_update()
            )
        ).scalar_one_or_none()
        if row is None:
            failure = CodeExpired("No code is waiting for this number. Ask for a new one.")
        elif row.expires_at <= now:
            row.status = "expired"
            failure = CodeExpired()
        elif row.attempts >= MAX_WRONG_ATTEMPTS:
            row.status = "dead"
            failure = TooManyAttempts()
        else:
            given = _code_hash(keys, organization_id, e164, kind, code.strip())
            if hmac.compare_digest(given, row.code_hash):
                row.status, row.used_at, matched = "used", now, True
            else:
                row.attempts += 1
                if row.attempts >= MAX_WRONG_ATTEMPTS:
                    row.status = "dead"
                    failure = TooManyAttempts()
                    await record(
                        session,
                        organization_id=organization_id,
                        actor=Actor.system("otp"),
                        action="member.otp_locked",
                        object_type="one_time_code",
                        object_id=row.id,
                        details={"purpose": str(kind)},
                    )
    if failure is not None:
        raise failure
    return matched
