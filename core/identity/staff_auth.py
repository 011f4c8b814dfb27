"""Staff sign-in: password (throttled per account and per address, with lockout), then a second factor.

Every staff role needs the second factor: TOTP (or a backup code), a passkey, or a device the user trusted in
the last 30 days. A user without an authenticator enrols one before the sign-in completes. Each step owns
its transaction and records audit events (failures and lockouts included) before it raises.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import Actor, record
from core.crypto.pii import PiiCipher
from core.db.database import Database
from core.errors import DomainError
from core.identity import backup_codes, totp
from core.identity.context import ClientInfo
from core.identity.errors import AccountLocked, InvalidCredentials, InvalidSecondFactor, InvalidToken
from core.identity.keys import IdentityKeys
from core.identity.models import StaffUser
from core.identity.passkeys import RelyingParty, authentication_options, check_passkey
from core.identity.passwords import hash_password, needs_rehash, verify_password
from core.identity.ratelimit import Limit, RateLimiter
from core.identity.staff_models import StaffSession
from core.identity.staff_sessions import StaffSessionView, find_session, is_live, open_session
from core.identity.trusted_devices import device_is_trusted, trust_device

ACCOUNT_LIMIT = Limit(5, 15 * 60)  # failed passwords per account before a 15-minute lock
ADDRESS_LIMIT = Limit(30, 15 * 60)  # failed passwords per client address (many accounts, one source)
MFA_LIMIT = Limit(5, 15 * 60)  # wrong second-factor codes per account
_DUMMY_HASH = hash_password("not-a-real-password-only-for-timing")


@dataclass(frozen=True, slots=True)
class SignInStep:
    """The outcome of a step: the new session cookie token and what the session now allows."""

    token: str = field(repr=False)
    session: StaffSessionView
    device_cookie: str | None = field(default=None, repr=False)
    backup_codes: tuple[str, ...] = field(default=(), repr=False)  # shown once, right after enrolment

    @property
    def complete(self) -> bool:
        return self.session.mfa_verified


def account_key(email: str) -> str:
    return "staff-login-acct:" + email.strip().lower()


def address_key(address: str) -> str:
    return "staff-login-addr:" + address


def mfa_key(staff_user_id: int) -> str:
    return f"staff-mfa:{staff_user_id}"


async def audit_staff(
    session: AsyncSession, user: StaffUser | None, action: str, client: ClientInfo, **details: object
) -> None:
    """Record a sign-in event on the user's organization chain (unknown emails on the platform chain)."""
    await record(
        session,
        organization_id=user.organization_id if user else None,
        actor=Actor.staff(user.id) if user else Actor("anonymous"),
        action=action,
        object_type="staff_user" if user else None,
        object_id=user.id if user else None,
        details={"address": client.address, **details},
        request_id=client.request_id,
    )


async def begin_sign_in(
    db: Database,
    limiter: RateLimiter,
    keys: IdentityKeys,
    *,
    email: str,
    password: str,
    client: ClientInfo,
    device_cookie: str | None = None,
    now: datetime | None = None,
) -> SignInStep:
    """Check the password and open a session: complete when the device is trusted, else pending MFA.

    Raises AccountLocked (with retry_after) after 5 failures for the account or 30 from the address
    within 15 minutes, and InvalidCredentials for a wrong email/password or a disabled account.
    """
    now = now or datetime.now(UTC)
    email = email.strip().lower()[:254]
    limits = ((account_key(email), ACCOUNT_LIMIT), (address_key(client.address), ADDRESS_LIMIT))
    for key, limit in limits:
        decision = await limiter.check(key, limit)
        if not decision.allowed:
            raise AccountLocked(decision.retry_after)
    async with db.system() as session:  # authentication precedes tenancy: the email says who it is
        found = (
            await session.execute(select(StaffUser).where(func.lower(StaffUser.email) == email))
        ).scalar_one_or_none()
    ok = await asyncio.to_thread(verify_password, found.password_hash if found else _DUMMY_HASH, password)
    if found is None or not ok or found.status != "active":
        reason = "unknown_email" if found is None else ("wrong_password" if not ok else "disabled")
        retry = 0
        for key, limit in limits:
            retry = max(retry, (await limiter.add(key, limit)).retry_after)
        async with db.system() as session:
            await audit_staff(session, found, "staff.login_failed", client, email=email, reason=reason)
            if retry:
                await audit_staff(session, found, "staff.locked_out", client, email=email, retry_after=retry)
        raise AccountLocked(retry) if retry else InvalidCredentials()
    async with db.system() as session:
        user = await session.get(StaffUser, found.id, with_for_update=True)
        assert user is not None
        if needs_rehash(user.password_hash):
            user.password_hash = await asyncio.to_thread(hash_password, password)
        trusted = user.mfa_enrolled and await device_is_trusted(
            session, keys, staff_user_id=user.id, cookie=device_cookie, now=now
        )
        token, view = await open_session(session, keys, user, mfa_verified=trusted, client=client, now=now)
        if trusted:
            user.last_login_at = now
            await audit_staff(session, user, "staff.login", client, method="password+trusted_device")
        else:
            await audit_staff(session, user, "staff.password_accepted", client)
    if trusted:
        await limiter.clear(account_key(email))
    return SignInStep(token, view)


async def _pending_sign_in(session: AsyncSession, keys: IdentityKeys, token: str, now: datetime
                           ) -> tuple[StaffSession, StaffUser]:  # fmt: skip
    """The sign-in waiting for its second factor behind `token`, row-locked; InvalidToken when it is gone."""
    found = await find_session(session, keys, token)
    if found is None or not is_live(*found, now) or found[0].mfa_verified_at is not None:
        raise InvalidToken("Your sign-in took too long. Sign in again.")
    return found


async def sign_in_enrolment(
    db: Database, keys: IdentityKeys, pii: PiiCipher, *, token: str, now: datetime | None = None
) -> totp.Enrolment | None:
    """For a pending sign-in of a user without an authenticator: the secret to enrol (made on first ask).

    None when the user is enrolled already; raises InvalidToken when the pending sign-in is gone.
    """
    now = now or datetime.now(UTC)
    async with db.system() as session:
        _, user = await _pending_sign_in(session, keys, token, now)
        if user.mfa_enrolled:
            return None
        if user.totp_pending_secret_encrypted is None:
            totp.set_pending_secret(user, pii, totp.new_secret())
        return totp.pending_enrolment(user, pii)


async def complete_sign_in(
    db: Database,
    limiter: RateLimiter,
    keys: IdentityKeys,
    pii: PiiCipher,
    *,
    token: str,
    code: str,
    client: ClientInfo,
    trust_this_device: bool = False,
    now: datetime | None = None,
) -> SignInStep:
    """Check the second factor of a pending sign-in and replace it with a full session (new id).

    Accepts the current TOTP code (never the same step twice), an unused backup code, or, during
    enrolment, the first code of the new authenticator (then returns ten backup codes). Raises
    InvalidToken when the pending sign-in expired, InvalidSecondFactor for a wrong or replayed code and
    AccountLocked after 5 wrong codes in 15 minutes (the pending sign-in then ends).
    """

    async def code_check(session: AsyncSession, user: StaffUser, _: StaffSession, at: datetime
                         ) -> tuple[str | None, list[str]]:  # fmt: skip
        return await _check_factor(session, keys, pii, user, code, at, client)

    return await _complete(db, limiter, keys, token=token, check=code_check, client=client,
                           trust_this_device=trust_this_device, now=now)  # fmt: skip


async def passkey_options(db: Database, keys: IdentityKeys, rp: RelyingParty, *, token: str) -> str | None:
    """The options for the browser to sign this pending sign-in's challenge with one of the user's passkeys
    (JSON), or None when the user has none. Raises InvalidToken when the pending sign-in expired."""
    async with db.system() as session:
        row, user = await _pending_sign_in(session, keys, token, datetime.now(UTC))
        return await authentication_options(session, rp, user, row) if user.mfa_enrolled else None


async def complete_sign_in_with_passkey(
    db: Database, limiter: RateLimiter, keys: IdentityKeys, rp: RelyingParty, *, token: str,
    credential: dict[str, object], client: ClientInfo, trust_this_device: bool = False, now: datetime | None = None,
) -> SignInStep:  # fmt: skip
    """complete_sign_in with a passkey's signature over passkey_options' challenge instead of a code: the
    same limits, lockout and audit (method "passkey")."""

    async def passkey_check(session: AsyncSession, user: StaffUser, row: StaffSession, at: datetime
                            ) -> tuple[str | None, list[str]]:  # fmt: skip
        if not user.mfa_enrolled:
            return None, []
        return ("passkey", []) if await check_passkey(session, rp, user, row, credential, at) else (None, [])

    return await _complete(db, limiter, keys, token=token, check=passkey_check, client=client,
                           trust_this_device=trust_this_device, now=now)  # fmt: skip


FactorCheck = Callable[[AsyncSession, StaffUser, StaffSession, datetime], Awaitable[tuple[str | None, list[str]]]]


async def _complete(db: Database, limiter: RateLimiter, keys: IdentityKeys, *, token: str, check: FactorCheck,
                    client: ClientInfo, trust_this_device: bool, now: datetime | None) -> SignInStep:  # fmt: skip
    now = now or datetime.now(UTC)
    failure: DomainError | None = None
    result: SignInStep | None = None
    async with db.system() as session:
        pending_row, user = await _pending_sign_in(session, keys, token, now)
        decision = await limiter.check(mfa_key(user.id), MFA_LIMIT)
        if not decision.allowed:
            pending_row.revoked_at = now
            failure = AccountLocked(decision.retry_after)
        else:
            await session.refresh(user, with_for_update=True)
            method, codes = await check(session, user, pending_row, now)
            if method is None:
                decision = await limiter.add(mfa_key(user.id), MFA_LIMIT)
                await audit_staff(session, user, "staff.mfa_failed", client)
                if not decision.allowed:
                    pending_row.revoked_at = now
                    await audit_staff(session, user, "staff.locked_out", client, factor="mfa")
                    failure = AccountLocked(decision.retry_after)
                else:
                    failure = InvalidSecondFactor()
            else:
                pending_row.revoked_at = now
                user.last_login_at = now
                new_token, view = await open_session(
                    session, keys, user, mfa_verified=True, client=client, now=now
                )
                device = None
                if trust_this_device:
                    device = await trust_device(session, keys, user, label=client.user_agent, now=now)
                await audit_staff(
                    session, user, "staff.login", client, method=method, trusted_device=bool(device)
                )
                result = SignInStep(new_token, view, device, tuple(codes))
    if failure is not None:
        raise failure
    assert result is not None
    await limiter.clear(mfa_key(result.session.staff_user_id))
    await limiter.clear(account_key(result.session.email))
    return result


async def _check_factor(
    session: AsyncSession,
    keys: IdentityKeys,
    pii: PiiCipher,
    user: StaffUser,
    code: str,
    now: datetime,
    client: ClientInfo,
) -> tuple[str | None, list[str]]:
    """(method, new backup codes) for an accepted code; (None, []) for a wrong or replayed one."""
    if user.mfa_enrolled:
        if backup_codes.looks_like_backup_code(code):
            if await backup_codes.use_backup_code(session, keys, user, code, now=now):
                await audit_staff(session, user, "staff.backup_code_used", client)
                return "backup_code", []
            return None, []
        return ("totp", []) if totp.accept_code(user, pii, code, pending=False, now=now) else (None, [])
    if totp.accept_code(user, pii, code, pending=True, now=now):
        totp.activate_pending(user, now)
        codes = await backup_codes.replace_backup_codes(session, keys, user)
        await audit_staff(session, user, "staff.mfa_enrolled", client, factor="totp")
        return "totp_enrolment", codes
    return None, []


async def sign_out(db: Database, keys: IdentityKeys, token: str | None, *, client: ClientInfo) -> None:
    """End the session behind the cookie token (idempotent) and record it."""
    if not token:
        return
    async with db.system() as session:
        found = await find_session(session, keys, token)
        if found is None:
            return
        found[0].revoked_at = datetime.now(UTC)
        await audit_staff(session, found[1], "staff.logout", client)
