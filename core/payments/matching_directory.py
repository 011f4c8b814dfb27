"""Loading what matching needs for a batch in a few queries: codes, payers' phones, groups and their rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound
from core.payments.matching import Directory, GroupInfo, MemberInfo, codes_wanted
from core.payments.matching_types import PaymentFacts
from core.payments.member_codes import CodeTarget
from core.payments.suggest import Roster

__all__ = ["load_directory", "load_groups", "load_roster"]

_CURRENCY = text("SELECT currency FROM organizations WHERE id = :org")
# LATERAL lookups (LIMIT keeps them from being flattened) probe the unique index once per code, whatever
# the table's statistics say.
_CODES = text(
    "SELECT c.code, c.member_id, c.group_id, c.loan_id, c.purpose FROM unnest(CAST(:codes AS text[])) AS k(code) "
    "JOIN LATERAL (SELECT * FROM payment_codes WHERE code = k.code LIMIT 1) AS c ON true "
    "WHERE c.organization_id = :org AND c.status = 'active'"
)
# Active members with their active groups (a membership without left_on, in an active group).
_MEMBERS = """
    SELECT m.id, m.first_name || ' ' || m.last_name, m.phone,
           coalesce(array_agg(gm.group_id ORDER BY gm.group_id) FILTER (WHERE g.id IS NOT NULL), '{{}}')
      FROM members m
      LEFT JOIN group_memberships gm ON gm.member_id = m.id AND gm.left_on IS NULL
      LEFT JOIN groups g ON g.id = gm.group_id AND g.status = 'active'
     WHERE m.organization_id = :org AND m.status = 'active' {extra}
     GROUP BY m.id
"""
_MEMBERS_BY_PHONE = text(_MEMBERS.format(extra="AND m.phone = ANY(CAST(:phones AS text[]))"))
_ALL_MEMBERS = text(_MEMBERS.format(extra=""))
_GROUPS = "SELECT id, name, contribution_amount, contribution_frequency, meeting_day FROM groups WHERE organization_id = :org"
_GROUPS_BY_ID = text(_GROUPS + " AND id = ANY(CAST(:ids AS bigint[]))")
_ALL_GROUPS = text(_GROUPS + " AND status = 'active'")


def _member(row: Sequence[object]) -> MemberInfo:
    mid, name, phone, groups = row
    return MemberInfo(int(str(mid)), str(name), str(phone), tuple(int(g) for g in groups))  # type: ignore[attr-defined]


def _group(row: Sequence[object]) -> GroupInfo:
    gid, name, amount, frequency, day = row
    return GroupInfo(
        int(str(gid)), str(name), int(str(amount)), str(frequency), None if day is None else int(str(day))
    )


async def load_groups(
    session: AsyncSession, organization_id: int, ids: Iterable[int]
) -> dict[int, GroupInfo]:
    """These groups of the organization (others are absent)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await session.execute(_GROUPS_BY_ID, {"org": organization_id, "ids": wanted})
    return {g.id: g for g in map(_group, rows)}


async def load_directory(
    session: AsyncSession,
    organization_id: int,
    payments: Sequence[PaymentFacts],
    *,
    currency: str | None = None,
    groups: Mapping[int, GroupInfo] | None = None,
) -> Directory:
    """The directory for one organization's batch: at most four queries, whatever the batch size.

    Members are loaded only for payers' full phones; names for suggestions come from the roster. A caller
    that knows the currency or some groups already (an earlier batch of the same run) passes them.

    Raises NotFound when the organization is not visible in the session's scope.
    """
    if currency is None:
        currency = (await session.execute(_CURRENCY, {"org": organization_id})).scalar_one_or_none()
    if currency is None:
        raise NotFound(f"organization {organization_id} does not exist here")
    wanted: set[str] = set()
    for p in payments:
        wanted.update(codes_wanted(p))
    codes: dict[str, CodeTarget] = {}
    if wanted:
        rows = await session.execute(_CODES, {"org": organization_id, "codes": sorted(wanted)})
        for code, member_id, group_id, loan_id, purpose in rows:
            codes[str(code)] = CodeTarget(organization_id, int(member_id), group_id, loan_id, str(purpose))
    phones = sorted({p.payer_phone for p in payments if p.payer_phone and not p.phone_is_masked})
    members: dict[int, MemberInfo] = {}
    if phones:
        rows = await session.execute(_MEMBERS_BY_PHONE, {"org": organization_id, "phones": phones})
        members.update((m.id, m) for m in map(_member, rows))
    known = {g: info for g, info in (groups or {}).items()}
    group_ids = {t.group_id for t in codes.values() if t.group_id is not None}
    for m in members.values():
        group_ids.update(m.group_ids)
    return Directory(
        organization_id=organization_id,
        currency=str(currency),
        codes=codes,
        phone_members={m.phone: m for m in members.values() if m.phone in phones},
        members=members,
        groups={**known, **await load_groups(session, organization_id, group_ids - known.keys())},
    )


async def load_roster(session: AsyncSession, organization_id: int) -> Roster:
    """Every active member and active group of the organization, for suggestions (two queries)."""
    members = [_member(r) for r in (await session.execute(_ALL_MEMBERS, {"org": organization_id}))]
    groups = [_group(r) for r in (await session.execute(_ALL_GROUPS, {"org": organization_id}))]
    return Roster.build(members, groups)
