"""Small builders for test data; each call makes uniquely named rows so tests share one database safely."""

from __future__ import annotations

import itertools
import random

from core.audit.service import Actor
from core.db.database import Database
from core.members.models import Group, Member, MembershipRole
from core.members.service import add_to_group, create_group, create_member
from core.organizations.models import Organization
from core.organizations.service import create_organization

TEST_ACTOR = Actor.system("tests")
_seq = itertools.count(1)
_rng = random.Random(20261123)


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_seq)}-{_rng.randrange(16**6):06x}"


def new_phone() -> str:
    """A valid Rwandan MTN mobile number unlikely to clash within a test session."""
    return f"+25078{_rng.randrange(10**7):07d}"


async def make_organization(db: Database, **kw: object) -> Organization:
    async with db.system() as s:
        return await create_organization(
            s,
            slug=str(kw.pop("slug", unique("org"))),
            name=str(kw.pop("name", "Test SACCO")),
            actor=TEST_ACTOR,
            **kw,  # type: ignore[arg-type]
        )


async def make_group(
    db: Database, org: Organization, *, contribution_amount: int = 2000, **kw: object
) -> Group:
    async with db.tenant(org.id) as s:
        return await create_group(
            s,
            organization_id=org.id,
            code=str(kw.pop("code", unique("G"))),
            name=str(kw.pop("name", "Test group")),
            contribution_amount=contribution_amount,
            contribution_frequency=str(kw.pop("contribution_frequency", "weekly")),
            meeting_day=2,
            actor=TEST_ACTOR,
        )


async def make_member(
    db: Database,
    org: Organization,
    group: Group | None = None,
    *,
    phone: str | None = None,
    language: str = "en",
    role: MembershipRole = MembershipRole.MEMBER,
) -> Member:
    async with db.tenant(org.id) as s:
        member = await create_member(
            s,
            organization_id=org.id,
            phone=phone or new_phone(),
            first_name="Test",
            last_name=unique("Member"),
            language=language,
            actor=TEST_ACTOR,
        )
        if group is not None:
            await add_to_group(s, member=member, group=group, role=role, actor=TEST_ACTOR)
        return member


# --- identity (issue 7): staff with or without an authenticator -------------------------------------------

STAFF_PASSWORD = "correct-horse-battery-staple"


async def make_staff(
    db: Database,
    org: Organization | None,
    *,
    role: object = None,
    password: str = STAFF_PASSWORD,
    enrolled: bool = True,
    pii: object = None,
) -> tuple[object, str | None]:
    """A staff user of `org` (None: platform admin); returns (user, TOTP secret or None when not enrolled).

    The PII cipher defaults to the development one, which is what the test settings derive too.
    """
    import pyotp

    from core.demo.seed import development_cipher
    from core.identity.roles import StaffRole
    from core.identity.staff import create_staff_user

    staff_role = StaffRole(role) if role is not None else (
        StaffRole.PLATFORM_ADMIN if org is None else StaffRole.MANAGER
    )
    secret = pyotp.random_base32() if enrolled else None
    async with db.system() as s:
        user = await create_staff_user(
            s,
            organization_id=None if org is None else org.id,
            email=f"{unique('staff')}@example.test",
            full_name="Test Staff",
            password=password,
            role=staff_role,
            actor=TEST_ACTOR,
            totp_secret=secret,
            pii=pii or development_cipher(),  # type: ignore[arg-type]
        )
    return user, secret


async def make_savings(db: Database, org: Organization, member: Member, group: Group, amount: int) -> int:
    """Give a member `amount` of savings in the group (a contribution from MTN clearing); returns the account id."""
    from core.ledger.chart import ensure_member_savings_account
    from core.ledger.operations import record_contribution
    from core.money import Money

    async with db.tenant(org.id) as s:
        await record_contribution(
            s, org.id, member.id, group.id, Money(amount, org.currency), idempotency_key=unique("savings"),
            actor=TEST_ACTOR,
        )
        return await ensure_member_savings_account(s, org.id, member.id, group.id)
