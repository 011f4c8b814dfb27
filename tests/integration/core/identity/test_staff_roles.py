"""Role changes: managers only, within their organization, never to platform admin; sessions end; audited."""

from __future__ import annotations

import secrets

import pyotp
import pytest
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.db.database import Database
from core.demo.seed import development_cipher
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.identity.context import ClientInfo
from core.identity.keys import IdentityKeys
from core.identity.permissions import StaffPrincipal
from core.identity.ratelimit_pg import PostgresRateLimiter
from core.identity.roles import StaffRole
from core.identity.staff import change_staff_role, list_staff
from core.identity.staff_auth import begin_sign_in, complete_sign_in
from core.identity.staff_sessions import load_session
from core.settings import Settings
from tests.support.factories import STAFF_PASSWORD, make_organization, make_staff


def _principal(user: object) -> StaffPrincipal:
    return StaffPrincipal(user.id, StaffRole(user.role), user.organization_id)  # type: ignore[attr-defined]


async def test_manager_changes_a_colleagues_role_and_their_session_ends(
    db: Database, settings: Settings
) -> None:
    keys, limiter = IdentityKeys.from_settings(settings), PostgresRateLimiter(db, secrets.token_bytes(16))
    org = await make_organization(db)
    manager, _ = await make_staff(db, org, role=StaffRole.MANAGER)
    teller, secret = await make_staff(db, org, role=StaffRole.ACCOUNTANT)
    pending = await begin_sign_in(
        db, limiter, keys, email=teller.email, password=STAFF_PASSWORD, client=ClientInfo()
    )
    signed_in = await complete_sign_in(
        db,
        limiter,
        keys,
        development_cipher(),
        token=pending.token,
        code=pyotp.TOTP(secret).now(),
        client=ClientInfo(),
    )
    async with db.tenant(org.id) as s:
        await change_staff_role(
            s, principal=_principal(manager), staff_user_id=teller.id, role="loan_officer", request_id="req-1"
        )
    assert await load_session(db, keys, signed_in.token) is None
    async with db.tenant(org.id) as s:
        event = (
            await s.execute(
                select(AuditEvent).where(
                    AuditEvent.action == "staff.role_changed", AuditEvent.object_id == str(teller.id)
                )
            )
        ).scalar_one()
        roles = {p.email: p.role for p in await list_staff(s, principal=_principal(manager))}
    assert event.details["before"] == {"role": "accountant"} and event.details["after"] == {
        "role": "loan_officer"
    }
    assert event.actor_id == str(manager.id) and event.request_id == "req-1"
    assert roles[teller.email] is StaffRole.LOAN_OFFICER


async def test_role_change_refusals(db: Database) -> None:
    a, b = await make_organization(db), await make_organization(db)
    manager, _ = await make_staff(db, a, role=StaffRole.MANAGER)
    auditor, _ = await make_staff(db, a, role=StaffRole.AUDITOR)
    other, _ = await make_staff(db, b, role=StaffRole.SUPPORT_AGENT)
    async with db.tenant(a.id) as s:
        with pytest.raises(PermissionDenied):
            await change_staff_role(
                s, principal=_principal(auditor), staff_user_id=manager.id, role="auditor"
            )
        with pytest.raises(NotFound):
            await change_staff_role(s, principal=_principal(manager), staff_user_id=other.id, role="manager")
        with pytest.raises(InvalidInput, match="platform"):
            await change_staff_role(
                s, principal=_principal(manager), staff_user_id=auditor.id, role="platform_admin"
            )
        with pytest.raises(InvalidInput, match="own role"):
            await change_staff_role(
                s, principal=_principal(manager), staff_user_id=manager.id, role="auditor"
            )
