"""Stored payment codes: one per member per group, globally unique, resolvable, race-safe."""

from __future__ import annotations

import asyncio

from core.db.database import Database
from core.payments.codes import damm_is_valid
from core.payments.member_codes import assign_code, codes_for_member, resolve_code
from tests.support.factories import make_group, make_member, make_organization


async def test_joining_a_group_gives_a_valid_code_with_dial_string(db: Database) -> None:
    org = await make_organization(db, momo_merchant_code="502999")
    group = await make_group(db, org, contribution_amount=2500)
    member = await make_member(db, org, group)
    async with db.tenant(org.id) as s:
        views = await codes_for_member(s, org.id, member.id)
        assert len(views) == 1
        view = views[0]
        assert len(view.code) == 8 and damm_is_valid(view.code) and not view.code.startswith("0")
        assert view.group_id == group.id and view.expected_amount == 2500
        assert view.dial_string == "*182*8*1*502999*2500#"
        assert view.tel_link == "tel:*182*8*1*502999*2500%23"
        target = await resolve_code(s, view.code)
    assert target is not None and (target.member_id, target.group_id) == (member.id, group.id)


async def test_codes_of_another_organization_do_not_resolve(db: Database) -> None:
    a, b = await make_organization(db), await make_organization(db)
    member_b = await make_member(db, b, await make_group(db, b))
    async with db.tenant(b.id) as s:
        code_b = (await codes_for_member(s, b.id, member_b.id))[0].code
    async with db.tenant(a.id) as s:
        assert await resolve_code(s, code_b) is None


async def test_concurrent_assignment_for_one_membership_yields_one_code(db: Database) -> None:
    org = await make_organization(db)
    group = await make_group(db, org)
    member = await make_member(db, org, group)

    async def assign() -> str:
        async with db.tenant(org.id) as s:
            return await assign_code(s, organization_id=org.id, member_id=member.id, group_id=group.id)

    codes = await asyncio.gather(*(assign() for _ in range(6)))
    assert len(set(codes)) == 1
