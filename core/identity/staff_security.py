"""A staff user's own security settings: a new authenticator, passkeys, backup codes, trusted devices, sessions.

Every call acts on the signed-in user only (the session view says who), in that user's own scope.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.crypto.pii import PiiCipher
from core.db.database import Database
from core.errors import NotFound
from core.identity import backup_codes, totp
from core.identity.context import ClientInfo
from core.identity.errors import InvalidSecondFactor
from core.identity.keys import IdentityKeys
from core.identity.models import StaffUser
from core.identity.passkeys import (
    RelyingParty,
    active_passkeys,
    add_passkey,
    registration_options,
    remove_passkey,
)
from core.identity.staff_auth import audit_staff
from core.identity.staff_models import StaffPasskey, StaffSession
from core.identity.staff_sessions import StaffSessionView, end_user_sessions
from core.identity.trusted_devices import (
    TrustedDeviceView,
    list_trusted_devices,
    revoke_all_trusted_devices,
    revoke_trusted_device,
)


@dataclass(frozen=True, slots=True)
class SecurityOverview:
    mfa_enrolled: bool
    enrolled_at: datetime | None
    backup_codes_left: int
    devices: tuple[TrustedDeviceView, ...]
    pending: totp.Enrolment | None  # a new authenticator waiting for its first code
    passkeys: tuple[PasskeyView, ...] = ()


@dataclass(frozen=True, slots=True)
class PasskeyView:
    id: int
    label: str
    created_at: datetime
    last_used_at: datetime | None

    @classmethod
    def of(cls, passkey: StaffPasskey) -> PasskeyView:
        return cls(passkey.id, passkey.label, passkey.created_at, passkey.last_used_at)


@asynccontextmanager
async def _own(db: Database, me: StaffSessionView) -> AsyncIterator[tuple[AsyncSession, StaffUser]]:
    scope = db.system() if me.organization_id is None else db.tenant(me.organization_id)
    async with scope as session:
        user = await session.get(StaffUser, me.staff_user_id, with_for_update=True)
        if user is None:
            raise NotFound("no such staff user")
        yield session, user


async def security_overview(db: Database, pii: PiiCipher, me: StaffSessionView) -> SecurityOverview:
    now = datetime.now(UTC)
    async with _own(db, me) as (session, user):
        return SecurityOverview(
            mfa_enrolled=user.mfa_enrolled,
            enrolled_at=user.totp_confirmed_at,
            backup_codes_left=await backup_codes.remaining_backup_codes(session, user.id),
            devices=tuple(await list_trusted_devices(session, user.id, now=now)),
            pending=totp.pending_enrolment(user, pii),
            passkeys=tuple(PasskeyView.of(p) for p in await active_passkeys(session, user.id)),
        )


async def start_new_authenticator(db: Database, pii: PiiCipher, me: StaffSessionView) -> totp.Enrolment:
    """Make a pending secret; the current authenticator keeps working until the new one proves itself."""
    async with _own(db, me) as (_, user):
        totp.set_pending_secret(user, pii, totp.new_secret())
        enrolment = totp.pending_enrolment(user, pii)
        assert enrolment is not None
        return enrolment


async def confirm_new_authenticator(
    db: Database, keys: IdentityKeys, pii: PiiCipher, me: StaffSessionView, *, code: str, client: ClientInfo
) -> tuple[str, ...]:
    """Switch to the pending authenticator after its first code; returns ten new backup codes.

    Trusted devices and the user's other sessions end (a new factor means a fresh start). Raises
    InvalidSecondFactor for a wrong code and NotFound when nothing is pending.
    """
    now = datetime.now(UTC)
    async with _own(db, me) as (session, user):
        if user.totp_pending_secret_encrypted is None:
            raise NotFound("no new authenticator is waiting; start again")
        if not totp.accept_code(user, pii, code, pending=True, now=now):
            raise InvalidSecondFactor("That code does not match the new authenticator. Try the next one.")
        totp.activate_pending(user, now)
        codes = await backup_codes.replace_backup_codes(session, keys, user)
        await revoke_all_trusted_devices(session, staff_user_id=user.id, now=now)
        await end_user_sessions(session, staff_user_id=user.id, now=now, keep_session_id=me.session_id)
        await audit_staff(session, user, "staff.mfa_enrolled", client, factor="totp", replaced=True)
        return tuple(codes)


async def regenerate_backup_codes(
    db: Database, keys: IdentityKeys, me: StaffSessionView, *, client: ClientInfo
) -> tuple[str, ...]:
    """Ten new backup codes; the old ones stop working."""
    async with _own(db, me) as (session, user):
        codes = await backup_codes.replace_backup_codes(session, keys, user)
        await audit_staff(session, user, "staff.backup_codes_generated", client)
        return tuple(codes)


async def forget_device(db: Database, me: StaffSessionView, *, device_id: int, client: ClientInfo) -> None:
    """Revoke one of the user's trusted devices; anyone else's is NotFound."""
    async with _own(db, me) as (session, user):
        await revoke_trusted_device(
            session, staff_user_id=user.id, device_id=device_id, now=datetime.now(UTC)
        )
        await audit_staff(session, user, "staff.device_forgotten", client, device_id=device_id)


async def sign_out_other_sessions(db: Database, me: StaffSessionView, *, client: ClientInfo) -> int:
    async with _own(db, me) as (session, user):
        count = await end_user_sessions(
            session, staff_user_id=user.id, now=datetime.now(UTC), keep_session_id=me.session_id
        )
        await audit_staff(session, user, "staff.sessions_ended", client, count=count)
        return count


async def _own_row(session: AsyncSession, me: StaffSessionView) -> StaffSession:
    row = await session.get(StaffSession, me.session_id, with_for_update=True)
    if row is None:
        raise NotFound("no such session")
    return row


async def start_passkey(db: Database, rp: RelyingParty, me: StaffSessionView) -> str:
    """The options for the browser to make a new passkey (JSON); the session remembers the challenge."""
    async with _own(db, me) as (session, user):
        return await registration_options(session, rp, user, await _own_row(session, me))


async def finish_passkey(db: Database, rp: RelyingParty, me: StaffSessionView, *, credential: dict[str, object],
                         label: str, client: ClientInfo) -> PasskeyView:  # fmt: skip
    """Keep the passkey the browser made for start_passkey's challenge. Raises PasskeyRefused."""
    async with _own(db, me) as (session, user):
        passkey = await add_passkey(session, rp, user, await _own_row(session, me), credential, label)
        await audit_staff(session, user, "staff.passkey_added", client, passkey_id=passkey.id, label=passkey.label)
        return PasskeyView.of(passkey)


async def forget_passkey(db: Database, me: StaffSessionView, *, passkey_id: int, client: ClientInfo) -> None:
    """Remove one of the user's passkeys; anyone else's is NotFound."""
    async with _own(db, me) as (session, user):
        passkey = await remove_passkey(session, user, passkey_id, datetime.now(UTC))
        await audit_staff(session, user, "staff.passkey_removed", client, passkey_id=passkey.id, label=passkey.label)
