"""Staff accounts: creation with an argon2id password, the organization's staff list, role changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import Actor, record
from core.crypto.pii import PiiCipher
from core.errors import Conflict, InvalidInput, NotFound
from core.identity import totp
from core.identity.models import StaffUser
from core.identity.passwords import hash_password
from core.identity.permissions import Permission, StaffPrincipal, requires
from core.identity.roles import StaffRole
from core.identity.staff_sessions import end_user_sessions

MIN_PASSWORD_LENGTH = 10


async def create_staff_user(
    session: AsyncSession,
    *,
    organization_id: int | None,
    email: str,
    full_name: str,
    password: str,
    role: StaffRole,
    actor: Actor,
    totp_secret: str | None = None,
    pii: PiiCipher | None = None,
) -> StaffUser:
    """Create a staff account; only a platform admin may have no organization.

    Without totp_secret the user enrols an authenticator at the first sign-in; with one (the demo,
    tests) it is stored encrypted and counts as enrolled, which needs the PII cipher. Raises
    InvalidInput (organization/role mismatch, short password) and Conflict (email taken).
    """
    if (role is StaffRole.PLATFORM_ADMIN) != (organization_id is None):
        raise InvalidInput("platform admins have no organization; every other role has exactly one")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    email = email.strip().lower()
    taken = await session.execute(select(StaffUser.id).where(func.lower(StaffUser.email) == email))
    if taken.first() is not None:
        raise Conflict(f"a staff user with email {email} exists")
    user = StaffUser(
        organization_id=organization_id,
        email=email,
        full_name=full_name,
        password_hash=hash_password(password),
        role=role,
    )
    session.add(user)
    await session.flush()
    if totp_secret is not None:
        if pii is None:
            raise ValueError("create_staff_user needs the PII cipher to store a TOTP secret")
        totp.install_secret(user, pii, totp_secret, datetime.now(UTC))
    await record(
        session,
        organization_id=organization_id,
        actor=actor,
        action="staff.created",
        object_type="staff_user",
        object_id=user.id,
        details={"email": email, "role": str(role)},
    )
    return user


@dataclass(frozen=True, slots=True)
class StaffSummary:
    id: int
    email: str
    full_name: str
    role: StaffRole
    status: str
    mfa_enrolled: bool
    last_login_at: datetime | None


@requires(Permission.STAFF_VIEW)
async def list_staff(session: AsyncSession, *, principal: StaffPrincipal) -> list[StaffSummary]:
    """The staff of the principal's organization (a platform admin in the system scope sees everyone)."""
    stmt = select(StaffUser).order_by(StaffUser.full_name)
    if principal.organization_id is not None:
        stmt = stmt.where(StaffUser.organization_id == principal.organization_id)
    rows = (await session.execute(stmt)).scalars()
    return [
        StaffSummary(u.id, u.email, u.full_name, StaffRole(u.role), u.status, u.mfa_enrolled, u.last_login_at)
        for u in rows
    ]


@requires(Permission.STAFF_MANAGE)
async def change_staff_role(
    session: AsyncSession,
    *,
    principal: StaffPrincipal,
    staff_user_id: int,
    role: StaffRole | str,
    request_id: str | None = None,
) -> StaffUser:
    """Give a colleague another role; their sessions end so the new rights apply from a fresh sign-in.

    Raises NotFound for someone outside the principal's organization (they do not exist for it),
    InvalidInput for an unknown role, for making a platform admin, or for changing one's own role.
    """
    try:
        new_role = StaffRole(role)
    except ValueError:
        raise InvalidInput(f"unknown role {role!r}") from None
    if new_role is StaffRole.PLATFORM_ADMIN:
        raise InvalidInput("platform admins are made by the platform, not in the console")
    user = await session.get(StaffUser, staff_user_id, with_for_update=True)
    if user is None or (
        principal.organization_id is not None and user.organization_id != principal.organization_id
    ):
        raise NotFound("no such staff user")
    if user.organization_id is None:
        raise InvalidInput("a platform admin's role cannot be changed here")
    if user.id == principal.staff_user_id:
        raise InvalidInput("you cannot change your own role; ask another manager")
    before = user.role
    if before == new_role:
        return user
    user.role = new_role
    ended = await end_user_sessions(session, staff_user_id=user.id, now=datetime.now(UTC))
    await record(
        session,
        organization_id=user.organization_id,
        actor=principal.actor,
        action="staff.role_changed",
        object_type="staff_user",
        object_id=user.id,
        details={"before": {"role": before}, "after": {"role": str(new_role)}, "sessions_ended": ended},
        request_id=request_id,
    )
    return user
