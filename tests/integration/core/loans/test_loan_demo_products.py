"""Demo organizations get their loan products once (seeding twice adds nothing)."""

from __future__ import annotations

from core.db.database import Database
from core.loans.demo import ensure_demo_products
from core.loans.products import list_products
from tests.support.factories import make_organization


async def test_demo_products_are_added_once(db: Database) -> None:
    org = await make_organization(db)
    async with db.tenant(org.id) as s:
        assert await ensure_demo_products(s, org.id, org.currency) == 2
        assert await ensure_demo_products(s, org.id, org.currency) == 0
        products = await list_products(s, org.id)
    assert [(p.code, p.frequency, p.interest_method, p.guarantors_required) for p in products] == [
        ("business", "monthly", "declining", 1), ("quick", "weekly", "flat", 0)]
