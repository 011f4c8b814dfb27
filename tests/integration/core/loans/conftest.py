"""A lending organization: a group, a borrower and two guarantors with savings, a product, two managers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from core.audit.service import Actor
from core.db.database import Database
from core.identity.permissions import StaffPrincipal
from core.identity.roles import StaffRole
from core.loans.products import ProductTerms, create_product
from core.loans.schedule import Frequency, InterestMethod
from core.members.models import Group, Member
from core.organizations.models import Organization
from tests.support.factories import make_group, make_member, make_organization, make_savings

DISBURSED_ON = date(2026, 1, 5)


@dataclass(frozen=True, slots=True)
class Lending:
    org: Organization
    group: Group
    borrower: Member
    guarantors: tuple[Member, Member]
    product_id: int
    maker: StaffPrincipal
    checker: StaffPrincipal


def product(currency: str, **changes: object) -> ProductTerms:
    base = dict(
        id=None, code="biz", name="Business loan", currency=currency, interest_method=InterestMethod.DECLINING,
        annual_rate_bp=2400, frequency=Frequency.MONTHLY, min_term_months=1, max_term_months=12, min_amount=5_000,
        max_amount=500_000, savings_multiplier=3, min_membership_months=0, upfront_fee_bp=100, penalty_kind="rate",
        penalty_value=500, penalty_grace_days=3, guarantors_required=2,
    )
    base.update(changes)
    return ProductTerms(**base)  # type: ignore[arg-type]


@pytest.fixture
async def lending(db: Database) -> Lending:
    org = await make_organization(db)
    group = await make_group(db, org)
    borrower = await make_member(db, org, group)
    g1, g2 = await make_member(db, org, group), await make_member(db, org, group)
    await make_savings(db, org, borrower, group, 40_000)
    await make_savings(db, org, g1, group, 60_000)
    await make_savings(db, org, g2, group, 60_000)
    async with db.tenant(org.id) as s:
        product_id = await create_product(s, org.id, product(org.currency), actor=Actor.system("test"))
    maker = StaffPrincipal(9_001, StaffRole.MANAGER, org.id)
    checker = StaffPrincipal(9_002, StaffRole.MANAGER, org.id)
    return Lending(org, group, borrower, (g1, g2), product_id, maker, checker)
