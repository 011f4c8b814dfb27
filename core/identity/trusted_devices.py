"""Trusted devices: a signed, revocable 30-day cookie that lets a browser skip the second factor.

The cookie is "<device id>.<random>.<signature>"; the signature (HMAC with a SECRET_KEY sub-key) binds it to
the staff user, and the row keeps only an HMAC of the whole value, so it can be revoked one by one.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.crypto.keys import keyed_hash
from core.errors import NotFound
from core.identity.keys import IdentityKeys
from core.identity.models import StaffUser
from core.identity.staff_models import StaffTrustedDevice

TRUST_TTL = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class TrustedDeviceView:
    id: int
    label: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None


def _sign(keys: IdentityKeys, staff_user_id: int, body: str) -> str:
    return keyed_hash(keys.trusted_device, f"{staff_user_id}:{body}")[:32]


async def trust_device(
    session: AsyncSession, keys: IdentityKeys, user: StaffUser, *, label: str, now: datetime
) -> str:
    """Remember this browser for 30 days; returns the cookie value (not stored in readable form)."""
    random_part = secrets.token_urlsafe(24)
    row = StaffTrustedDevice(
        organization_id=user.organization_id,
        staff_user_id=user.id,
        token_hash="pending-" + secrets.token_hex(8),
        label=label[:200],
        expires_at=now + TRUST_TTL,
    )
    session.add(row)
    await session.flush()
    body = f"{row.id}.{random_part}"
    value = f"{body}.{_sign(keys, user.id, body)}"
    row.token_hash = keyed_hash(keys.trusted_device, value)
    return value


async def device_is_trusted(
    session: AsyncSession, keys: IdentityKeys, *, staff_user_id: int, cookie: str | None, now: datetime
) -> bool:
    """True for an unexpired, unrevoked device cookie issued to this user (then marks it used)."""
    if not cookie or cookie.count(".") != 2:
        return False
    device_id, random_part, signature = cookie.split(".")
    if not device_id.isdecimal() or not hmac.compare_digest(
        signature, _sign(keys, staff_user_id, f"{device_id}.{random_part}")
    ):
        return False
    row = await session.get(StaffTrustedDevice, int(device_id))
    if (
        row is None
        or row.staff_user_id != staff_user_id
        or row.revoked_at is not None
        or row.expires_at <= now
        or not hmac.compare_digest(row.token_hash, keyed_hash(keys.trusted_device, cookie))
    ):
        return False
    row.last_used_at = now
    return True


async def list_trusted_devices(
    session: AsyncSession, staff_user_id: int, *, now: datetime
) -> list[TrustedDeviceView]:
    rows = await session.execute(
        select(StaffTrustedDevice)
        .where(
            StaffTrustedDevice.staff_user_id == staff_user_id,
            StaffTrustedDevice.revoked_at.is_(None),
            StaffTrustedDevice.expires_at > now,
        )
        .order_by(StaffTrustedDevice.id.desc())
    )
    return [
        TrustedDeviceView(d.id, d.label, d.created_at, d.expires_at, d.last_used_at) for d in rows.scalars()
    ]


async def revoke_trusted_device(
    session: AsyncSession, *, staff_user_id: int, device_id: int, now: datetime
) -> None:
    """Forget one of the user's own devices; another user's (or organization's) device is NotFound."""
    result = await session.execute(
        update(StaffTrustedDevice)
        .where(
            StaffTrustedDevice.id == device_id,
            StaffTrustedDevice.staff_user_id == staff_user_id,
            StaffTrustedDevice.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    if not getattr(result, "rowcount", 0):
        raise NotFound("no such device")


async def revoke_all_trusted_devices(session: AsyncSession, *, staff_user_id: int, now: datetime) -> None:
    await session.execute(
        update(StaffTrustedDevice)
        .where(StaffTrustedDevice.staff_user_id == staff_user_id, StaffTrustedDevice.revoked_at.is_(None))
        .values(revoked_at=now)
    )
