"""Members and groups over HTTP: search by name/phone/code, create with an encrypted national ID, edit, PII by role."""

from __future__ import annotations

from core.db.database import Database
from core.identity.roles import StaffRole
from core.members.models import Member
from tests.integration.admin_web.conftest import ClientFactory
from tests.support.console import page_csrf, sign_in
from tests.support.factories import (
    STAFF_PASSWORD,
    make_group,
    make_member,
    make_organization,
    make_staff,
    new_phone,
)
from tests.support.momo import code_of

NATIONAL_ID = "1199080012345678"


async def test_create_search_edit_and_pii(db: Database, console_client: ClientFactory) -> None:
    org = await make_organization(db)
    group = await make_group(db, org, name="Twiyubake")
    user, secret = await make_staff(db, org, role=StaffRole.MANAGER)
    client = await console_client()
    await sign_in(client, user.email, STAFF_PASSWORD, secret)
    token = await page_csrf(client, "/console/members/new")
    phone = new_phone()
    created = await client.post(
        "/console/members/new",
        data={
            "csrf_token": token,
            "first_name": "Claudine",
            "last_name": "Uwimana",
            "phone": phone,
            "national_id": NATIONAL_ID,
            "language": "rw",
            "group_id": str(group.id),
        },
        allow_redirects=False,
    )
    assert created.status == 303
    location = created.headers["Location"]
    member_id = int(location.rsplit("/", 1)[1])
    async with db.system() as s:
        row = await s.get(Member, member_id)
        assert row is not None and row.national_id_encrypted and NATIONAL_ID not in row.national_id_encrypted
    page = await (await client.get(location)).text()
    assert NATIONAL_ID in page and group.code in page  # managers may read PII
    code = await code_of(db, org.id, member_id)
    for q in ("uwiman", phone[-7:], code, "Claudine Uwimana"):
        found = await (await client.get("/console/members", params={"q": q})).text()
        assert f"/console/members/{member_id}" in found, q
    group_page = await (await client.get(f"/console/groups/{group.id}")).text()
    assert "Claudine Uwimana" in group_page

    taken = await make_member(db, org)
    clash = await client.post(
        f"/console/members/{member_id}/edit",
        data={
            "csrf_token": token,
            "first_name": "Claudine",
            "last_name": "Uwimana",
            "phone": taken.phone,
            "language": "rw",
            "status": "active",
        },
    )
    assert clash.status == 422 and "exists" in await clash.text()
    edited = await client.post(
        f"/console/members/{member_id}/edit",
        data={
            "csrf_token": token,
            "first_name": "Claudine",
            "last_name": "Mukamana",
            "phone": phone,
            "language": "fr",
            "status": "suspended",
        },
        allow_redirects=False,
    )
    assert edited.status == 303
    async with db.system() as s:
        row = await s.get(Member, member_id)
        assert row is not None and (row.last_name, row.language, row.status) == (
            "Mukamana",
            "fr",
            "suspended",
        )
        assert row.national_id_encrypted  # left as it was

    agent, agent_secret = await make_staff(db, org, role=StaffRole.SUPPORT_AGENT)
    other = await console_client()
    await sign_in(other, agent.email, STAFF_PASSWORD, agent_secret)
    seen = await (await other.get(location)).text()
    assert NATIONAL_ID not in seen and "National ID on file" in seen
    assert (await other.get(f"/console/members/{member_id}/edit")).status == 403
    assert (await other.get("/console/members/new")).status == 403


async def test_managers_create_groups_accountants_do_not(db: Database, console_client: ClientFactory) -> None:
    org = await make_organization(db)
    manager, secret = await make_staff(db, org, role=StaffRole.MANAGER)
    client = await console_client()
    await sign_in(client, manager.email, STAFF_PASSWORD, secret)
    token = await page_csrf(client, "/console/groups/new")
    form = {
        "csrf_token": token,
        "code": "abc 12",
        "name": "Abishyize hamwe",
        "contribution_amount": "2000",
        "contribution_frequency": "weekly",
        "meeting_day": "3",
    }
    created = await client.post("/console/groups/new", data=form, allow_redirects=False)
    assert created.status == 303
    page = await (await client.get(created.headers["Location"])).text()
    assert "ABC12" in page and "Abishyize hamwe" in page
    again = await client.post("/console/groups/new", data=form)
    assert again.status == 422 and "exists" in await again.text()
    bad_day = await client.post("/console/groups/new", data={**form, "code": "X1", "meeting_day": "9"})
    assert bad_day.status == 422
    accountant, acc_secret = await make_staff(db, org, role=StaffRole.ACCOUNTANT)
    other = await console_client()
    await sign_in(other, accountant.email, STAFF_PASSWORD, acc_secret)
    assert (await other.get("/console/groups/new")).status == 403
