"""My profile and language (GET/PATCH /me) and my groups (GET /me/groups, /me/groups/{group_id})."""

from __future__ import annotations

from core.audit.service import Actor, record
from core.errors import NotFound
from core.members.models import Group, GroupMembership, Member
from core.organizations.models import Organization
from mobile.api.members import current_member, current_organization, my_groups
from mobile.api.registry import Call, Routes
from mobile.api.schemas.profile import (
    GroupList,
    GroupParams,
    GroupView,
    OrganizationView,
    Profile,
    ProfileUpdate,
)

ROUTES = Routes("profile")


def _profile(member: Member, org: Organization) -> Profile:
    return Profile(
        id=member.id,
        first_name=member.first_name,
        last_name=member.last_name,
        full_name=member.full_name,
        phone=member.phone,
        language=member.language,
        status=member.status,
        joined_on=member.joined_on,
        organization=OrganizationView(id=org.id, slug=org.slug, name=org.name, currency=org.currency),
    )


def _group(group: Group, membership: GroupMembership, currency: str) -> GroupView:
    return GroupView(
        id=group.id,
        code=group.code,
        name=group.name,
        role=membership.role,
        contribution_amount=group.contribution_amount,
        contribution_frequency=group.contribution_frequency,
        meeting_day=group.meeting_day,
        currency=currency,
        joined_on=membership.joined_on,
    )


@ROUTES.operation("GET", "/me", summary="My profile", response=Profile)
async def get_profile(call: Call) -> Profile:
    async with call.tenant() as session:
        return _profile(await current_member(session, call.member), await current_organization(session, call.member))


@ROUTES.operation("PATCH", "/me", summary="Change my language", body=ProfileUpdate, response=Profile)
async def update_profile(call: Call) -> Profile:
    """The language is the member's everywhere: the bot on every channel answers in it too."""
    change = call.body_as(ProfileUpdate)
    async with call.tenant() as session:
        member = await current_member(session, call.member)
        if member.language != change.language:
            before, member.language = member.language, change.language
            await record(
                session,
                organization_id=member.organization_id,
                actor=Actor.member(member.id),
                action="member.language_changed",
                object_type="member",
                object_id=member.id,
                details={"from": before, "to": change.language, "via": "app"},
            )
        return _profile(member, await current_organization(session, call.member))


@ROUTES.operation("GET", "/me/groups", summary="My groups", response=GroupList)
async def list_groups(call: Call) -> GroupList:
    async with call.tenant() as session:
        org = await current_organization(session, call.member)
        rows = await my_groups(session, call.member)
    return GroupList(items=[_group(g, m, org.currency) for g, m in rows])


@ROUTES.operation(
    "GET", "/me/groups/{group_id}", summary="One of my groups", params=GroupParams, response=GroupView, errors=(404,)
)
async def get_group(call: Call) -> GroupView:
    """404 for a group the member is not in, in their SACCO or another: it does not exist for them."""
    wanted = call.params_as(GroupParams).group_id
    async with call.tenant() as session:
        org = await current_organization(session, call.member)
        for group, membership in await my_groups(session, call.member):
            if group.id == wanted:
                return _group(group, membership, org.currency)
    raise NotFound(f"no group {wanted}")
