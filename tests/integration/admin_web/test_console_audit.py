"""The audit log page: filters, the chain verification, and who may see it."""

from __future__ import annotations

from core.db.database import Database
from core.identity.roles import StaffRole
from tests.integration.admin_web.conftest import ClientFactory
from tests.support.console import sign_in
from tests.support.factories import STAFF_PASSWORD, make_group, make_member, make_organization, make_staff


async def test_auditor_filters_and_verifies(db: Database, console_client: ClientFactory) -> None:
    org = await make_organization(db)
    group = await make_group(db, org)
    member = await make_member(db, org, group)
    auditor, secret = await make_staff(db, org, role=StaffRole.AUDITOR)
    client = await console_client()
    await sign_in(client, auditor.email, STAFF_PASSWORD, secret)
    page = await (await client.get("/console/audit?action=member.")).text()
    assert "member.created" in page and "group.member_added" not in page
    by_object = await (await client.get(f"/console/audit?object_type=member&object_id={member.id}")).text()
    assert "member.created" in by_object
    verified = await (await client.get("/console/audit?verify=1")).text()
    assert 'data-chain="intact"' in verified
    assert (await client.get("/console/audit?since=nope")).status == 422


async def test_only_auditors_and_managers_see_the_audit_log(
    db: Database, console_client: ClientFactory
) -> None:
    org = await make_organization(db)
    for role, status in (
        (StaffRole.ACCOUNTANT, 403),
        (StaffRole.SUPPORT_AGENT, 403),
        (StaffRole.MANAGER, 200),
    ):
        user, secret = await make_staff(db, org, role=role)
        client = await console_client()
        await sign_in(client, user.email, STAFF_PASSWORD, secret)
        assert (await client.get("/console/audit")).status == status, role
