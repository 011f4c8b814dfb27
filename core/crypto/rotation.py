"""Key rotation: re-encrypt every stored personal value under the current PII key (and re-index it).

Run `ibimina rotate-keys` after putting a new key first in PII_ENCRYPTION_KEYS (keep the old ones after
it until this finishes). Batches commit one by one, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, not_, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from core.crypto.pii import PiiCipher
from core.db.database import Database
from core.identity.models import StaffUser
from core.identity.totp import totp_context
from core.members.models import Member
from core.members.service import national_id_context

BATCH = 500


@dataclass(frozen=True, slots=True)
class RotationReport:
    national_ids: int
    totp_secrets: int
    current_key_id: str


def _stale(column: InstrumentedAttribute[str | None], pii: PiiCipher) -> ColumnElement[bool]:
    current = "v1:" + pii.current_key_id.replace("_", "\\_") + ":%"  # "_" is a LIKE wildcard
    return and_(column.is_not(None), not_(column.like(current, escape="\\")))


async def rotate_pii_keys(
    db: Database, pii: PiiCipher, *, batch: int = BATCH, organization_id: int | None = None
) -> RotationReport:
    """Re-encrypt values held under older keys, in every organization (a maintenance job) or in one.

    Raises UndecryptableValue when a value's key is no longer listed in PII_ENCRYPTION_KEYS.
    """

    def scope() -> Any:
        return db.system() if organization_id is None else db.tenant(organization_id)

    members = totp_secrets = 0
    while True:
        async with scope() as session:
            rows = list(
                (
                    await session.execute(
                        select(Member)
                        .where(_stale(Member.national_id_encrypted, pii))
                        .order_by(Member.id)
                        .limit(batch)
                        .with_for_update()
                    )
                ).scalars()
            )
            for m in rows:
                assert m.national_id_encrypted is not None
                context = national_id_context(m.organization_id)
                plain = pii.decrypt(m.national_id_encrypted, context=context)
                m.national_id_encrypted = pii.encrypt(plain, context=context)
                m.national_id_index = pii.blind_index(plain, context=context)
            members += len(rows)
        if len(rows) < batch:
            break
    while True:
        async with scope() as session:
            users = list(
                (
                    await session.execute(
                        select(StaffUser)
                        .where(
                            or_(
                                _stale(StaffUser.totp_secret_encrypted, pii),
                                _stale(StaffUser.totp_pending_secret_encrypted, pii),
                            )
                        )
                        .order_by(StaffUser.id)
                        .limit(batch)
                        .with_for_update()
                    )
                ).scalars()
            )
            for u in users:
                context = totp_context(u.id)
                if u.totp_secret_encrypted is not None:
                    u.totp_secret_encrypted = pii.encrypt(
                        pii.decrypt(u.totp_secret_encrypted, context=context), context=context
                    )
                if u.totp_pending_secret_encrypted is not None:
                    pending = pii.decrypt(u.totp_pending_secret_encrypted, context=context)
                    u.totp_pending_secret_encrypted = pii.encrypt(pending, context=context)
            totp_secrets += len(users)
        if len(users) < batch:
            break
    return RotationReport(members, totp_secrets, pii.current_key_id)
