"""Creating and finding organizations. Creation runs in the system scope: the new id is not known before."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import Actor, record
from core.errors import Conflict
from core.ledger.chart import create_chart_of_accounts
from core.organizations.models import Organization


async def create_organization(
    session: AsyncSession,
    *,
    slug: str,
    name: str,
    actor: Actor,
    country: str = "RW",
    currency: str = "RWF",
    timezone: str = "Africa/Kigali",
    default_language: str = "rw",
    momo_merchant_code: str | None = None,
    momo_collection_number: str | None = None,
) -> Organization:
    """Create a SACCO/MFI; raises Conflict when the slug is taken."""
    if await find_organization(session, slug) is not None:
        raise Conflict(f"an organization with slug {slug!r} exists")
    org = Organization(
        slug=slug,
        name=name,
        country=country,
        currency=currency,
        timezone=timezone,
        default_language=default_language,
        momo_merchant_code=momo_merchant_code,
        momo_collection_number=momo_collection_number,
    )
    session.add(org)
    await session.flush()
    await create_chart_of_accounts(session, organization_id=org.id, currency=currency)
    await record(
        session,
        organization_id=org.id,
        actor=actor,
        action="organization.created",
        object_type="organization",
        object_id=org.id,
        details={"slug": slug, "name": name, "currency": currency},
    )
    return org


async def find_organization(session: AsyncSession, slug_or_id: str | int) -> Organization | None:
    """By slug or numeric id; None when absent or outside the session's scope."""
    if isinstance(slug_or_id, int) or str(slug_or_id).isdecimal():
        return await session.get(Organization, int(slug_or_id))
    return (
        await session.execute(select(Organization).where(Organization.slug == slug_or_id))
    ).scalar_one_or_none()
