"""Demo loan products: a monthly business loan with a guarantor and a small weekly loan without one."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import Actor
from core.loans.models import LoanProduct
from core.loans.products import ProductTerms, create_product
from core.loans.schedule import Frequency, InterestMethod

DEMO_ACTOR = Actor.system("demo")


def demo_products(currency: str) -> tuple[ProductTerms, ...]:
    return (
        ProductTerms(None, "business", "Inguzanyo y'ubucuruzi (business)", currency, InterestMethod.DECLINING, 2400,
                     Frequency.MONTHLY, 1, 12, 5_000, 1_000_000, 3, min_membership_months=0, upfront_fee_bp=100,
                     penalty_kind="rate", penalty_value=500, penalty_grace_days=3, guarantors_required=1),
        ProductTerms(None, "quick", "Inguzanyo yihuse (quick, weekly)", currency, InterestMethod.FLAT, 1200,
                     Frequency.WEEKLY, 1, 3, 2_000, 100_000, 2, penalty_kind="fixed", penalty_value=200,
                     penalty_grace_days=2),
    )


async def ensure_demo_products(session: AsyncSession, organization_id: int, currency: str) -> int:
    """Add the demo products to an organization that has none yet; returns how many were added."""
    existing = (await session.execute(
        select(LoanProduct.id).where(LoanProduct.organization_id == organization_id).limit(1))).first()
    if existing is not None:
        return 0
    for terms in demo_products(currency):
        await create_product(session, organization_id, terms, actor=DEMO_ACTOR)
    return len(demo_products(currency))
