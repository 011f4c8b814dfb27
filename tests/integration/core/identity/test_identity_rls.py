"""Row-level security on the identity tables: raw SQL in A's scope sees none of B's codes, tokens, sessions."""

from __future__ import annotations

import secrets

import pyotp
from sqlalchemy import text

from core.db.database import Database
from core.demo.seed import development_cipher
from core.identity.context import ClientInfo
from core.identity.keys import IdentityKeys
from core.identity.member_sessions import start_session
from core.identity.otp import issue_code
from core.identity.ratelimit_pg import PostgresRateLimiter
from core.identity.staff_auth import begin_sign_in, complete_sign_in
from core.settings import Settings
from tests.support.factories import STAFF_PASSWORD, make_member, make_organization, make_staff

IDENTITY_TABLES = (
    "one_time_codes",
    "member_token_families",
    "member_refresh_tokens",
    "staff_sessions",
    "staff_backup_codes",
    "staff_trusted_devices",
)


async def _fill(db: Database, keys: IdentityKeys, org_id: int) -> None:
    from core.organizations.models import Organization

    org = Organization(id=org_id)
    limiter = PostgresRateLimiter(db, secrets.token_bytes(16))
    member = await make_member(db, org)  # type: ignore[arg-type]
    await issue_code(db, limiter, keys, organization_id=org_id, phone=member.phone, purpose="login")
    await start_session(db, keys, organization_id=org_id, member_id=member.id)
    user, _ = await make_staff(db, org, enrolled=False)  # type: ignore[arg-type]
    client = ClientInfo(address="10.9.9.9")
    pending = await begin_sign_in(db, limiter, keys, email=user.email, password=STAFF_PASSWORD, client=client)
    from core.identity.staff_auth import sign_in_enrolment

    enrolment = await sign_in_enrolment(db, keys, development_cipher(), token=pending.token)
    assert enrolment is not None
    await complete_sign_in(
        db,
        limiter,
        keys,
        development_cipher(),
        token=pending.token,
        code=pyotp.TOTP(enrolment.secret).now(),
        client=client,
        trust_this_device=True,
    )


async def test_identity_rows_of_b_are_invisible_in_a_scope(db: Database, settings: Settings) -> None:
    keys = IdentityKeys.from_settings(settings)
    a, b = await make_organization(db), await make_organization(db)
    for org in (a, b):
        await _fill(db, keys, org.id)
    async with db.tenant(a.id) as s:
        for table in IDENTITY_TABLES:
            orgs = set((await s.execute(text(f"SELECT DISTINCT organization_id FROM {table}"))).scalars())
            assert orgs == {a.id}, f"{table} shows {orgs} in organization {a.id}'s scope"
    async with db.system() as s:
        for table in IDENTITY_TABLES:
            orgs = set((await s.execute(text(f"SELECT DISTINCT organization_id FROM {table}"))).scalars())
            assert {a.id, b.id} <= orgs, table
    async with db.sessions() as s, s.begin():  # no scope at all: nothing
        for table in IDENTITY_TABLES:
            assert (await s.execute(text(f"SELECT count(*) FROM {table}"))).scalar() == 0, table
