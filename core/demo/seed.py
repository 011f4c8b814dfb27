"""Load the demo (idempotent: a second run finds what exists and creates nothing) and describe it as JSON."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import Actor
from core.crypto.pii import PiiCipher, parse_keys
from core.db.database import Database
from core.demo.contributions import post_demo_contributions
from core.demo.spec import ORGANIZATIONS, PLATFORM_ADMIN, DemoOrganization, DemoStaff
from core.identity import totp
from core.identity.models import StaffUser
from core.identity.staff import create_staff_user
from core.loans.demo import ensure_demo_products
from core.members.models import Group
from core.members.service import add_to_group, create_group, create_member, groups_of_member, members_by_phone
from core.organizations.models import Organization
from core.organizations.service import create_organization, find_organization
from core.payments.member_codes import codes_for_member

DEMO_ACTOR = Actor.system("demo")


def demo_totp_secret(email: str) -> str:
    """The demo staff's TOTP secret, fixed like their passwords so `demo --json` prints the same logins."""
    return base64.b32encode(hashlib.sha256(b"ibimina-demo-totp:" + email.encode()).digest()[:20]).decode()


def development_cipher() -> PiiCipher:
    """The cipher the development default PII_ENCRYPTION_KEYS gives (callers should pass their own)."""
    from core.settings import Settings

    raw = Settings.model_fields["pii_encryption_keys"].get_default().get_secret_value()
    return PiiCipher(parse_keys(raw, allow_derived=True))


async def seed_demo(db: Database, pii: PiiCipher | None = None) -> dict[str, Any]:
    """Create whatever part of the demo is missing, then return its description.

    National IDs and TOTP secrets are encrypted with `pii` (PiiCipher.from_settings); demo staff are
    enrolled in TOTP with the secret `demo --json` prints.
    """
    pii = pii or development_cipher()
    async with db.system() as session:
        for spec in ORGANIZATIONS:
            if await find_organization(session, spec.slug) is None:
                await _create_organization(session, spec, pii)
        await _ensure_staff(session, None, PLATFORM_ADMIN, pii)
        await post_demo_contributions(session)
        for spec in ORGANIZATIONS:  # loans (issue 8): products per demo organization
            org = await find_organization(session, spec.slug)
            if org is not None:
                await ensure_demo_products(session, org.id, org.currency)
    return await describe_demo(db)


async def _create_organization(session: AsyncSession, spec: DemoOrganization, pii: PiiCipher) -> None:
    org = await create_organization(
        session, slug=spec.slug, name=spec.name, actor=DEMO_ACTOR, momo_merchant_code=spec.momo_merchant_code
    )
    groups: dict[str, Group] = {}
    for g in spec.groups:
        groups[g.code] = await create_group(
            session,
            organization_id=org.id,
            code=g.code,
            name=g.name,
            contribution_amount=g.contribution_amount,
            contribution_frequency=g.frequency,
            meeting_day=g.meeting_day,
            actor=DEMO_ACTOR,
        )
    for m in spec.members:
        member = await create_member(
            session,
            organization_id=org.id,
            phone=m.phone,
            first_name=m.first_name,
            last_name=m.last_name,
            language=m.language,
            national_id=m.national_id,
            actor=DEMO_ACTOR,
            pii=pii,
        )
        for code, role in m.groups:
            await add_to_group(session, member=member, group=groups[code], role=role, actor=DEMO_ACTOR)
    for s in spec.staff:
        await _ensure_staff(session, org.id, s, pii)


async def _ensure_staff(session: AsyncSession, organization_id: int | None, spec: DemoStaff, pii: PiiCipher) -> None:
    existing = (await session.execute(select(StaffUser).where(StaffUser.email == spec.email))).scalar_one_or_none()
    if existing is not None:
        if not existing.mfa_enrolled:  # a demo made before TOTP enrolment existed
            totp.install_secret(existing, pii, demo_totp_secret(spec.email), datetime.now(UTC))
        return
    await create_staff_user(
        session,
        organization_id=organization_id,
        email=spec.email,
        full_name=spec.full_name,
        password=spec.password,
        role=spec.role,
        actor=DEMO_ACTOR,
        totp_secret=demo_totp_secret(spec.email),
        pii=pii,
    )


async def describe_demo(db: Database) -> dict[str, Any]:
    """Organizations, groups, members (phones, memberships) and staff logins, for scripts and tests."""
    passwords = {s.email: s.password for o in ORGANIZATIONS for s in o.staff}
    passwords[PLATFORM_ADMIN.email] = PLATFORM_ADMIN.password
    out: dict[str, Any] = {"organizations": [], "members": [], "staff": []}
    async with db.system() as session:
        slugs = [o.slug for o in ORGANIZATIONS]
        orgs = (await session.execute(select(Organization).where(Organization.slug.in_(slugs)))).scalars()
        by_id: dict[int, Organization] = {o.id: o for o in orgs}
        for org in sorted(by_id.values(), key=lambda o: slugs.index(o.slug)):
            groups = (
                await session.execute(
                    select(Group).where(Group.organization_id == org.id).order_by(Group.code)
                )
            ).scalars()
            out["organizations"].append(
                {
                    "id": org.id,
                    "slug": org.slug,
                    "name": org.name,
                    "currency": org.currency,
                    "momo_merchant_code": org.momo_merchant_code,
                    "groups": [
                        {
                            "id": g.id,
                            "code": g.code,
                            "name": g.name,
                            "contribution_amount": g.contribution_amount,
                            "contribution_frequency": g.contribution_frequency,
                        }
                        for g in groups
                    ],
                }
            )
        for spec in ORGANIZATIONS:
            for m in spec.members:
                for member in await members_by_phone(session, m.phone):
                    if member.organization_id not in by_id:
                        continue
                    codes = {
                        c.group_id: c
                        for c in await codes_for_member(session, member.organization_id, member.id)
                    }
                    out["members"].append(
                        {
                            "id": member.id,
                            "organization": by_id[member.organization_id].slug,
                            "phone": member.phone,
                            "name": member.full_name,
                            "language": member.language,
                            "groups": [
                                {
                                    "group_id": g.id,
                                    "group_code": g.code,
                                    "role": ms.role,
                                    "payment_code": codes[g.id].code if g.id in codes else None,
                                    "dial_string": codes[g.id].dial_string if g.id in codes else None,
                                }
                                for g, ms in await groups_of_member(session, member.id)
                            ],
                        }
                    )
        staff = (await session.execute(select(StaffUser).order_by(StaffUser.id))).scalars()
        for user in staff:
            if user.email not in passwords:
                continue
            org_slug = by_id[user.organization_id].slug if user.organization_id in by_id else None
            out["staff"].append(
                {
                    "email": user.email,
                    "password": passwords[user.email],
                    "role": user.role,
                    "organization": org_slug,
                    "totp_secret": demo_totp_secret(user.email) if user.mfa_enrolled else None,
                }
            )
    return out
