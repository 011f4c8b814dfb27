"""Assigning, listing and resolving members' payment codes (one per member per group, one per loan)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.members.models import Group
from core.organizations.models import Organization
from core.payments.codes import momo_dial_string, new_code, tel_link
from core.payments.models import CodePurpose, PaymentCode

_MAX_DRAWS = 20


@dataclass(frozen=True, slots=True)
class PaymentCodeView:
    """What a member needs to pay: the code, where it goes, and how to dial it."""

    code: str
    purpose: str
    group_id: int | None
    group_code: str | None
    group_name: str | None
    loan_id: int | None
    expected_amount: int | None
    currency: str
    dial_string: str | None
    tel_link: str | None


@dataclass(frozen=True, slots=True)
class CodeTarget:
    """Where money paid with a code belongs (for reconciliation)."""

    organization_id: int
    member_id: int
    group_id: int | None
    loan_id: int | None
    purpose: str


async def assign_code(
    session: AsyncSession,
    *,
    organization_id: int,
    member_id: int,
    group_id: int | None = None,
    loan_id: int | None = None,
    purpose: CodePurpose = CodePurpose.CONTRIBUTION,
) -> str:
    """Return the member's active code for this group (or loan), drawing a new unique one when missing.

    Race-safe: a concurrent assignment for the same membership wins through the partial unique index,
    and a clash with another member's code (global uniqueness) draws again.
    """
    existing = await _active_code(
        session, member_id=member_id, group_id=group_id, loan_id=loan_id, purpose=purpose
    )
    if existing is not None:
        return existing
    for _ in range(_MAX_DRAWS):
        code = new_code()
        inserted = await session.execute(
            insert(PaymentCode)
            .values(
                organization_id=organization_id,
                code=code,
                purpose=purpose,
                member_id=member_id,
                group_id=group_id,
                loan_id=loan_id,
                status="active",
            )
            .on_conflict_do_nothing()
            .returning(PaymentCode.code)
        )
        if inserted.scalar_one_or_none() is not None:
            return code
        existing = await _active_code(
            session, member_id=member_id, group_id=group_id, loan_id=loan_id, purpose=purpose
        )
        if existing is not None:
            return existing
    raise RuntimeError("could not draw a unique payment code")


async def _active_code(
    session: AsyncSession, *, member_id: int, group_id: int | None, loan_id: int | None, purpose: str
) -> str | None:
    query = select(PaymentCode.code).where(
        PaymentCode.member_id == member_id, PaymentCode.purpose == purpose, PaymentCode.status == "active"
    )
    query = query.where(
        PaymentCode.loan_id == loan_id if loan_id is not None else PaymentCode.group_id == group_id
    )
    return (await session.execute(query.limit(1))).scalar_one_or_none()


async def codes_for_member(
    session: AsyncSession, organization_id: int, member_id: int
) -> list[PaymentCodeView]:
    """The member's active codes with the MoMo Pay dial string and tel: link for the group's contribution."""
    org = await session.get(Organization, organization_id)
    currency = org.currency if org else "RWF"
    merchant = org.momo_merchant_code if org else None
    rows = await session.execute(
        select(PaymentCode, Group)
        .outerjoin(Group, Group.id == PaymentCode.group_id)
        .where(
            PaymentCode.organization_id == organization_id,
            PaymentCode.member_id == member_id,
            PaymentCode.status == "active",
        )
        .order_by(PaymentCode.purpose, Group.code, PaymentCode.id)
    )
    views: list[PaymentCodeView] = []
    for code, group in rows.all():
        amount = group.contribution_amount if group is not None and group.contribution_amount > 0 else None
        dial = momo_dial_string(merchant, amount, code.code) if merchant and amount else None
        views.append(
            PaymentCodeView(
                code=code.code,
                purpose=code.purpose,
                group_id=code.group_id,
                group_code=group.code if group else None,
                group_name=group.name if group else None,
                loan_id=code.loan_id,
                expected_amount=amount,
                currency=currency,
                dial_string=dial,
                tel_link=tel_link(dial) if dial else None,
            )
        )
    return views


async def resolve_code(session: AsyncSession, code: str) -> CodeTarget | None:
    """Who a code belongs to, within the session's scope; None for an unknown or retired code."""
    row = (
        await session.execute(
            select(PaymentCode).where(PaymentCode.code == code, PaymentCode.status == "active")
        )
    ).scalar_one_or_none()
    if row is None:
        return None
    return CodeTarget(row.organization_id, row.member_id, row.group_id, row.loan_id, row.purpose)
