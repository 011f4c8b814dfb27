"""Ten single-use backup codes per staff user, stored as HMACs, shown once when (re)generated."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.crypto.keys import keyed_hash
from core.identity.keys import IdentityKeys
from core.identity.models import StaffUser
from core.identity.staff_models import StaffBackupCode

COUNT = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread; 10 characters ~ 49 bits


def normalise(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def looks_like_backup_code(code: str) -> bool:
    clean = normalise(code)
    return len(clean) == 10 and not clean.isdecimal()


def _hash(keys: IdentityKeys, staff_user_id: int, code: str) -> str:
    return keyed_hash(keys.backup_codes, f"{staff_user_id}:{normalise(code)}")


async def replace_backup_codes(session: AsyncSession, keys: IdentityKeys, user: StaffUser) -> list[str]:
    """Invalidate every earlier code and return ten new ones (the only time they are readable)."""
    await session.execute(delete(StaffBackupCode).where(StaffBackupCode.staff_user_id == user.id))
    codes = []
    for _ in range(COUNT):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        session.add(
            StaffBackupCode(
                organization_id=user.organization_id,
                staff_user_id=user.id,
                code_hash=_hash(keys, user.id, raw),
            )
        )
    await session.flush()
    return codes


async def use_backup_code(
    session: AsyncSession, keys: IdentityKeys, user: StaffUser, code: str, *, now: datetime
) -> bool:
    """Spend one unused code; False when it is wrong or already used."""
    row = (
        await session.execute(
            select(StaffBackupCode)
            .where(
                StaffBackupCode.staff_user_id == user.id,
                StaffBackupCode.code_hash == _hash(keys, user.id, code),
                StaffBackupCode.used_at.is_(None),
            )
            .with_for_update()
        )
    ).scalar_one_or_none()
    if row is None:
        return False
    row.used_at = now
    return True


async def remaining_backup_codes(session: AsyncSession, staff_user_id: int) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(StaffBackupCode)
        .where(StaffBackupCode.staff_user_id == staff_user_id, StaffBackupCode.used_at.is_(None))
    )
    return int(count or 0)
