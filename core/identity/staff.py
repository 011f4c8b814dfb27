"""Staff accounts: creation with an argon2id password and a TOTP secret ready for enrolment."""

from __future__ import annotations

import pyotp
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import Actor, record
from core.errors import Conflict, InvalidInput
from core.identity.models import StaffUser
from core.identity.passwords import hash_password
from core.identity.roles import StaffRole

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
) -> StaffUser:
    """Create a staff account; only a platform admin may have no organization."""
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
        totp_secret=totp_secret or pyotp.random_base32(),
    )
    session.add(user)
    await session.flush()
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
