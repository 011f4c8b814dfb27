"""The signed-in member's own rows, loaded in their tenant scope (a member who left is signed out)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from core.identity.errors import InvalidToken
from core.identity.member_sessions import MemberClaims
from core.members.models import Group, GroupMembership, Member
from core.members.service import groups_of_member
from core.organizations.models import Organization
from core.organizations.service import find_organization
from mobile.api.login import SIGN_IN_STATUSES


async def current_member(session: AsyncSession, claims: MemberClaims) -> Member:
    """The caller's member row; InvalidToken (401) when it is gone, suspended or left."""
    member = await session.get(Member, claims.member_id)
    if member is None or member.organization_id != claims.organization_id or member.status not in SIGN_IN_STATUSES:
        raise InvalidToken("This account can no longer sign in. Ask your group's officers.")
    return member


async def current_organization(session: AsyncSession, claims: MemberClaims) -> Organization:
    org = await find_organization(session, claims.organization_id)
    if org is None:
        raise InvalidToken()
    return org


async def my_groups(session: AsyncSession, claims: MemberClaims) -> list[tuple[Group, GroupMembership]]:
    """The groups the caller belongs to now (left groups excluded)."""
    return await groups_of_member(session, claims.member_id)
