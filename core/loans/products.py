"""Loan products per organization: price, schedule shape and borrowing rules; a built-in default when none is set."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import Actor, record
from core.errors import InvalidInput, NotFound
from core.loans.models import LoanProduct
from core.loans.schedule import Frequency, InterestMethod

COMPONENTS = ("penalty", "interest", "principal")


@dataclass(frozen=True, slots=True)
class ProductTerms:
    """A product's rules as a value (id None: the built-in default of 3x savings, 1..24 months, no interest)."""

    id: int | None
    code: str
    name: str
    currency: str
    interest_method: InterestMethod
    annual_rate_bp: int
    frequency: Frequency
    min_term_months: int
    max_term_months: int
    min_amount: int
    max_amount: int
    savings_multiplier: int
    min_membership_months: int = 0
    upfront_fee_bp: int = 0
    penalty_kind: str = "rate"  # rate: bp of the overdue amount per late period; fixed: minor units
    penalty_value: int = 0
    penalty_grace_days: int = 0
    guarantors_required: int = 0
    allocation_order: tuple[str, ...] = COMPONENTS

    def fee_for(self, principal: int) -> int:
        """The upfront fee in whole units (rounded half up), taken out of the disbursed amount."""
        return (principal * self.upfront_fee_bp + 5_000) // 10_000


def default_terms(currency: str) -> ProductTerms:
    return ProductTerms(None, "default", "Loan", currency, InterestMethod.FLAT, 0, Frequency.MONTHLY, 1, 24,
                        1_000, 10**12, 3)


def terms_of(row: LoanProduct) -> ProductTerms:
    return ProductTerms(
        row.id, row.code, row.name, row.currency, InterestMethod(row.interest_method), row.annual_rate_bp,
        Frequency(row.frequency), row.min_term_months, row.max_term_months, row.min_amount, row.max_amount,
        row.savings_multiplier, row.min_membership_months, row.upfront_fee_bp, row.penalty_kind, row.penalty_value,
        row.penalty_grace_days, row.guarantors_required, tuple(row.allocation_order.split(",")),
    )


def _validate(t: ProductTerms) -> None:
    if sorted(t.allocation_order) != sorted(COMPONENTS):
        raise InvalidInput("the allocation order names penalty, interest and principal once each")
    if not (0 < t.min_term_months <= t.max_term_months and 0 < t.min_amount <= t.max_amount):
        raise InvalidInput("term and amount ranges must be positive and in order")
    if t.annual_rate_bp < 0 or t.savings_multiplier <= 0 or t.guarantors_required < 0:
        raise InvalidInput("rate, savings multiple and guarantors must not be negative")
    if t.penalty_kind not in ("rate", "fixed"):
        raise InvalidInput("a penalty is a rate or a fixed amount")


async def create_product(session: AsyncSession, organization_id: int, terms: ProductTerms, *, actor: Actor) -> int:
    """Add a product to the organization; raises InvalidInput for inconsistent terms (audit: loan.product_created)."""
    _validate(terms)
    values: dict[str, Any] = {f.name: getattr(terms, f.name) for f in fields(terms) if f.name != "id"}
    values["allocation_order"] = ",".join(terms.allocation_order)
    row = LoanProduct(organization_id=organization_id, active=True, **values)
    session.add(row)
    await session.flush()
    await record(session, organization_id=organization_id, actor=actor, action="loan.product_created",
                 object_type="loan_product", object_id=row.id, details={"code": terms.code})
    return row.id


async def list_products(session: AsyncSession, organization_id: int, *, active_only: bool = True) -> list[ProductTerms]:
    query = select(LoanProduct).where(LoanProduct.organization_id == organization_id).order_by(LoanProduct.id)
    if active_only:
        query = query.where(LoanProduct.active.is_(True))
    return [terms_of(r) for r in (await session.execute(query)).scalars()]


async def product_terms(
    session: AsyncSession, organization_id: int, product_id: int | None, currency: str
) -> ProductTerms:
    """The product's terms, or the organization's first active product, or the built-in default.

    Raises NotFound for a product id that is not this organization's.
    """
    if product_id is not None:
        row = await session.get(LoanProduct, product_id)
        if row is None or row.organization_id != organization_id:
            raise NotFound(f"loan product {product_id} does not exist here")
        return terms_of(row)
    products = await list_products(session, organization_id)
    return products[0] if products else default_terms(currency)
