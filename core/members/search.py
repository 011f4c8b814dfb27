"""Finding members and groups for the staff console: by name, phone or payment code; group lists."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound
from core.members.models import Group, GroupMembership, Member
from core.payments.models import PaymentCode

MAX_RESULTS = 50


@dataclass(frozen=True, slots=True)
class MemberHit:
    id: int
    full_name: str
    phone: str
    status: str
    groups: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GroupRow:
    id: int
    code: str
    name: str
    status: str
    members: int
    contribution_amount: int


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def search_members(
    session: AsyncSession, organization_id: int, query: str, *, limit: int = MAX_RESULTS
) -> list[MemberHit]:
    """Members whose name, phone (any digits typed) or payment code matches `query`; all members when empty."""
    q = query.strip()
    stmt = select(Member).where(Member.organization_id == organization_id)
    if q:
        digits = "".join(ch for ch in q if ch.isdecimal())
        name = func.concat(Member.first_name, " ", Member.last_name)
        conditions = [
            name.ilike(_like(q)),
            func.concat(Member.last_name, " ", Member.first_name).ilike(_like(q)),
        ]
        if len(digits) >= 3:
            conditions.append(Member.phone.like(_like(digits.lstrip("0"))))
        by_code = select(PaymentCode.member_id).where(
            PaymentCode.organization_id == organization_id, func.upper(PaymentCode.code) == q.upper()
        )
        conditions.append(Member.id.in_(by_code))
        stmt = stmt.where(or_(*conditions))
    members = list((await session.execute(stmt.order_by(Member.last_name, Member.id).limit(limit))).scalars())
    groups = await _group_codes(session, [m.id for m in members])
    return [MemberHit(m.id, m.full_name, m.phone, m.status, groups.get(m.id, ())) for m in members]


async def _group_codes(session: AsyncSession, member_ids: list[int]) -> dict[int, tuple[str, ...]]:
    if not member_ids:
        return {}
    rows = await session.execute(
        select(GroupMembership.member_id, Group.code)
        .join(Group, Group.id == GroupMembership.group_id)
        .where(GroupMembership.member_id.in_(member_ids), GroupMembership.left_on.is_(None))
        .order_by(Group.code)
    )
    out: dict[int, tuple[str, ...]] = {}
    for member_id, code in rows:
        out[member_id] = (*out.get(member_id, ()), code)
    return out


async def get_member(session: AsyncSession, organization_id: int, member_id: int) -> Member:
    """The organization's member; raises NotFound for a missing one or another organization's."""
    member = await session.get(Member, member_id)
    if member is None or member.organization_id != organization_id:
        raise NotFound(f"member {member_id} does not exist here")
    return member


async def get_group(session: AsyncSession, organization_id: int, group_id: int) -> Group:
    """The organization's group; raises NotFound for a missing one or another organization's."""
    group = await session.get(Group, group_id)
    if group is None or group.organization_id != organization_id:
        raise NotFound(f"group {group_id} does not exist here")
    return group


async def list_groups(session: AsyncSession, organization_id: int) -> list[GroupRow]:
    """The organization's groups with their active member counts, by code."""
    count = (
        select(func.count())
        .where(GroupMembership.group_id == Group.id, GroupMembership.left_on.is_(None))
        .correlate(Group)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(Group, count).where(Group.organization_id == organization_id).order_by(Group.code)
    )
    return [GroupRow(g.id, g.code, g.name, g.status, int(n), g.contribution_amount) for g, n in rows]


async def group_members(session: AsyncSession, organization_id: int, group_id: int) -> list[MemberHit]:
    """The group's active members, by name."""
    rows = await session.execute(
        select(Member)
        .join(GroupMembership, GroupMembership.member_id == Member.id)
        .where(
            GroupMembership.group_id == group_id,
            GroupMembership.left_on.is_(None),
            Member.organization_id == organization_id,
        )
        .order_by(Member.last_name, Member.id)
    )
    members = list(rows.scalars())
    groups = await _group_codes(session, [m.id for m in members])
    return [MemberHit(m.id, m.full_name, m.phone, m.status, groups.get(m.id, ())) for m in members]


async def find_payee(session: AsyncSession, organization_id: int, text: str) -> tuple[int, int | None]:
    """(member id, group id or None) for what a person typed: a payment code, a phone, or '#<member id>'.

    Raises NotFound when nothing (or more than one member) fits.
    """
    q = text.strip()
    if q.startswith("#") and q[1:].isdecimal():
        return (await get_member(session, organization_id, int(q[1:]))).id, None
    code = (
        await session.execute(
            select(PaymentCode).where(
                PaymentCode.organization_id == organization_id,
                func.upper(PaymentCode.code) == q.upper(),
                PaymentCode.status == "active",
            )
        )
    ).scalar_one_or_none()
    if code is not None:
        return code.member_id, code.group_id
    hits = await search_members(session, organization_id, q, limit=2)
    if len(hits) != 1:
        raise NotFound(f"no single member matches {q!r}: type a payment code, a phone or #member-id")
    return hits[0].id, None
