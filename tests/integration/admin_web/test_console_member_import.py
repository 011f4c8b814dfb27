"""CSV import of members: a job with progress (JSON for the page's script), a per-row error report, walls."""

from __future__ import annotations

import asyncio

from aiohttp import FormData

from core.db.database import Database
from core.identity.roles import StaffRole
from core.members.search import search_members
from tests.integration.admin_web.conftest import ClientFactory
from tests.support.console import page_csrf, sign_in
from tests.support.factories import STAFF_PASSWORD, make_group, make_organization, make_staff, new_phone


def _csv(group_code: str) -> bytes:
    p1, p2, p3 = new_phone(), new_phone(), new_phone()
    return (
        "first_name,last_name,phone,national_id,language,group_code\n"
        f"Aline,Uwase,{p1},1199080012345678,rw,{group_code}\n"
        f"Eric,Habimana,{p2},,en,\n"
        f"Eric,Twice,{p2},,en,\n"  # the same phone again: refused
        f",Nameless,{new_phone()},,rw,\n"
        f"Jean,Nshuti,0788,,rw,\n"  # not a phone number
        f"Grace,Ingabire,{p3},,fr,NOPE\n"
    ).encode()


async def _upload(client: object, data: bytes, token: str) -> object:
    form = FormData()
    form.add_field("csrf_token", token)
    form.add_field("file", data, filename="members.csv", content_type="text/csv")
    return await client.post("/console/members/import", data=form, allow_redirects=False)  # type: ignore[attr-defined]


async def test_import_reports_progress_and_refused_rows(db: Database, console_client: ClientFactory) -> None:
    org = await make_organization(db)
    group = await make_group(db, org)
    user, secret = await make_staff(db, org, role=StaffRole.MANAGER)
    client = await console_client()
    await sign_in(client, user.email, STAFF_PASSWORD, secret)
    token = await page_csrf(client, "/console/members/import")
    started = await _upload(client, _csv(group.code), token)
    assert started.status == 303  # type: ignore[attr-defined]
    status_url = started.headers["Location"]  # type: ignore[attr-defined]
    state: dict[str, object] = {}
    for _ in range(100):
        state = await (await client.get(status_url, headers={"Accept": "application/json"})).json()
        if state["finished"]:
            break
        await asyncio.sleep(0.05)
    assert state["total"] == 6 and state["done"] == 6 and state["created"] == 2
    assert [e["line"] for e in state["errors"]] == [4, 5, 6, 7]  # type: ignore[union-attr,index]
    page = await (await client.get(status_url)).text()
    assert "<progress" in page and "no group with code NOPE" in page
    async with db.tenant(org.id) as s:
        hits = await search_members(s, org.id, "Uwase")
    assert [h.groups for h in hits] == [(group.code,)]

    other_org = await make_organization(db)
    stranger, stranger_secret = await make_staff(db, other_org, role=StaffRole.MANAGER)
    other = await console_client()
    await sign_in(other, stranger.email, STAFF_PASSWORD, stranger_secret)
    assert (await other.get(status_url)).status == 404


async def test_bad_files_roles_and_csrf(db: Database, console_client: ClientFactory) -> None:
    org = await make_organization(db)
    user, secret = await make_staff(db, org, role=StaffRole.MANAGER)
    client = await console_client()
    await sign_in(client, user.email, STAFF_PASSWORD, secret)
    token = await page_csrf(client, "/console/members/import")
    no_header = await _upload(client, b"a,b\n1,2\n", token)
    assert no_header.status == 422  # type: ignore[attr-defined]
    forged = await _upload(client, b"first_name,last_name,phone\n", "wrong")
    assert forged.status == 403  # type: ignore[attr-defined]
    agent, agent_secret = await make_staff(db, org, role=StaffRole.SUPPORT_AGENT)
    other = await console_client()
    await sign_in(other, agent.email, STAFF_PASSWORD, agent_secret)
    assert (await other.get("/console/members/import")).status == 403
